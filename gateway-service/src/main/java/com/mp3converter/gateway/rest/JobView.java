package com.mp3converter.gateway.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.mp3converter.gateway.repository.Job;
import com.mp3converter.gateway.repository.JobStatus;
import com.mp3converter.contracts.ConversionOptions;
import com.mp3converter.gateway.service.QueueEstimates;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** A job as its owner sees it, with links to poll and download. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobView(
        String jobId,
        JobStatus status,
        Integer progress,
        /** While QUEUED: 1 for the next job a converter takes. */
        Long queuePosition,
        /** While QUEUED: when it should start, in seconds, from the measured speed (absent until one job has run). */
        Long startsInSeconds,
        String reason,
        String originalFilename,
        long size,
        String sha256,
        ConversionOptions options,
        Instant createdAt,
        /** When the upload ended; absent while it arrives (the conversion may have started). */
        Instant uploadedAt,
        Instant startedAt,
        Instant finishedAt,
        String mp3Id,
        Long mp3Size,
        Double durationSeconds,
        String traceId,
        /** Where the job's end is POSTed, if the upload named one. */
        String callbackUrl,
        Map<String, String> links) {

    static JobView of(Job job) {
        return of(job, null, null, null);
    }

    static JobView of(Job job, QueueEstimates.Place place, String oneClick) {
        return of(job, place == null ? null : place.position(), place == null ? null : place.startsInSeconds(), oneClick);
    }

    /** @param oneClick a signed {@code /links/...} path for a DONE job (the MP3 without a token), else null */
    private static JobView of(Job job, Long queuePosition, Long startsInSeconds, String oneClick) {
        Map<String, String> links = new LinkedHashMap<>();
        links.put("self", "/jobs/" + job.id());
        links.put("mp3", "/jobs/" + job.id() + "/mp3");
        links.put("download", "/download?fid=" + (job.mp3Id() != null ? job.mp3Id() : job.id()));
        if (oneClick != null) {
            links.put("oneClick", oneClick);
        }
        return new JobView(job.id(), job.status(), job.progress(), queuePosition, startsInSeconds, job.reason(), job.originalFilename(), job.size(),
                job.sha256(), job.options(), job.createdAt(), job.uploadedAt(), job.startedAt(), job.finishedAt(), job.mp3Id(),
                job.mp3Size(), job.durationSeconds(), job.traceId(), job.callbackUrl(), links);
    }
}
