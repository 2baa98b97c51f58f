package com.mp3converter.notification.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

@ConfigMapping(prefix = "notification")
public interface NotificationConfig {

    /** Public base URL of the gateway, used in the download command of the email. */
    String gatewayUrl();

    /**
     * How long a delivery's claim on an email holds before another delivery may send it instead: longer
     * than an SMTP send can take, so only the claim of a process that died is taken over.
     */
    @WithDefault("PT2M")
    Duration claimLease();

    DownloadLink downloadLink();

    /** The one-click link in the DONE email (contracts/DownloadLinks), signed with the key the gateway checks. */
    interface DownloadLink {
        /** The gateway's DOWNLOAD_LINK_KEY (a shared Secret). */
        String key();

        /** How long the mailed link works (the gateway also ends it with the job). */
        Duration ttl();
    }

    /** How long the record of a job's email is kept (redeliveries within it send nothing); the gateway's retention. */
    Duration recordRetention();

    /** Emails not sent (SMTP or storage out of reach) wait in the broker's retry queues. */
    Retry retry();

    interface Retry {
        /** The first wait; each failure doubles it. */
        Duration initialDelay();

        /** The longest wait. */
        Duration maxDelay();

        /** How long an email is tried before it is given up (dead-lettered, for an operator to replay). */
        Duration budget();
    }
}
