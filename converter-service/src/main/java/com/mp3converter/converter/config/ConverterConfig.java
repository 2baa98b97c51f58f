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

    /** Progress events are sent at most once per this many percent... */
    int progressStep();

    /** ...and at most once per this interval. */
    Duration progressInterval();
}
