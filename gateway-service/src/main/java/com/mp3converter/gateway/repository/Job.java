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
        String callbackUrl,
        /** When the upload's last byte was stored; null while it arrives (the converter may be at work already). */
        Instant uploadedAt,
        /** SHA-256 of the upload's first bytes (the head the gateway inspects): a likely repeat shows at the start. */
        String headSha256) {

    /** A job whose upload has just begun: queued with the options known so far, its size and hash to come. */
    public static Job receiving(String id, String owner, String ownerEmail, String originalFilename, String container, String videoId,
                                ConversionOptions options, Instant createdAt, String traceId, String headSha256) {
        return new Job(id, owner, ownerEmail, originalFilename, container, videoId, 0, null, options, JobStatus.QUEUED, 0, null,
                createdAt, null, null, null, null, null, false, traceId, null, null, headSha256);
    }

    /** This job with the facts its upload ended with. */
    public Job uploaded(long size, String sha256, ConversionOptions options, String callbackUrl, Instant at) {
        return new Job(id, owner, ownerEmail, originalFilename, container, videoId, size, sha256, options, status, progress, reason,
                createdAt, startedAt, finishedAt, mp3Id, mp3Size, durationSeconds, published, traceId, callbackUrl, at, headSha256);
    }
}
