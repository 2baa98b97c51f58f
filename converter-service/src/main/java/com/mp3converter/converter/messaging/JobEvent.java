package com.mp3converter.converter.messaging;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;

/**
 * Routing key conversion.event.{type in lower case}; read by gateway-service (status) and
 * notification-service (done, failed). Carries what the notifier needs so it needs no lookup.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobEvent(
        String jobId,
        Type type,
        String owner,
        String ownerEmail,
        String originalFilename,
        Integer progress,
        String mp3Id,
        Long mp3Size,
        Double durationSeconds,
        String reason,
        Instant occurredAt) {

    public enum Type {
        STARTED, PROGRESS, DONE, FAILED
    }

    public String routingKey() {
        return "conversion.event." + type.name().toLowerCase();
    }

    public static JobEvent of(ConversionRequest request, Type type) {
        return new JobEvent(request.jobId(), type, request.owner(), request.ownerEmail(), request.originalFilename(),
                null, null, null, null, null, Instant.now());
    }

    public JobEvent withProgress(int percent) {
        return new JobEvent(jobId, type, owner, ownerEmail, originalFilename, percent, mp3Id, mp3Size,
                durationSeconds, reason, occurredAt);
    }

    public JobEvent withMp3(String id, long size, double duration) {
        return new JobEvent(jobId, type, owner, ownerEmail, originalFilename, 100, id, size, duration, reason, occurredAt);
    }

    public JobEvent withReason(String why) {
        return new JobEvent(jobId, type, owner, ownerEmail, originalFilename, progress, mp3Id, mp3Size,
                durationSeconds, why, occurredAt);
    }
}
