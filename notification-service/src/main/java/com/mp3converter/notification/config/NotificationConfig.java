package com.mp3converter.notification.config;

import io.smallrye.config.ConfigMapping;

@ConfigMapping(prefix = "notification")
public interface NotificationConfig {

    /** Public base URL of the gateway, used in the download command of the email. */
    String gatewayUrl();
}
