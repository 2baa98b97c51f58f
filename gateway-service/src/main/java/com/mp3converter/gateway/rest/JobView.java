package com.mp3converter.gateway.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.mp3converter.gateway.repository.Job;
import com.mp3converter.gateway.repository.JobStatus;
import com.mp3converter.contracts.ConversionOptions;

import java.time.Instant;
import java.util.Map;

/** A job as its owner sees it, with links to poll and download. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobView(
        String jobId,
        JobStatus status,
        Integer progress,
        /** While QUEUED: 1 for the next job a converter takes. */
        Long queuePosition,
        String reason,
        String originalFilename,
        long size,
        String sha256,
        ConversionOptions options,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        String mp3Id,
        Long mp3Size,
        Double durationSeconds,
        String traceId,
        Map<String, String> links) {

    static JobView of(Job job) {
        return of(job, null);
    }

    static JobView of(Job job, Long queuePosition) {
        return new JobView(job.id(), job.status(), job.progress(), queuePosition, job.reason(), job.originalFilename(), job.size(),
                job.sha256(), job.options(), job.createdAt(), job.startedAt(), job.finishedAt(), job.mp3Id(),
                job.mp3Size(), job.durationSeconds(), job.traceId(),
                Map.of("self", "/jobs/" + job.id(), "mp3", "/jobs/" + job.id() + "/mp3",
                        "download", "/download?fid=" + (job.mp3Id() != null ? job.mp3Id() : job.id())));
    }
}
