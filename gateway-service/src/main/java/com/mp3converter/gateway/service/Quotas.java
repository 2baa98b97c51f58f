package com.mp3converter.gateway.service;

import com.mp3converter.gateway.config.GatewayConfig;
import com.mp3converter.gateway.repository.JobRepository;
import com.mp3converter.gateway.repository.UploadLog;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;

/**
 * The per-user limits, checked when an upload starts (before anything is stored) and, for stored bytes, while it
 * streams. Soft under a race: uploads that start at the same instant may each pass the same check.
 */
@ApplicationScoped
public class Quotas {

    /** Each limit with what the user uses of it. */
    public record Usage(QuotaExceeded.Limit storedBytes, QuotaExceeded.Limit activeJobs, QuotaExceeded.Limit uploadsPerHour) {
    }

    /** How long a user with too many jobs waiting is told to wait: about one conversion. */
    private static final long ACTIVE_RETRY_AFTER_SECONDS = 30;

    private final JobRepository jobs;
    private final UploadLog uploads;
    private final GatewayConfig.Quota quota;

    Quotas(JobRepository jobs, UploadLog uploads, GatewayConfig config) {
        this.jobs = jobs;
        this.uploads = uploads;
        this.quota = config.quota();
    }

    public Usage usage(String owner) {
        Instant hourAgo = Instant.now().minus(UploadLog.WINDOW);
        return new Usage(new QuotaExceeded.Limit("storedBytes", quota.storedBytes(), jobs.storedBytes(owner)),
                new QuotaExceeded.Limit("activeJobs", quota.activeJobs(), jobs.countActive(owner)),
                new QuotaExceeded.Limit("uploadsPerHour", quota.uploadsPerHour(), uploads.countSince(owner, hourAgo)));
    }

    /**
     * Admits an upload or refuses it with the limit it would pass; the upload counts towards the hour from now.
     * @return the stored-bytes limit with what the user stores already: the room this upload has
     */
    public QuotaExceeded.Limit admit(String owner) {
        Instant now = Instant.now();
        Usage usage = usage(owner);
        if (usage.uploadsPerHour().used() >= usage.uploadsPerHour().max()) {
            Instant next = uploads.oldestSince(owner, now.minus(UploadLog.WINDOW)).orElse(now).plus(UploadLog.WINDOW);
            throw new QuotaExceeded(429, "you have started " + usage.uploadsPerHour().used() + " uploads in the last hour, the limit",
                    usage.uploadsPerHour(), Math.max(1, Duration.between(now, next).toSeconds()));
        }
        if (usage.activeJobs().used() >= usage.activeJobs().max()) {
            throw new QuotaExceeded(429, "you have " + usage.activeJobs().used() + " jobs waiting or converting, the limit; "
                    + "upload again when one has finished", usage.activeJobs(), ACTIVE_RETRY_AFTER_SECONDS);
        }
        if (usage.storedBytes().used() >= usage.storedBytes().max()) {
            throw storedBytesExceeded(usage.storedBytes());
        }
        uploads.record(owner, now);
        return usage.storedBytes();
    }

    public static QuotaExceeded storedBytesExceeded(QuotaExceeded.Limit storedBytes) {
        return new QuotaExceeded(413, "your files would take more than your " + storedBytes.max() + " bytes of storage; "
                + "delete some jobs to make room", storedBytes, null);
    }
}
