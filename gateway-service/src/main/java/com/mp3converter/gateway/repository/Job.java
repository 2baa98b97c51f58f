package com.mp3converter.gateway.repository;

import com.mp3converter.contracts.ConversionOptions;
import org.bson.codecs.pojo.annotations.BsonId;

import java.time.Instant;

/** A conversion job as the gateway records it (collection "jobs", mapped by the driver's record codec); one per upload. */
public record Job(
        @BsonId String id,
        String owner,
        String ownerEmail,
        String originalFilename,
        String container,
        String videoId,
        long size,
        String sha256,
        ConversionOptions options,
        JobStatus status,
        int progress,
        String reason,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        String mp3Id,
        Long mp3Size,
        Double durationSeconds,
        boolean published,
        /** The trace of the upload that made the job (W3C trace id), for finding it in Jaeger. */
        String traceId,
        /** Where the job's end is POSTed (a webhook), or null. */
        String callbackUrl) {

    /** This job DONE with the given MP3, not yet announced (published false until the broker confirms). */
    public Job done(String mp3Id, long mp3Size, Double durationSeconds, Instant at) {
        return new Job(id, owner, ownerEmail, originalFilename, container, videoId, size, sha256, options, JobStatus.DONE, 100,
                null, createdAt, at, at, mp3Id, mp3Size, durationSeconds, false, traceId, callbackUrl);
    }
}
