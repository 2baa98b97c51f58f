package com.mp3converter.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

@ConfigMapping(prefix = "gateway")
public interface GatewayConfig {

    Upload upload();

    Publish publish();

    /** How long videos, MP3s and job records are kept after the job was created. */
    @WithDefault("P7D")
    Duration retention();

    interface Upload {
        /** Largest accepted video, in bytes (2 GiB by default); larger uploads get 413. */
        @WithDefault("2147483648")
        long maxBytes();
    }

    interface Publish {
        /** Exchange the conversion request goes to. */
        @WithDefault("mp3converter")
        String exchange();

        /** A job not confirmed by the broker after this long is published again by the sweeper. */
        @WithDefault("PT10S")
        Duration retryAfter();

        /** How often the sweeper looks for unconfirmed jobs (a scheduler interval such as "5s"). */
        @WithDefault("5s")
        String sweepEvery();
    }
}
