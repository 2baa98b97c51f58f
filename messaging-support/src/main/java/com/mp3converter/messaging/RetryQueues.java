package com.mp3converter.messaging;

import org.eclipse.microprofile.config.Config;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Delayed redelivery through the broker, so a waiting retry survives any consumer's restart, costs no
 * worker and does not count against the queue's delivery limit. Per delay tier (the initial delay doubling
 * up to the maximum) a quorum queue without consumers holds the messages until they expire, then
 * dead-letters them, at least once, straight back into the consumer's queue. Each message expires a little
 * before its tier's TTL (jitter), so a burst of failures does not come back as one burst.
 */
public final class RetryQueues implements AutoCloseable {

    private final ConfirmedPublisher publisher;
    private final String queue;
    private final Duration initialDelay;
    private final Duration maxDelay;
    private final List<Duration> tiers = new ArrayList<>();

    /** Retries into {@code queue}, publishing on a connection of its own named {@code connectionName}. */
    public RetryQueues(Config config, String connectionName, String queue, Duration initialDelay, Duration maxDelay) {
        this.publisher = new ConfirmedPublisher(ConfirmedPublisher.Settings.fromConfig(config, connectionName));
        this.queue = queue;
        this.initialDelay = initialDelay;
        this.maxDelay = maxDelay;
        for (Duration tier = initialDelay; tier.compareTo(maxDelay) < 0; tier = tier.multipliedBy(2)) {
            tiers.add(tier);
        }
        tiers.add(maxDelay);
    }

    /** The delay before retry number {@code failures}: doubling from the initial delay, capped. */
    public Duration backoff(int failures) {
        Duration delay = initialDelay.multipliedBy(1L << Math.min(Math.max(failures - 1, 0), 20));
        return delay.compareTo(maxDelay) > 0 ? maxDelay : delay;
    }

    /** Puts the message back into the queue after about {@code delay} (at most the longest tier). */
    public void schedule(String messageId, byte[] payload, RetryState state, Duration delay) throws IOException {
        Duration tier = tiers.stream().filter(t -> t.compareTo(delay) >= 0).findFirst().orElse(maxDelay);
        long jittered = Math.max(1, (long) (Math.min(delay.toMillis(), tier.toMillis()) * ThreadLocalRandom.current().nextDouble(0.8, 1.0)));
        publisher.publishToQueue(queueName(tier), arguments(tier), messageId, state.headers(), Duration.ofMillis(jittered), payload);
    }

    private String queueName(Duration tier) {
        return queue + ".retry." + tier.toMillis() + "ms";
    }

    private Map<String, Object> arguments(Duration tier) {
        return Map.of("x-queue-type", "quorum",
                "x-message-ttl", tier.toMillis(),
                "x-dead-letter-exchange", "",
                "x-dead-letter-routing-key", queue,
                "x-dead-letter-strategy", "at-least-once",
                "x-overflow", "reject-publish");
    }

    @Override
    public void close() {
        publisher.close();
    }
}
