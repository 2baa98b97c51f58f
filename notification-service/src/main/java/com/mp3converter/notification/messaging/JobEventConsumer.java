package com.mp3converter.notification.messaging;

import com.mp3converter.contracts.JobEvent;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mp3converter.messaging.Deliveries;
import com.mp3converter.messaging.TracedDelivery;
import com.mp3converter.notification.service.NotificationService;
import io.opentelemetry.api.trace.Tracer;
import io.smallrye.reactive.messaging.rabbitmq.IncomingRabbitMQMetadata;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * "done" and "failed" events from our own quorum queue. Acked only after the email went out (or had
 * gone out before); requeued when SMTP stays down past the sender's retries (the broker's delivery
 * limit then dead-letters it); unreadable events go straight to the dead-letter queue.
 */
@ApplicationScoped
public class JobEventConsumer {

    private final NotificationService notifications;
    private final ObjectMapper json;
    private final MeterRegistry metrics;
    private final Tracer tracer;
    private final Deliveries deliveries;

    JobEventConsumer(NotificationService notifications, ObjectMapper json, MeterRegistry metrics, Tracer tracer,
                     Deliveries deliveries) {
        this.notifications = notifications;
        this.deliveries = deliveries;
        this.json = json;
        this.metrics = metrics;
        this.tracer = tracer;
    }

    @Incoming("job-finished")
    // Unordered: an ordered blocking task holds the context's queue, and the mail client's own blocking
    // setup (host name lookup) would wait behind it forever.
    @Blocking(ordered = false)
    public CompletionStage<Void> consume(Message<byte[]> message) {
        JobEvent event;
        try {
            event = json.readValue(message.getPayload(), JobEvent.class);
            if (event.jobId() == null || event.ownerEmail() == null
                    || (event.type() != JobEvent.Type.DONE && event.type() != JobEvent.Type.FAILED)
                    || (event.type() == JobEvent.Type.DONE && event.mp3Id() == null)) {
                throw new IllegalArgumentException("needs jobId, ownerEmail, type DONE (with mp3Id) or FAILED");
            }
        } catch (IOException | RuntimeException e) {
            Log.errorf("Dead-lettering an unreadable job event: %s", e.getMessage());
            metrics.counter("notification.events.rejected").increment();
            return deliveries.deadLetter(message, e);
        }
        return TracedDelivery.run(tracer, "process " + event.routingKey(), headers(message), event.jobId(), () -> {
            try {
                notifications.notify(event);
                return deliveries.ack(message);
            } catch (InterruptedException e) { // shutting down while another delivery was sending it
                Thread.currentThread().interrupt();
                return deliveries.requeue(message, e);
            } catch (RuntimeException e) {
                Log.warnf("Email for job %s not sent yet, requeueing: %s", event.jobId(), e.getMessage());
                metrics.counter("notification.emails", "outcome", "failed", "kind", event.type().name()).increment();
                return deliveries.requeue(message, e);
            }
        });
    }

    private static Map<String, Object> headers(Message<?> message) {
        return message.getMetadata(IncomingRabbitMQMetadata.class).map(IncomingRabbitMQMetadata::getHeaders).orElse(Map.of());
    }
}
