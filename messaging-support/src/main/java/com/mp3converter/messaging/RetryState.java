package com.mp3converter.messaging;

import io.smallrye.reactive.messaging.rabbitmq.IncomingRabbitMQMetadata;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * How often a message has failed for reasons on our side, and since when; carried in its headers
 * through the retry queues, so it survives a restart of every consumer.
 */
public record RetryState(int failures, Instant failingSince) {

    public static final String FAILURES = "mp3converter-failures";
    public static final String FAILING_SINCE = "mp3converter-failing-since";
    public static final RetryState NONE = new RetryState(0, null);

    public static RetryState of(Message<?> message) {
        return message.getMetadata(IncomingRabbitMQMetadata.class).map(m -> new RetryState(
                        m.getHeader(FAILURES, Number.class).map(Number::intValue).orElse(0),
                        m.getHeader(FAILING_SINCE, Number.class).map(n -> Instant.ofEpochMilli(n.longValue())).orElse(null)))
                .orElse(NONE);
    }

    /** One more failure, now. */
    public RetryState failedAgain(Instant now) {
        return new RetryState(failures + 1, failingSince == null ? now : failingSince);
    }

    public boolean budgetSpent(Duration budget, Instant now) {
        return failingSince != null && failingSince.plus(budget).isBefore(now);
    }

    public Map<String, Object> headers() {
        return failingSince == null ? Map.of() : Map.of(FAILURES, failures, FAILING_SINCE, failingSince.toEpochMilli());
    }
}
