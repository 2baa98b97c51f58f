package com.mp3converter.gateway.service;

import com.mp3converter.contracts.DownloadLinks;
import com.mp3converter.gateway.config.GatewayConfig;
import com.mp3converter.gateway.repository.Job;
import com.mp3converter.gateway.repository.JobStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** Fresh one-click links for a job's owner, and the MP3 behind a link someone clicks (contracts/DownloadLinks). */
@ApplicationScoped
public class OneClickLinks {

    private final DownloadLinks links;
    private final Duration ttl;
    private final Duration retention;
    private final JobService jobs;

    @Inject
    OneClickLinks(GatewayConfig config, JobService jobs) {
        this(new DownloadLinks(config.downloadLink().key(), config.downloadLink().previousKeys().orElse(List.of())),
                config.downloadLink().ttl(), config.retention(), jobs);
    }

    OneClickLinks(DownloadLinks links, Duration ttl, Duration retention, JobService jobs) {
        this.links = links;
        this.ttl = ttl;
        this.retention = retention;
        this.jobs = jobs;
    }

    /** {@code /links/<token>} for a DONE job, valid for the TTL but never past the job's retention; null before. */
    public String pathFor(Job job) {
        if (job.status() != JobStatus.DONE || job.mp3Id() == null) {
            return null;
        }
        Instant now = Instant.now();
        Instant expiresAt = now.plus(ttl);
        Instant retainedUntil = job.createdAt().plus(retention);
        if (retainedUntil.isBefore(expiresAt)) {
            expiresAt = retainedUntil;
        }
        return DownloadLinks.PATH + links.sign(new DownloadLinks.Link(job.id(), job.mp3Id(), expiresAt.truncatedTo(ChronoUnit.SECONDS)));
    }

    /** The MP3 a link names, while it is valid and its job still has that MP3; one 404 for every other case. */
    public JobService.Mp3Download resolve(String token) {
        return links.verify(token, Instant.now())
                .flatMap(link -> jobs.linkedMp3(link.jobId(), link.mp3Id()))
                .orElseThrow(() -> new ApiException(404, "this download link is not valid: it may have expired, or its job was deleted"));
    }
}
