package com.mp3converter.gateway.messaging;

import com.mp3converter.gateway.service.ConversionOptions;

import java.time.Instant;

/** Routing key conversion.requested; consumed by converter-service. Field names are the contract. */
public record ConversionRequest(
        String jobId,
        String videoId,
        String container,
        String owner,
        String ownerEmail,
        String originalFilename,
        ConversionOptions options,
        Instant requestedAt) {
}
