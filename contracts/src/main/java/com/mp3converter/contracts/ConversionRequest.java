package com.mp3converter.contracts;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.time.Instant;

/**
 * Routing key {@link Topology#CONVERSION_REQUESTED}: the gateway asks the converter for a job's MP3.
 * The field names are the contract (pinned by ContractsTest); unknown fields are ignored.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ConversionRequest(
        String jobId,
        String videoId,
        String container,
        String owner,
        String ownerEmail,
        String originalFilename,
        ConversionOptions options,
        Instant requestedAt) {

    /** The options, never null. */
    public ConversionOptions optionsOrDefaults() {
        return options == null ? ConversionOptions.DEFAULTS : options;
    }
}
