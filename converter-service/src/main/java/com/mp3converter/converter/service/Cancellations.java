package com.mp3converter.converter.service;

import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The jobs cancelled lately, as this process heard it: a conversion of one of them stops at the next watchdog tick. */
@ApplicationScoped
public class Cancellations {

    /** Longer than any delivery of the job can still be in hand here. */
    private static final Duration REMEMBERED = Duration.ofHours(1);

    private final Map<String, Instant> cancelled = new ConcurrentHashMap<>();

    void add(String jobId) {
        Instant now = Instant.now();
        cancelled.values().removeIf(at -> at.isBefore(now.minus(REMEMBERED)));
        cancelled.put(jobId, now);
    }

    boolean contains(String jobId) {
        return cancelled.containsKey(jobId);
    }
}
