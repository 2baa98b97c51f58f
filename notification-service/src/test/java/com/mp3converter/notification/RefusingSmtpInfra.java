package com.mp3converter.notification;

import java.util.HashMap;
import java.util.Map;

/** NotificationInfra with the fake SMTP server that refuses some recipients in GreenMail's place. */
public class RefusingSmtpInfra extends NotificationInfra {

    static FakeSmtpServer refusing;

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(super.start());
        try {
            refusing = new FakeSmtpServer();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("fake SMTP server did not start", e);
        }
        config.put("quarkus.mailer.port", String.valueOf(refusing.port()));
        return config;
    }

    @Override
    public void stop() {
        try {
            refusing.close();
        } catch (java.io.IOException ignored) {
            // best effort
        }
        super.stop();
    }
}
