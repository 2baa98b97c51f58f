package com.mp3converter.converter.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mp3converter.contracts.JobEvent;
import com.mp3converter.converter.config.ConverterConfig;
import com.mp3converter.messaging.ConfirmedPublisher;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.Config;

import java.io.IOException;

/** Publishes job events, each confirmed by the broker before this returns. */
@ApplicationScoped
public class EventPublisher {

    private final ConfirmedPublisher publisher;
    private final ObjectMapper json;

    EventPublisher(ConverterConfig config, ObjectMapper json, Config mpConfig) {
        this.publisher = new ConfirmedPublisher(ConfirmedPublisher.Settings.fromConfig(mpConfig, "converter-service"));
        this.json = json;
    }

    public void publish(JobEvent event) throws IOException {
        publisher.publish(event.routingKey(), event.jobId(), json.writeValueAsBytes(event));
    }

    void close(@Observes ShutdownEvent shutdown) {
        publisher.close();
    }
}
