package com.mp3converter.gateway.messaging;

import com.mp3converter.contracts.JobEvent;
import com.mp3converter.gateway.service.JobService;
import com.mp3converter.messaging.Deliveries;
import com.mp3converter.messaging.TracedDelivery;
import io.opentelemetry.api.trace.Tracer;
import io.smallrye.reactive.messaging.rabbitmq.IncomingRabbitMQMetadata;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Blocking;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/** Applies the converter's events to the job records. Updates are conditional, so redelivery is harmless. */
@ApplicationScoped
public class JobEventConsumer {

    private final JobService jobs;
    private final ObjectMapper json;
    private final Tracer tracer;
    private final Deliveries deliveries;

    JobEventConsumer(JobService jobs, ObjectMapper json, Tracer tracer, Deliveries deliveries) {
        this.jobs = jobs;
        this.deliveries = deliveries;
        this.json = json;
        this.tracer = tracer;
    }

    @Incoming("job-events")
    @Blocking
    public CompletionStage<Void> consume(Message<byte[]> message) {
        JobEvent event;
        try {
            event = json.readValue(message.getPayload(), JobEvent.class);
            if (event.jobId() == null || event.type() == null) {
                throw new IllegalArgumentException("jobId and type are required");
            }
        } catch (java.io.IOException | RuntimeException e) {
            Log.errorf("Dead-lettering an unreadable job event: %s", e.getMessage());
            return deliveries.deadLetter(message, e);
        }
        return TracedDelivery.run(tracer, "process " + event.routingKey(), headers(message), event.jobId(), () -> {
            try {
                jobs.apply(event);
                return deliveries.ack(message);
            } catch (RuntimeException e) {
                Log.warnf("Could not apply %s for job %s, will retry: %s", event.type(), event.jobId(), e.getMessage());
                return deliveries.requeue(message, e);
            }
        });
    }

    private static Map<String, Object> headers(Message<?> message) {
        return message.getMetadata(IncomingRabbitMQMetadata.class).map(IncomingRabbitMQMetadata::getHeaders).orElse(Map.of());
    }
}
