package com.mp3converter.gateway.rest;

import com.mp3converter.gateway.config.GatewayConfig;
import com.mp3converter.gateway.service.QuotaExceeded;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many MP3 downloads run at once: each holds a GridFS batch in memory until its client took it, so parallel slow
 * readers could otherwise fill the heap. Counted per owner of the MP3 (a one-click link counts for its job's owner,
 * so a leaked link costs its owner's slots, not everyone's) and in all.
 */
@ApplicationScoped
class DownloadSlots {

    private static final long RETRY_AFTER_SECONDS = 5;

    private final GatewayConfig.Download limits;
    private final AtomicInteger running = new AtomicInteger();
    private final ConcurrentHashMap<String, Integer> perOwner = new ConcurrentHashMap<>();

    DownloadSlots(GatewayConfig config) {
        this.limits = config.download();
    }

    /** Takes a slot for a download of {@code owner}'s MP3, or refuses: 429 past the owner's share, 503 past all. */
    Slot take(String owner) {
        int mine = perOwner.merge(owner, 1, Integer::sum);
        if (mine > limits.perUserAtOnce()) {
            leave(owner);
            throw new QuotaExceeded(429, "this user's MP3s are being downloaded " + limits.perUserAtOnce()
                    + " times at once, the limit; try again when one of them is done",
                    new QuotaExceeded.Limit("downloadsAtOnce", limits.perUserAtOnce(), limits.perUserAtOnce()), RETRY_AFTER_SECONDS);
        }
        if (running.incrementAndGet() > limits.atOnce()) {
            running.decrementAndGet();
            leave(owner);
            throw new QuotaExceeded(503, "the gateway is sending as many downloads as it can; please try again shortly",
                    new QuotaExceeded.Limit("downloadsInAll", limits.atOnce(), limits.atOnce()), RETRY_AFTER_SECONDS);
        }
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                running.decrementAndGet();
                leave(owner);
            }
        };
    }

    private void leave(String owner) {
        perOwner.computeIfPresent(owner, (who, n) -> n > 1 ? n - 1 : null);
    }

    /** A download's slot; giving it back more than once gives it back once. */
    interface Slot {
        void release();
    }
}
