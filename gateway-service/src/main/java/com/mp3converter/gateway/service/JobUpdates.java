package com.mp3converter.gateway.service;

import com.mp3converter.contracts.JobEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;

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

    private final BroadcastProcessor<JobEvent> events = BroadcastProcessor.create();

    public void publish(JobEvent event) {
        events.onNext(event);
    }

    /** The owner's updates, with a ping every {@code keepAlive} so proxies keep the stream open. */
    public Multi<Update> of(String owner, Duration keepAlive) {
        Multi<Update> mine = events.filter(event -> owner.equals(event.owner())).map(Update::of);
        Multi<Update> pings = Multi.createFrom().ticks().every(keepAlive).map(tick -> PING);
        return Multi.createBy().merging().streams(mine, pings);
    }
}
