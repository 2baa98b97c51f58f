package com.mp3converter.gateway.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mp3converter.contracts.EmailVerified;
import com.mp3converter.contracts.Topology;
import com.mp3converter.messaging.ConfirmedPublisher;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.Config;

import java.io.IOException;

/**
 * Tells the notifier that an address proved it reads our mail: persistent, mandatory (the notifier's queue must take
 * it) and confirmed by the broker, or an IOException, as ConversionRequestPublisher does and for the same reasons. A
 * connection of its own, so a click never waits behind an upload's publish.
 */
@ApplicationScoped
public class EmailVerifiedPublisher {

    private final ConfirmedPublisher publisher;
    private final ObjectMapper json;

    EmailVerifiedPublisher(ObjectMapper json, Config mpConfig) {
        this.publisher = new ConfirmedPublisher(ConfirmedPublisher.Settings.fromConfig(mpConfig, "gateway-service-verifications"));
        this.json = json;
    }

    public void publish(EmailVerified verified) throws IOException {
        publisher.publish(Topology.EMAIL_VERIFIED, "email-verified", json.writeValueAsBytes(verified));
    }

    void close(@Observes ShutdownEvent shutdown) {
        publisher.close();
    }
}
