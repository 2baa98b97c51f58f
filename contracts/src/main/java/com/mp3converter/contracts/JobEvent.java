package com.mp3converter.contracts;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;

/**
 * Routing key {@link Topology#eventKey(Type)}: the converter tells how a job goes. The gateway reads
 * every type (job status), the notifier DONE and FAILED, which carry what its email needs, so it needs
 * no lookup. The field names are the contract (pinned by ContractsTest); unknown fields are ignored.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
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
        return Topology.eventKey(type);
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
