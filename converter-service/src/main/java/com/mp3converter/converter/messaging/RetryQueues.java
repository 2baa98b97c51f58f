package com.mp3converter.converter.messaging;

import com.mp3converter.converter.config.ConverterConfig;
import com.mp3converter.messaging.ConfirmedPublisher;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Delayed redelivery through the broker, so a waiting retry survives any converter's restart and costs
 * no worker. Per delay tier (the initial delay doubling up to the maximum) a quorum queue without
 * consumers holds the requests until they expire, then dead-letters them, at least once, straight back
 * into the request queue. Each message expires a little before its tier's TTL (jitter), so a burst of
 * failures does not come back as one burst.
 */
@ApplicationScoped
public class RetryQueues {

    private final ConfirmedPublisher publisher;
    private final String requestQueue;
    private final ConverterConfig.Retry policy;
    private final List<Duration> tiers = new ArrayList<>();

    RetryQueues(ConverterConfig config, Config mpConfig,
                @ConfigProperty(name = "mp.messaging.incoming.conversion-requests.queue.name") String requestQueue) {
        this.publisher = new ConfirmedPublisher(ConfirmedPublisher.Settings.fromConfig(mpConfig, "converter-service-retries"));
        this.requestQueue = requestQueue;
        this.policy = config.retry();
        for (Duration tier = policy.initialDelay(); tier.compareTo(policy.maxDelay()) < 0; tier = tier.multipliedBy(2)) {
            tiers.add(tier);
        }
        tiers.add(policy.maxDelay());
    }

    /** The delay before retry number {@code failures}: doubling from the initial delay, capped. */
    Duration backoff(int failures) {
        Duration delay = policy.initialDelay().multipliedBy(1L << Math.min(Math.max(failures - 1, 0), 20));
        return delay.compareTo(policy.maxDelay()) > 0 ? policy.maxDelay() : delay;
    }

    /** Puts the request back into the request queue after about {@code delay} (at most the longest tier). */
    void schedule(String jobId, byte[] request, RetryState state, Duration delay) throws IOException {
        Duration tier = tiers.stream().filter(t -> t.compareTo(delay) >= 0).findFirst().orElse(policy.maxDelay());
        long jittered = Math.max(1, (long) (Math.min(delay.toMillis(), tier.toMillis()) * ThreadLocalRandom.current().nextDouble(0.8, 1.0)));
        publisher.publishToQueue(queueName(tier), arguments(tier), jobId, state.headers(), Duration.ofMillis(jittered), request);
    }

    String queueName(Duration tier) {
        return requestQueue + ".retry." + tier.toMillis() + "ms";
    }

    private Map<String, Object> arguments(Duration tier) {
        return Map.of("x-queue-type", "quorum",
                "x-message-ttl", tier.toMillis(),
                "x-dead-letter-exchange", "",
                "x-dead-letter-routing-key", requestQueue,
                "x-dead-letter-strategy", "at-least-once",
                "x-overflow", "reject-publish");
    }

    void close(@Observes ShutdownEvent shutdown) {
        publisher.close();
    }
}
