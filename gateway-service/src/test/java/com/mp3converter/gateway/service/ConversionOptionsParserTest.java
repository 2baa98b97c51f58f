package com.mp3converter.gateway.service;

import com.mp3converter.contracts.ConversionOptions;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConversionOptionsParserTest {

    @Test
    void noOptionsMeanTheDefaults() {
        assertThat(parse(Map.of())).isEqualTo(ConversionOptions.DEFAULTS);
    }

    @Test
    void readsEveryOption() {
        assertThat(parse(Map.of("bitrate", "192k", "sampleRate", "44100", "channels", "1", "start", "1.5", "end", "30")))
                .isEqualTo(new ConversionOptions(192, null, 44100, 1, 1.5, 30.0));
        assertThat(parse(Map.of("quality", "0")).vbrQuality()).isZero();
    }

    @Test
    void refusesWhatLameCannotEncodeWithAReason() {
        refused(Map.of("bitrate", "100"), "bitrate must be one of");
        refused(Map.of("bitrate", "128", "quality", "2"), "either bitrate");
        refused(Map.of("quality", "10"), "quality must be");
        refused(Map.of("sampleRate", "96000"), "sampleRate must be one of");
        refused(Map.of("bitrate", "320", "sampleRate", "22050"), "above 160 kbit/s");
        refused(Map.of("channels", "6"), "channels must be 1");
    }

    @Test
    void refusesTrimsThatMakeNoSense() {
        refused(Map.of("start", "10", "end", "5"), "end must be after start");
        refused(Map.of("start", "-1"), "between 0 and");
        refused(Map.of("end", "1e9"), "between 0 and");
        refused(Map.of("start", "soon"), "number of seconds");
        refused(Map.of("bitrate", "fast"), "whole number");
    }

    private static ConversionOptions parse(Map<String, String> params) {
        return ConversionOptionsParser.parse(params::get);
    }

    private static void refused(Map<String, String> params, String reason) {
        assertThatThrownBy(() -> parse(params)).isInstanceOf(ApiException.class).hasMessageContaining(reason)
                .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(400));
    }
}
