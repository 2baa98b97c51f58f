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

    /**
     * The longest a user's file name may be in a subject line or a mail body, in characters (code points); a longer
     * name is cut and ends with an ellipsis.
     */
    @WithDefault("80")
    int fileNameMaxChars();

    /** Job emails go only to addresses that opened a verification link (contracts/EmailVerificationTokens). */
    Verification verification();

    interface Verification {
        /**
         * How long the mailed verification link works; also how long the latest job email held for an unverified
         * address waits for it (it follows the click).
         */
        @WithDefault("P7D")
        Duration linkTtl();

        /** An unverified address gets at most one verification email per this period, however many jobs end. */
        @WithDefault("PT24H")
        Duration resendAfter();
    }

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
