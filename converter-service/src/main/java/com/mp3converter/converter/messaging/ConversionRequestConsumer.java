package com.mp3converter.converter.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mp3converter.contracts.ConversionRequest;
import com.mp3converter.contracts.Topology;
import com.mp3converter.messaging.Deliveries;
import com.mp3converter.messaging.RetryQueues;
import com.mp3converter.messaging.RetryState;
import com.mp3converter.messaging.TracedDelivery;
import io.opentelemetry.api.trace.Tracer;
import io.smallrye.reactive.messaging.rabbitmq.IncomingRabbitMQMetadata;
import com.mp3converter.converter.config.ConverterConfig;
import com.mp3converter.converter.service.ConversionService;
import com.mp3converter.converter.service.Next;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Takes conversion requests with manual acks; prefetch is the worker count, and a semaphore of the same
 * size bounds the conversions running at once, also after a broker reconnect, when the deliveries of the
 * lost channel are still converting while the new channel receives them again.
 * Ack: the job's outcome was announced, or the request was put into a retry queue (a transient failure,
 * or a job another delivery holds). Once the retry budget is spent the job is given up. Dead-letter:
 * unreadable messages only. SIGTERM hands the requests in hand back to the queue.
 */
@ApplicationScoped
public class ConversionRequestConsumer {

    private static final String CHANNEL = "conversion-requests";
    /** A deferred request looks again this long after the other holder's lease would run out. */
    private static final Duration DEFER_MARGIN = Duration.ofSeconds(1);

    private final ConversionService conversions;
    private final RetryQueues retries;
    private final ObjectMapper json;
    private final Tracer tracer;
    private final Duration budget;
    private final Duration shutdownGrace;
    private final Semaphore workers;
    private final AtomicInteger inHand = new AtomicInteger();
    private final Deliveries deliveries;
    private volatile boolean stopping;

    ConversionRequestConsumer(ConversionService conversions, RetryQueues retries, ObjectMapper json, Tracer tracer,
                              Deliveries deliveries, ConverterConfig config) {
        this.conversions = conversions;
        this.deliveries = deliveries;
        this.retries = retries;
        this.json = json;
        this.tracer = tracer;
        this.budget = config.retry().budget();
        this.shutdownGrace = config.shutdownGrace();
        this.workers = new Semaphore(config.workers(), true);
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
            return deliveries.deadLetter(message, e);
        }
        return TracedDelivery.run(tracer, "process " + Topology.CONVERSION_REQUESTED, headers(message), request.jobId(),
                () -> handle(message, request));
    }

    private CompletionStage<Void> handle(Message<byte[]> message, ConversionRequest request) {
        RetryState history = RetryState.of(message);
        inHand.incrementAndGet();
        try {
            Next next;
            workers.acquire();
            try {
                if (stopping) {
                    return held();
                }
                next = history.budgetSpent(budget, Instant.now()) ? conversions.giveUp(request) : conversions.process(request);
            } finally {
                workers.release();
            }
            return settle(message, request, history, next);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return held();
        } finally {
            inHand.decrementAndGet();
        }
    }

    private CompletionStage<Void> settle(Message<byte[]> message, ConversionRequest request, RetryState history, Next next)
            throws InterruptedException {
        if (next instanceof Next.Finished) {
            return deliveries.ack(message);
        }
        if (stopping) {
            return deliveries.requeue(message, new IllegalStateException("shutting down"));
        }
        RetryState state = history;
        Duration delay;
        if (next instanceof Next.Retry retry) {
            state = history.failedAgain(Instant.now());
            delay = retries.backoff(state.failures());
            Log.warnf("Job %s failed on our side (failure %d, failing for %s), retrying in %s: %s", request.jobId(),
                    state.failures(), Duration.between(state.failingSince(), Instant.now()).withNanos(0), delay, retry.reason());
        } else if (next instanceof Next.AwaitUpload awaiting) {
            delay = awaiting.lookAgainIn();
            Log.infof("Job %s waits for its upload to complete; looking again in %s", request.jobId(), delay.withNanos(0));
        } else {
            delay = ((Next.Defer) next).lookAgainIn().plus(DEFER_MARGIN);
            Log.infof("Job %s is held by another delivery; looking again in %s", request.jobId(), delay.withNanos(0));
        }
        try {
            retries.schedule(request.jobId(), message.getPayload(), state, delay);
            return deliveries.ack(message);
        } catch (IOException e) {
            // No retry queue reachable: hand the request back only after the delay, so nothing spins.
            Log.warnf("Job %s: retry queue unreachable (%s); requeueing in %s", request.jobId(), e.getMessage(), delay);
            Thread.sleep(delay.toMillis());
            return deliveries.requeue(message, e);
        }
    }

    private static Map<String, Object> headers(Message<?> message) {
        return message.getMetadata(IncomingRabbitMQMetadata.class).map(IncomingRabbitMQMetadata::getHeaders).orElse(Map.of());
    }

    /**
     * Neither acked nor rejected: a rejected request would come straight back (a tight loop). Held, it goes
     * back to the queue when the connection closes; the prefetch bounds how many are held.
     */
    private static CompletionStage<Void> held() {
        return new CompletableFuture<>();
    }
}
