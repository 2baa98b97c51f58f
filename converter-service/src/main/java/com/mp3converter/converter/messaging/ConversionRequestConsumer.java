package com.mp3converter.converter.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mp3converter.converter.config.ConverterConfig;
import com.mp3converter.converter.service.ConversionService;
import io.quarkus.logging.Log;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.rabbitmq.IncomingRabbitMQMetadata;
import io.smallrye.reactive.messaging.rabbitmq.RabbitMQRejectMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

import java.io.IOException;
import java.util.concurrent.CompletionStage;

/**
 * Takes conversion requests with manual acks. Prefetch (max-outstanding-messages) equals the worker
 * count, and since a request stays unacked until its job ended, that is also how many run at once.
 * Ack: the job ended (MP3 stored and "done" confirmed, or "failed" confirmed). Requeue: a transient
 * failure, up to converter.max-attempts deliveries. Dead-letter: unreadable messages and jobs whose
 * attempts ran out (after marking them failed).
 */
@ApplicationScoped
public class ConversionRequestConsumer {

    private final ConversionService conversions;
    private final ObjectMapper json;
    private final int maxAttempts;

    ConversionRequestConsumer(ConversionService conversions, ObjectMapper json, ConverterConfig config) {
        this.conversions = conversions;
        this.json = json;
        this.maxAttempts = config.maxAttempts();
    }

    @Incoming("conversion-requests")
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
