package com.mp3converter.gateway.messaging;

import java.time.Instant;

/**
 * Routing keys conversion.event.{started,progress,done,failed}; published by converter-service.
 * Only the fields the gateway needs are read; unknown ones are ignored.
 */
public record JobEvent(
        String jobId,
        Type type,
        Integer progress,
        String mp3Id,
        Long mp3Size,
        Double durationSeconds,
        String reason,
        Instant occurredAt) {

    public enum Type {
        STARTED, PROGRESS, DONE, FAILED
    }
}
