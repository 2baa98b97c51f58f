package com.mp3converter.converter.config;

import io.smallrye.config.ConfigMapping;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

@ConfigMapping(prefix = "converter")
public interface ConverterConfig {

    /** ffmpeg binary; empty means JAVE's bundled ffmpeg (extracted to the temp directory once). */
    Optional<String> ffmpegPath();

    /** Private directory for per-job temp files; cleared at startup. */
    Path workDir();

    /**
     * Conversions at once: the request queue's prefetch, and the bound on ffmpeg processes (also after a
     * broker reconnect, when the deliveries of the lost channel are still converting).
     */
    int workers();

    /** Retries of transient failures (storage, broker, a killed ffmpeg), through the broker's retry queues. */
    Retry retry();

    /** The lease a worker holds on a job while converting it, so no other worker converts it at once. */
    Lease lease();

    /** How long a job's decided outcome is kept (redeliveries within it re-announce it); the gateway's retention. */
    Duration outcomeRetention();

    interface Retry {
        /** Delay after the first failure; it doubles each time (with jitter) up to {@link #maxDelay()}. */
        Duration initialDelay();
        Duration maxDelay();

        /** A job failing for reasons on our side is retried this long after its first failure, then fails. */
        Duration budget();
    }

    interface Lease {
        /** A lease not renewed for this long is taken over (its holder died); renewed every third of it. */
        Duration ttl();
    }

    /** ffmpeg may take at most this long plus {@link #timeoutPerMediaSecond()} per second of media. */
    Duration timeoutBase();
    Duration timeoutPerMediaSecond();

    /**
     * On SIGTERM, how long the jobs in hand may take to finish before ffmpeg is stopped and they go back
     * to the queue. Keep it below the pod's terminationGracePeriodSeconds.
     */
    Duration shutdownGrace();

    /** Bounds on reading a video's structure from storage: what one hostile file may cost before it fails as bad media. */
    Media media();

    /** How long a conversion may wait on an upload still arriving; past it the worker lets go of the job. */
    Arrival arrival();

    interface Media {
        /**
         * Boxes (MP4 atoms: top-level, and those walked in the index) one relocation of an index-last MP4 may visit;
         * a file with more fails as bad media (20 MB of empty atoms would be 2.6 million range reads).
         */
        int maxBoxes();

        /**
         * Bytes the relocation of an index-last MP4 may request from storage (atom headers, the index and the
         * relocated stream itself): this many times the file's size plus {@link #readBudgetExtraBytes()}; past it
         * the file fails as bad media. A plain file needs about one times its size plus two header windows.
         */
        double readBudgetFactor();

        long readBudgetExtraBytes();
    }

    /**
     * A conversion may read an upload while it arrives (the encode overlaps the upload). A worker waits on an
     * arriving upload only while it keeps {@link #minBytesPerSecond()} after {@link #grace()}, and at most
     * {@link #maxWait()}: then ffmpeg stops, the lease is released and the job waits in the broker's retry queues,
     * looked at every {@link #recheck()} without taking a worker, and converted from the stored file once its upload
     * is complete (an aborted upload ends it CANCELLED). The gateway bounds an upload's time and rate itself;
     * {@link #maxUploadTime()} is the converter's own backstop.
     */
    interface Arrival {
        /**
         * While a worker waits on an upload, every window of the grace must bring at least this many bytes a second;
         * only bytes that arrive during the window count (a fast start buys no time for a trickle after it).
         */
        long minBytesPerSecond();

        /** Waiting allowed before the rate counts (ffmpeg's start and the first chunks), and the window it is measured over. */
        Duration grace();

        /**
         * A worker waits on one arriving upload at most this long in all: what an upload kept just above the minimum
         * rate can idle a worker for, per job (a job let go is not given a worker again until its upload is complete).
         */
        Duration maxWait();

        /** A job let go for its upload is looked at again this often (a look costs two storage reads, no worker). */
        Duration recheck();

        /**
         * A job whose upload is still arriving this long after it began fails. Keep it above the gateway's own bound
         * on an upload's time, so that bound ends slow uploads first (as CANCELLED jobs, with nothing announced).
         */
        Duration maxUploadTime();
    }

    /** Progress events are sent at most once per this many percent... */
    int progressStep();

    /** ...and at most once per this interval. */
    Duration progressInterval();
}
