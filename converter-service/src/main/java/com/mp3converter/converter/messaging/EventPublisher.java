package com.mp3converter.converter.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mp3converter.converter.config.ConverterConfig;
import com.mp3converter.messaging.ConfirmedPublisher;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.IOException;

/** Publishes job events, each confirmed by the broker before this returns. */
@ApplicationScoped
public class EventPublisher {

    private final ConfirmedPublisher publisher;
    private final ObjectMapper json;

    EventPublisher(ConverterConfig config, ObjectMapper json,
                   @ConfigProperty(name = "rabbitmq-host") String host,
                   @ConfigProperty(name = "rabbitmq-port") int port,
                   @ConfigProperty(name = "rabbitmq-username") String username,
                   @ConfigProperty(name = "rabbitmq-password") String password,
                   @ConfigProperty(name = "rabbitmq-virtual-host", defaultValue = "/") String virtualHost) {
        this.publisher = new ConfirmedPublisher(new ConfirmedPublisher.Settings(host, port, username, password,
                virtualHost, "converter-service"), config.exchange());
        this.json = json;
    }

    public void publish(JobEvent event) throws IOException {
        publisher.publish(event.routingKey(), event.jobId(), json.writeValueAsBytes(event));
    }

    void close(@Observes ShutdownEvent shutdown) {
        publisher.close();
    }
}
