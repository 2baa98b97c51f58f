package com.mp3converter.gateway.service;

import com.mp3converter.contracts.JobEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import com.mp3converter.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Live job updates for the users connected to this gateway (GET /jobs/events). Every replica hears every
 * converter event on a queue of its own (messaging.JobUpdatesConsumer), so a user sees their jobs move
 * whichever replica their connection landed on. Best effort: a page that reconnects reloads its list.
 */
@ApplicationScoped
public class JobUpdates {

    /** What a connected page is told: a job's new state, or (type PING) that the connection is alive. */
    public record Update(String jobId, String type, Integer progress, String reason, String mp3Id, Double durationSeconds) {
        static Update of(JobEvent event) {
            return new Update(event.jobId(), event.type().name(), event.progress(), event.reason(), event.mp3Id(),
                    event.durationSeconds());
        }
    }

    private static final Update PING = new Update(null, "PING", null, null, null, null);

    /** What a user over the bound is told to wait: a page closed elsewhere frees its stream. */
    private static final long STREAMS_RETRY_AFTER_SECONDS = 15;

    private final BroadcastProcessor<JobEvent> events = BroadcastProcessor.create();
    /** Open streams per user; a user with none has no entry. */
    private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();
    private final int streamsPerUser;

    JobUpdates(GatewayConfig config) {
        this.streamsPerUser = config.events().streamsPerUser();
    }

    public void publish(JobEvent event) {
        events.onNext(event);
    }

    /**
     * The owner's updates, with a ping every {@code keepAlive} so proxies keep the stream open, until
     * {@code until} (the caller's token expires: a page reconnects with a fresh one). At most
     * {@code gateway.events.streams-per-user} at once per owner; one more is refused with 429 naming the limit.
     */
    public Multi<Update> of(String owner, Duration keepAlive, Instant until) {
        Integer now = open.merge(owner, 1, Integer::sum);
        if (now > streamsPerUser) {
            close(owner);
            throw new QuotaExceeded(429, "you have " + streamsPerUser + " event streams open, the limit; close one first",
                    new QuotaExceeded.Limit("eventStreams", streamsPerUser, streamsPerUser), STREAMS_RETRY_AFTER_SECONDS);
        }
        Multi<Update> mine = events.filter(event -> owner.equals(event.owner())).map(Update::of);
        Multi<Update> pings = Multi.createFrom().ticks().every(keepAlive).map(tick -> PING);
        Duration left = Duration.between(Instant.now(), until);
        return Multi.createBy().merging().streams(mine, pings)
                .select().first(left.isNegative() ? Duration.ZERO : left)
                .onTermination().invoke(() -> close(owner));
    }

    private void close(String owner) {
        open.computeIfPresent(owner, (user, count) -> count <= 1 ? null : count - 1);
    }
}
