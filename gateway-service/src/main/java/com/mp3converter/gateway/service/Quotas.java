package com.mp3converter.gateway.service;

import com.mp3converter.gateway.config.GatewayConfig;
import com.mp3converter.gateway.repository.ArrivingBytes;
import com.mp3converter.gateway.repository.JobRepository;
import com.mp3converter.gateway.repository.UploadLog;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;

/**
 * The per-user limits, checked when an upload starts (before anything is stored) and, for stored bytes, while it
 * streams and once more at its end. Stored bytes count the bytes of uploads still arriving too, on every replica
 * ({@link ArrivingBytes}): each upload adds what it stored before it reads the sum, so of parallel uploads that
 * together pass the limit, the one that ends last sees all the others and is refused. The other limits are soft
 * under a race: uploads that start at the same instant may each pass the same check.
 */
@ApplicationScoped
public class Quotas {

    /** Each limit with what the user uses of it. */
    public record Usage(QuotaExceeded.Limit storedBytes, QuotaExceeded.Limit activeJobs, QuotaExceeded.Limit uploadsPerHour) {
    }

    /** How long a user with too many jobs waiting is told to wait: about one conversion. */
    private static final long ACTIVE_RETRY_AFTER_SECONDS = 30;
    /** An arriving upload adds to its count each time this much more is stored (and at its end). */
    private static final long COUNT_EVERY_BYTES = 4L << 20;

    private final JobRepository jobs;
    private final UploadLog uploads;
    private final ArrivingBytes arriving;
    private final GatewayConfig.Quota quota;

    Quotas(JobRepository jobs, UploadLog uploads, ArrivingBytes arriving, GatewayConfig config) {
        this.jobs = jobs;
        this.uploads = uploads;
        this.arriving = arriving;
        this.quota = config.quota();
    }

    public Usage usage(String owner) {
        Instant hourAgo = Instant.now().minus(UploadLog.WINDOW);
        return new Usage(new QuotaExceeded.Limit("storedBytes", quota.storedBytes(), storedBytes(owner)),
                new QuotaExceeded.Limit("activeJobs", quota.activeJobs(), jobs.countActive(owner)),
                new QuotaExceeded.Limit("uploadsPerHour", quota.uploadsPerHour(), uploads.countSince(owner, hourAgo)));
    }

    /** Admits an upload or refuses it with the limit it would pass; the upload counts towards the hour from now. */
    public void admit(String owner) {
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
    }

    /**
     * What the owner's jobs store plus what their uploads still arriving have stored. The arriving bytes are read
     * first: an upload that ends meanwhile then shows in its job (counted twice for a moment, never missed).
     */
    private long storedBytes(String owner) {
        long stillArriving = arriving.sum(owner, Instant.now());
        return stillArriving + jobs.storedBytes(owner);
    }

    /** Counts an admitted upload's bytes as they are stored; {@link Arrival#end()} once its job holds them (or is gone). */
    public Arrival arrival(String jobId, String owner) {
        return new Arrival(jobId, owner);
    }

    /** One upload's bytes still arriving, counted against its owner's stored bytes on every replica. */
    public final class Arrival {
        private final String jobId;
        private final String owner;
        private long counted;
        private long countedAt = System.nanoTime();
        /** The owner's stored bytes, this upload's counted bytes included, as of the last count (-1: not read yet). */
        private long used = -1;

        private Arrival(String jobId, String owner) {
            this.jobId = jobId;
            this.owner = owner;
        }

        /**
         * The upload has stored {@code size} bytes: 413 naming the limit if they would pass it. Counted in MongoDB
         * every few MB, and often enough that the count never expires while the upload runs.
         */
        public void stored(long size) {
            boolean due = size - counted >= COUNT_EVERY_BYTES
                    || System.nanoTime() - countedAt > quota.arrivingBytesExpiry().toNanos() / 3;
            if (due) {
                count(size);
            }
            if (due || used < 0) {
                used = storedBytes(owner);
            }
            check(used - counted + size);
        }

        /** The upload's last byte is stored: counted, then checked against everything the owner stores now. */
        public void ended(long size) {
            count(size);
            check(storedBytes(owner));
        }

        private void count(long size) {
            Instant now = Instant.now();
            arriving.add(jobId, owner, size - counted, now.plus(quota.arrivingBytesExpiry()));
            counted = size;
            countedAt = System.nanoTime();
        }

        private void check(long usedWithThis) {
            if (usedWithThis > quota.storedBytes()) {
                throw storedBytesExceeded(new QuotaExceeded.Limit("storedBytes", quota.storedBytes(), usedWithThis));
            }
        }

        /** The bytes count as the job's now, or went with it. Quiet: a count left behind expires. */
        public void end() {
            try {
                arriving.remove(jobId);
            } catch (RuntimeException e) {
                Log.warnf("Job %s: arriving bytes not uncounted (they expire): %s", jobId, e.getMessage());
            }
        }
    }

    public static QuotaExceeded storedBytesExceeded(QuotaExceeded.Limit storedBytes) {
        return new QuotaExceeded(413, "your files would take more than your " + storedBytes.max() + " bytes of storage; "
                + "delete some jobs to make room", storedBytes, null);
    }
}
