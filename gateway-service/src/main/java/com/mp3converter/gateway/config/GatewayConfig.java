package com.mp3converter.gateway.config;

import io.smallrye.config.ConfigMapping;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

@ConfigMapping(prefix = "gateway")
public interface GatewayConfig {

    Upload upload();

    Publish publish();

    /** How long videos, MP3s and job records are kept after the job was created. */
    Duration retention();

    /** How often the retention pass looks for expired jobs (a scheduler interval such as "1h"). */
    String retentionPassEvery();

    OrphanChunks orphanChunks();

    /**
     * GridFS writes a file's chunks first and its files document last, so a process killed mid-upload
     * (gateway or converter) leaves chunks that no file owns. They are removed once nothing was written
     * to them for the grace.
     */
    interface OrphanChunks {
        /** Longer than any pause in a running upload, so an upload in progress is never taken for abandoned. */
        Duration grace();

        /** How often to look (a scheduler interval such as "10m"). */
        String sweepEvery();
    }

    Http http();

    DownloadLink downloadLink();

    Quota quota();

    Fairness fairness();

    Webhooks webhooks();

    /** The POSTs of a job's end to its callbackUrl (service.Webhooks). */
    interface Webhooks {
        /** host:port pairs a callback may reach although they are internal (tests, private deployments). */
        Optional<List<String>> allowedHosts();

        /** A delivery not answered 2xx is tried again after this, doubling. */
        Duration firstRetry();

        Duration maxRetryDelay();

        /** How long a delivery is tried from the job's end; then given up. */
        Duration retryFor();

        /** Connect and answer timeout of one attempt. */
        Duration timeout();
    }

    interface Fairness {
        /**
         * How many of one user's jobs may be at the converters (queued at the broker or converting); the rest wait
         * in the gateway, so another user's job starts as soon as a worker frees up. At most the workers of all
         * converters, for that promise to hold.
         */
        int conversionsPerUser();
    }

    /** Per-user limits, sized for a small shared server (GET /users/me/usage shows them). */
    interface Quota {
        /** What a user's jobs may keep stored: videos waiting or converting, and MP3s. */
        long storedBytes();

        /** Jobs waiting for or in a conversion at once. */
        int activeJobs();

        /** Uploads started in any hour. */
        int uploadsPerHour();
    }

    /** One-click download links (contracts/DownloadLinks). */
    interface DownloadLink {
        /** Signs new links; the notifier signs with the same key. At least 32 bytes. */
        String key();

        /** Keys of before a rotation: their links still work until they expire. */
        Optional<List<String>> previousKeys();

        /** How long a link works; never past the job's retention, and never once the job is deleted. */
        Duration ttl();
    }

    Events events();

    interface Events {
        /** A connected page (GET /jobs/events) gets a PING this often, so idle proxies keep the stream open. */
        Duration keepAlive();
    }

    interface Http {
        /** Largest body of any request but an upload (registration, login), in bytes; it must declare its length. */
        long apiBodyMaxBytes();

        /**
         * Largest form field of a multipart upload (a conversion option), in bytes; also what may precede the first
         * boundary or follow the last. Past it: 413 naming the limit "formFieldBytes".
         */
        int formFieldMaxBytes();

        /**
         * Most form fields (parts besides the file, known option or not) one multipart upload may have; they are
         * read before the quota and size checks. Past it: 413 naming the limit "formFields".
         */
        int formFieldsMax();

        /** Most bytes all form fields of one multipart upload may have together. Past it: 413 naming "formFieldsBytes". */
        long formFieldsMaxBytes();

        /** How long the rest of an oversized body is read and dropped, after the 413, before the connection closes. */
        Duration oversizeDrain();
    }

    interface Upload {
        /** Largest accepted video, in bytes (2 GiB by default); larger uploads get 413. */
        long maxBytes();

        /** How long an upload's Idempotency-Key gives back its job to a repeat of the upload. */
        Duration idempotencyWindow();

        /**
         * Uploads one replica receives at once (each holds ~2 MB of heap while it is stored; 60 at once ran an
         * 80 MB heap out). The others wait, their bodies unread.
         */
        int atOnce();

        /** How long an upload waits for its turn before it is refused with 503 and Retry-After. */
        Duration turnWait();
    }

    interface Publish {
        /** A job not confirmed by the broker after this long is published again by the sweeper. */
        Duration retryAfter();

        /** How often the sweeper looks for unconfirmed jobs (a scheduler interval such as "5s"). */
        String sweepEvery();
    }
}
