package com.mp3converter.converter.messaging;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** Routing key conversion.requested, published by gateway-service. Field names are the contract. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ConversionRequest(
        String jobId,
        String videoId,
        String container,
        String owner,
        String ownerEmail,
        String originalFilename,
        Options options) {

    /** Null fields mean the defaults: VBR V2, source sample rate and channels (at most stereo), whole file. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Options(Integer bitrateKbps, Integer vbrQuality, Integer sampleRate, Integer channels,
                          Double startSeconds, Double endSeconds) {
        public static final Options DEFAULTS = new Options(null, null, null, null, null, null);
    }
}
