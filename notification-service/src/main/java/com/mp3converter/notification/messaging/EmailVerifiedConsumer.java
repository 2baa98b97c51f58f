package com.mp3converter.notification.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mp3converter.contracts.EmailVerified;
import com.mp3converter.contracts.JobEvent;
import com.mp3converter.contracts.Topology;
import com.mp3converter.messaging.Deliveries;
import com.mp3converter.messaging.RetryQueues;
import com.mp3converter.messaging.RetryState;
import com.mp3converter.messaging.TracedDelivery;
import com.mp3converter.notification.service.EmailVerifications;
import io.opentelemetry.api.trace.Tracer;
import io.quarkus.logging.Log;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.rabbitmq.IncomingRabbitMQMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * EmailVerified from the gateway, on our own quorum queue: the address is recorded as verified (idempotent, so a
 * redelivery changes nothing) and the job event held for it goes back into the job queue through the retry queues,
 * where it is mailed like any other (and at most once, by the job's record). Dead-lettered when unreadable; requeued
 * after a pause when storage or the broker is out of reach (the queue's delivery limit then dead-letters it, and the
 * owner can open the link again).
 */
@ApplicationScoped
public class EmailVerifiedConsumer {

    private static final int MAX_ADDRESS_BYTES = 254;
    private static final Duration PAUSE_BEFORE_REQUEUE = Duration.ofSeconds(2);

    private final EmailVerifications verifications;
    private final ObjectMapper json;
    private final Tracer tracer;
    private final Deliveries deliveries;
    private final RetryQueues jobQueue;

    EmailVerifiedConsumer(EmailVerifications verifications, ObjectMapper json, Tracer tracer, Deliveries deliveries,
                          RetryQueues jobQueue) {
        this.verifications = verifications;
        this.json = json;
        this.tracer = tracer;
        this.deliveries = deliveries;
        this.jobQueue = jobQueue;
    }

    @Incoming("email-verified")
    @Blocking(ordered = false)
    public CompletionStage<Void> consume(Message<byte[]> message) {
        EmailVerified verified;
        try {
            verified = json.readValue(message.getPayload(), EmailVerified.class);
            if (verified.email() == null || verified.email().indexOf('@') < 1
                    || verified.email().length() > MAX_ADDRESS_BYTES) {
                throw new IllegalArgumentException("needs one email address");
            }
        } catch (IOException | RuntimeException e) {
            Log.errorf("Dead-lettering an unreadable EmailVerified: %s", e.getMessage());
            return deliveries.deadLetter(message, e);
        }
        return TracedDelivery.run(tracer, "process " + Topology.EMAIL_VERIFIED, headers(message), null, () -> {
            try {
                Optional<byte[]> held = verifications.verified(verified.email());
                if (held.isPresent()) {
                    String jobId = json.readValue(held.get(), JobEvent.class).jobId();
                    jobQueue.schedule(jobId, held.get(), RetryState.NONE, Duration.ZERO);
                    verifications.released(verified.email(), held.get());
                    Log.infof("Address verified; the email of its latest job %s follows", jobId);
                } else {
                    Log.info("Address verified; no job email was waiting for it");
                }
                return deliveries.ack(message);
            } catch (IOException | RuntimeException e) {
                Log.warnf("Could not record a verified address yet (%s); requeueing in %s", e.getMessage(), PAUSE_BEFORE_REQUEUE);
                try {
                    Thread.sleep(PAUSE_BEFORE_REQUEUE.toMillis()); // so nothing spins
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
                return deliveries.requeue(message, e);
            }
        });
    }

    private static Map<String, Object> headers(Message<?> message) {
        return message.getMetadata(IncomingRabbitMQMetadata.class).map(IncomingRabbitMQMetadata::getHeaders).orElse(Map.of());
    }
}
