package com.mp3converter.notification.messaging;

import com.mp3converter.contracts.JobEvent;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mp3converter.messaging.Deliveries;
import com.mp3converter.messaging.RetryQueues;
import com.mp3converter.messaging.RetryState;
import com.mp3converter.notification.config.NotificationConfig;
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
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * "done" and "failed" events from our own quorum queue. Acked once the email went out (or had gone out
 * before), or once the event waits in a retry queue because SMTP or storage stayed out of reach past the
 * in-process retries; dead-lettered when unreadable, or when its retry budget is spent.
 */
@ApplicationScoped
public class JobEventConsumer {

    private final NotificationService notifications;
    private final ObjectMapper json;
    private final MeterRegistry metrics;
    private final Tracer tracer;
    private final Deliveries deliveries;
    private final RetryQueues retries;
    private final Duration budget;

    JobEventConsumer(NotificationService notifications, ObjectMapper json, MeterRegistry metrics, Tracer tracer,
                     Deliveries deliveries, RetryQueues retries, NotificationConfig config) {
        this.notifications = notifications;
        this.deliveries = deliveries;
        this.retries = retries;
        this.budget = config.retry().budget();
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
                metrics.counter("notification.emails", "outcome", "failed", "kind", event.type().name()).increment();
                return retryLater(message, event, e);
            }
        });
    }

    private CompletionStage<Void> retryLater(Message<byte[]> message, JobEvent event, RuntimeException cause) {
        RetryState state = RetryState.of(message).failedAgain(Instant.now());
        if (state.budgetSpent(budget, Instant.now())) {
            Log.errorf("Email for job %s given up after %s of failures, dead-lettered: %s", event.jobId(), budget, cause.getMessage());
            return deliveries.deadLetter(message, cause);
        }
        Duration delay = retries.backoff(state.failures());
        try {
            retries.schedule(event.jobId(), message.getPayload(), state, delay);
            Log.warnf("Email for job %s not sent yet (failure %d), retrying in %s: %s", event.jobId(), state.failures(), delay,
                    cause.getMessage());
            return deliveries.ack(message);
        } catch (IOException brokerUnreachable) {
            Log.warnf("Email for job %s: retry queue unreachable (%s); requeueing in %s", event.jobId(),
                    brokerUnreachable.getMessage(), delay);
            try {
                Thread.sleep(delay.toMillis()); // so nothing spins
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            return deliveries.requeue(message, cause);
        }
    }

    private static Map<String, Object> headers(Message<?> message) {
        return message.getMetadata(IncomingRabbitMQMetadata.class).map(IncomingRabbitMQMetadata::getHeaders).orElse(Map.of());
    }
}
