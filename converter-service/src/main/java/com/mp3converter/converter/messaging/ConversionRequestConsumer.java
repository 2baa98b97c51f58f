package com.mp3converter.converter.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mp3converter.converter.config.ConverterConfig;
import com.mp3converter.converter.service.ConversionService;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.rabbitmq.IncomingRabbitMQMetadata;
import io.smallrye.reactive.messaging.rabbitmq.RabbitMQRejectMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Takes conversion requests with manual acks. Prefetch (max-outstanding-messages) equals the worker
 * count, and since a request stays unacked until its job ended, that is also how many run at once.
 * Ack: the job ended (MP3 stored and "done" confirmed, or "failed" confirmed). Requeue: a transient
 * failure, up to converter.max-attempts deliveries. Dead-letter: unreadable messages and jobs whose
 * attempts ran out (after marking them failed).
 */
@ApplicationScoped
public class ConversionRequestConsumer {

    private static final String CHANNEL = "conversion-requests";

    private final ConversionService conversions;
    private final ObjectMapper json;
    private final int maxAttempts;
    private final Duration shutdownGrace;
    private final AtomicInteger inHand = new AtomicInteger();
    private volatile boolean stopping;

    ConversionRequestConsumer(ConversionService conversions, ObjectMapper json, ConverterConfig config) {
        this.conversions = conversions;
        this.json = json;
        this.maxAttempts = config.maxAttempts();
        this.shutdownGrace = config.shutdownGrace();
    }

    /**
     * SIGTERM: take no new work (what the broker still sends goes back when the connection closes), let
     * the jobs in hand finish within the grace, then stop ffmpeg so the rest go back too. Runs before the
     * broker connection closes, so every ack and requeue still reaches it.
     */
    void drain(@Observes ShutdownEvent shutdown) throws InterruptedException {
        stopping = true;
        long deadline = System.nanoTime() + shutdownGrace.toNanos();
        if (inHand.get() > 0) {
            Log.infof("Shutting down: waiting up to %s for %d job(s) in hand", shutdownGrace, inHand.get());
        }
        while (inHand.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        conversions.stopConversions();
        while (inHand.get() > 0 && System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(5)) {
            Thread.sleep(50); // the stopped jobs are being requeued
        }
    }

    @Incoming(CHANNEL)
    @Blocking(ordered = false)
    public CompletionStage<Void> consume(Message<byte[]> message) {
        ConversionRequest request;
        try {
            request = json.readValue(message.getPayload(), ConversionRequest.class);
            if (request.jobId() == null || request.videoId() == null) {
                throw new IllegalArgumentException("jobId and videoId are required");
            }
        } catch (IOException | RuntimeException e) {
            Log.errorf("Dead-lettering an unreadable conversion request: %s", e.getMessage());
            return message.nack(e, Metadata.of(new RabbitMQRejectMetadata(false)));
        }
        if (stopping) {
            // Neither acked nor rejected: a rejected request would come straight back (a tight loop that burns
            // its delivery count). Held, it goes back to the queue when the connection closes; the prefetch
            // bounds how many are held.
            return new CompletableFuture<>();
        }
        inHand.incrementAndGet();
        long attempt = previousDeliveries(message) + 1;
        try {
            if (attempt > maxAttempts) {
                conversions.fail(request, "conversion failed " + maxAttempts + " times for reasons on our side; please upload again");
                return message.nack(new IllegalStateException("attempts exhausted"), Metadata.of(new RabbitMQRejectMetadata(false)));
            }
            conversions.convert(request);
            return message.ack();
        } catch (IOException | RuntimeException e) {
            Log.warnf("Job %s attempt %d of %d failed, will retry: %s", request.jobId(), attempt, maxAttempts, e.getMessage());
            return message.nack(e, Metadata.of(new RabbitMQRejectMetadata(true)));
        } finally {
            inHand.decrementAndGet();
        }
    }

    /** Quorum queues count earlier deliveries (nacks and consumers that died) in x-delivery-count. */
    private static long previousDeliveries(Message<?> message) {
        return message.getMetadata(IncomingRabbitMQMetadata.class)
                .flatMap(m -> m.getHeader("x-delivery-count", Number.class))
                .map(Number::longValue)
                .orElse(0L);
    }
}
