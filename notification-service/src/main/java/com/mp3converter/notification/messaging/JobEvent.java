package com.mp3converter.notification.messaging;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** conversion.event.done / conversion.event.failed, published by converter-service. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record JobEvent(
        String jobId,
        Type type,
        String ownerEmail,
        String originalFilename,
        String mp3Id,
        Long mp3Size,
        Double durationSeconds,
        String reason) {

    public enum Type {
        STARTED, PROGRESS, DONE, FAILED
    }
}
