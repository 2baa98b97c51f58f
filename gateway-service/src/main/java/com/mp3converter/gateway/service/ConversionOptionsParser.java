package com.mp3converter.gateway.service;

import com.mp3converter.contracts.ConversionOptions;

import java.math.BigDecimal;
import java.util.Set;
import java.util.function.Function;

/** The conversion options a user may give (query parameters or form fields), checked before anything is stored. */
public final class ConversionOptionsParser {

    /** Bitrates and sample rates LAME encodes for MPEG-1/2 layer III. */
    static final Set<Integer> BITRATES = Set.of(32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320);
    static final Set<Integer> SAMPLE_RATES = Set.of(8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000);
    static final double MAX_SECONDS = 24 * 3600;

    private ConversionOptionsParser() {
    }

    /**
     * Parses and validates the options from query parameters or form fields (names: bitrate, quality,
     * sampleRate, channels, start, end). Throws 400 with the reason.
     */
    public static ConversionOptions parse(Function<String, String> param) {
        Integer bitrate = integer(param, "bitrate");
        Integer quality = integer(param, "quality");
        Integer sampleRate = integer(param, "sampleRate");
        Integer channels = integer(param, "channels");
        Double start = seconds(param, "start");
        Double end = seconds(param, "end");
        if (bitrate != null && quality != null) {
            throw bad("give either bitrate (constant) or quality (VBR), not both");
        }
        if (bitrate != null && !BITRATES.contains(bitrate)) {
            throw bad("bitrate must be one of " + new java.util.TreeSet<>(BITRATES) + " (kbit/s)");
        }
        if (quality != null && (quality < 0 || quality > 9)) {
            throw bad("quality must be a LAME VBR level from 0 (best) to 9");
        }
        if (sampleRate != null && !SAMPLE_RATES.contains(sampleRate)) {
            throw bad("sampleRate must be one of " + new java.util.TreeSet<>(SAMPLE_RATES) + " (Hz)");
        }
        if (bitrate != null && bitrate > 160 && sampleRate != null && sampleRate < 32000) {
            throw bad("bitrates above 160 kbit/s need a sampleRate of 32000 Hz or more (MPEG-2 layer III tops out at 160)");
        }
        if (channels != null && channels != 1 && channels != 2) {
            throw bad("channels must be 1 (mono) or 2 (stereo)");
        }
        if (start != null && end != null && end <= start) {
            throw bad("end must be after start");
        }
        return new ConversionOptions(bitrate, quality, sampleRate, channels, start, end);
    }

    private static Integer integer(Function<String, String> param, String name) {
        String value = param.apply(name);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Integer.valueOf(value.trim().replaceFirst("(?i)k$", ""));
        } catch (NumberFormatException e) {
            throw bad(name + " must be a whole number");
        }
    }

    private static Double seconds(Function<String, String> param, String name) {
        String value = param.apply(name);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            double seconds = new BigDecimal(value.trim()).doubleValue();
            if (seconds < 0 || seconds > MAX_SECONDS) {
                throw bad(name + " must be between 0 and " + (long) MAX_SECONDS + " seconds");
            }
            return seconds;
        } catch (NumberFormatException e) {
            throw bad(name + " must be a number of seconds");
        }
    }

    private static ApiException bad(String reason) {
        return new ApiException(400, reason);
    }
}
