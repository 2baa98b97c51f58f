package com.mp3converter.converter.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

@ConfigMapping(prefix = "converter")
public interface ConverterConfig {

    /** Exchange for requests and events. */
    @WithDefault("mp3converter")
    String exchange();

    /** ffmpeg binary; empty means JAVE's bundled ffmpeg (extracted to the temp directory once). */
    Optional<String> ffmpegPath();

    /** Private directory for per-job temp files; cleared at startup. */
    Path workDir();

    /**
     * Deliveries of one request before the job is failed. Every return to the queue counts (a transient
     * failure, a killed process, a shutdown that handed the job back), so leave room for a few of those.
     */
    @WithDefault("5")
    int maxAttempts();

    /** ffmpeg may take at most this long plus {@link #timeoutPerMediaSecond()} per second of media. */
    @WithDefault("PT60S")
    Duration timeoutBase();

    @WithDefault("PT0.5S")
    Duration timeoutPerMediaSecond();

    /**
     * On SIGTERM, how long the jobs in hand may take to finish before ffmpeg is stopped and they go back
     * to the queue. Keep it below the pod's terminationGracePeriodSeconds.
     */
    @WithDefault("PT20S")
    Duration shutdownGrace();

    /** Progress events are sent at most once per this many percent... */
    @WithDefault("5")
    int progressStep();

    /** ...and at most once per this interval. */
    @WithDefault("PT1S")
    Duration progressInterval();
}
