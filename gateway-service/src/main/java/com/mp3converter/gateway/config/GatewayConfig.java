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

    EmailVerification emailVerification();

    /** The confirmation of an emailed verification link (service.EmailVerificationLinks, POST /verify-email). */
    interface EmailVerification {
        /** Confirmations that may wait for the broker's confirm at once; one more gets 503 with Retry-After. */
        int maxConcurrentPublishes();

        /** How long a confirmation waits for its turn to publish before that 503. */
        Duration publishWait();

        /** Recently confirmed addresses remembered, so a replayed link publishes nothing (the eldest forgotten first). */
        int rememberedAddresses();

        /** How long a confirmed address is answered as verified without publishing again. */
        Duration rememberFor();
    }

    /** The POSTs of a job's end to its callbackUrl (service.Webhooks). */
    interface Webhooks {
        /** host:port pairs a callback may reach although they are internal (tests, private deployments). */
        Optional<List<String>> allowedHosts();

        /** A delivery not answered 2xx is tried again after this, doubling. */
        Duration firstRetry();

        Duration maxRetryDelay();

        /** How long a delivery is tried from the job's end; then given up. */
        Duration retryFor();

        /**
         * Bound of the receiver's DNS lookup, of the connect and of the answer in one attempt; an attempt ends after
         * twice this at most, lookup included (a lookup past it is a failed attempt, tried again later).
         */
        Duration timeout();

        /**
         * Deliveries attempted at once by one replica, at most one per owner, per receiver (host and port) and per
         * address a receiver resolved to, so a slow receiver (under however many names or ports) or a user's many jobs
         * hold one sender, never all. Only that many are claimed: the rest wait in MongoDB, never in memory. Twice this
         * many DNS lookups may run at once (a lookup given up on runs on until the resolver's own timeout).
         */
        int senders();
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

        /**
         * Bytes of an upload still arriving count against {@link #storedBytes()} on every replica; a count not refreshed
         * for this long belongs to a gateway that died mid-upload and no longer counts. Refreshed every third of it
         * while bytes arrive, so it must be well above the HTTP idle timeout (a silent client is cut off after that).
         */
        Duration arrivingBytesExpiry();
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

        /** Event streams one user may hold open on one replica; one more is refused with 429 naming the limit. */
        int streamsPerUser();
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

        /**
         * How long the rest of a refused body (400, 408, 413, 415, 422, 429, 503...) is read and dropped after the
         * answer, so a client that reads no answer while it sends still gets it; then the connection is closed.
         */
        Duration refusalDrain();

        /** The most bytes of a refused body read and dropped after the answer; past them the connection is closed. */
        long refusalDrainMaxBytes();
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

        /**
         * Uploads one user may send at once (on one replica), so one account cannot take every turn; one more is
         * refused with 429 naming the limit, before its body is read.
         */
        int perUserAtOnce();

        /**
         * The slowest an upload may arrive, in bytes per second averaged over each {@link #rateWindow()} (the first
         * window is the grace); a window in which the gateway itself paused the body (storage slower) is not held
         * against the client. A slower upload is cut off with 408 and nothing of it is kept.
         */
        long minBytesPerSecond();

        /** The window over which {@link #minBytesPerSecond()} is averaged. */
        Duration rateWindow();

        /**
         * The longest an upload may take from its turn, however fast it arrives (checked once per {@link #rateWindow()}),
         * so a few accounts cannot hold the turns for hours; past it 408 naming the limit, nothing kept. Shorter than
         * the converter's {@code converter.arrival.max-upload-time}, so an upload taken here is never failed there.
         */
        Duration maxTime();
    }

    Download download();

    /** MP3 downloads (GET /download, /jobs/{id}/mp3, /links/{token}): written without holding a thread per client. */
    interface Download {
        /**
         * The slowest a client may read a download, in bytes per second averaged from its start once
         * {@link #rateGrace()} has passed; a slower reader is cut off (its connection closed).
         */
        long minBytesPerSecond();

        /** How long a download may run before its average rate is checked. */
        Duration rateGrace();

        /**
         * How long a download may wait for a client that takes nothing (the socket's buffers full); then it is cut
         * off. The average rate alone counts what sits in the kernel's buffers (megabytes) as read.
         */
        Duration stallTimeout();

        /**
         * Downloads of one user's MP3s at once, their one-click links included (each holds a GridFS batch in memory
         * until its client took it); one more is refused with 429 naming the limit.
         */
        int perUserAtOnce();

        /** Downloads at once on this replica, all users together; one more is refused with 503 and Retry-After. */
        int atOnce();
    }

    interface Publish {
        /** A job not confirmed by the broker after this long is published again by the sweeper. */
        Duration retryAfter();

        /** How often the sweeper looks for unconfirmed jobs (a scheduler interval such as "5s"). */
        String sweepEvery();
    }
}
