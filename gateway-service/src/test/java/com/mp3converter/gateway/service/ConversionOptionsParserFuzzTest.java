package com.mp3converter.gateway.service;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.mp3converter.contracts.ConversionOptions;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The options parser's contract (JobOptions.parse, which the upload routes call): any values refuse with 400 and
 * nothing else, and whatever it accepts is what the converter can do: a LAME bitrate or VBR level, a sample rate
 * and a channel count it encodes, a clip inside a day, and a callback URL that parses again to itself.
 */
class ConversionOptionsParserFuzzTest {

    private static final List<String> NAMES = List.of("bitrate", "quality", "sampleRate", "channels", "start", "end", "callbackUrl");

    /** The input: the values of the names above, in that order, one per line (fewer lines: the rest absent). */
    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void acceptsOnlyWhatTheConverterCanDoAndRefusesWith400(byte[] input) {
        String[] values = new String(input, StandardCharsets.UTF_8).split("\n", NAMES.size());
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < values.length; i++) {
            params.put(NAMES.get(i), values[i]);
        }
        JobOptions options;
        try {
            options = JobOptions.parse(params::get);
        } catch (ApiException e) {
            assertThat(e.status()).isEqualTo(400);
            return;
        }
        ConversionOptions c = options.conversion();
        assertThat(c.bitrateKbps() == null || c.vbrQuality() == null).isTrue();
        if (c.bitrateKbps() != null) {
            assertThat(c.bitrateKbps()).isIn(ConversionOptionsParser.BITRATES);
        }
        if (c.vbrQuality() != null) {
            assertThat(c.vbrQuality()).isBetween(0, 9);
        }
        if (c.sampleRate() != null) {
            assertThat(c.sampleRate()).isIn(ConversionOptionsParser.SAMPLE_RATES);
        }
        if (c.channels() != null) {
            assertThat(c.channels()).isIn(1, 2);
        }
        for (Double seconds : new Double[] {c.startSeconds(), c.endSeconds()}) {
            if (seconds != null) {
                assertThat(seconds).isBetween(0.0, ConversionOptionsParser.MAX_SECONDS);
            }
        }
        if (c.startSeconds() != null && c.endSeconds() != null) {
            assertThat(c.endSeconds()).isGreaterThan(c.startSeconds());
        }
        if (options.callbackUrl() != null) {
            assertThat(WebhookTargets.parse(options.callbackUrl()).toString()).isEqualTo(options.callbackUrl());
        }
    }
}
