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

    OrphanChunks orphanChunks();

    /**
     * GridFS writes a file's chunks first and its files document last, so a process killed mid-upload
     * (gateway or converter) leaves chunks that no file owns. They are removed once nothing was written
     * to them for the grace.
     */
    interface OrphanChunks {
        /** Longer than any pause in a running upload, so an upload in progress is never taken for abandoned. */
        @WithDefault("PT1H")
        Duration grace();

        /** How often to look (a scheduler interval such as "10m"). */
        @WithDefault("10m")
        String sweepEvery();
    }

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
