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

    /** Attempts for transient failures (storage, broker, killed process) before the job is failed. */
    @WithDefault("3")
    int maxAttempts();

    /** ffmpeg may take at most this long plus {@link #timeoutPerMediaSecond()} per second of media. */
    @WithDefault("PT60S")
    Duration timeoutBase();

    @WithDefault("PT0.5S")
    Duration timeoutPerMediaSecond();

    /** Progress events are sent at most once per this many percent. */
    @WithDefault("5")
    int progressStep();
}
