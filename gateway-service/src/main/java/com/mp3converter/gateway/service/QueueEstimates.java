package com.mp3converter.gateway.service;

import com.mp3converter.gateway.repository.Job;
import com.mp3converter.gateway.repository.JobRepository;
import com.mp3converter.gateway.repository.JobStatus;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Where a waiting job stands: its place among the jobs waiting ahead of it (every user's), and when it should
 * start, from the measured speed: the mean conversion time of the last jobs, with as many running side by side
 * as are converting now. The speed is re-measured at most every few seconds, not per request.
 */
@ApplicationScoped
public class QueueEstimates {

    public record Place(long position, Long startsInSeconds) {
    }

    private static final int SAMPLE = 20;
    private static final Duration REFRESH = Duration.ofSeconds(5);

    private record Speed(OptionalDouble meanSeconds, long converting, long measuredAt) {
    }

    private final JobRepository jobs;
    private volatile Speed speed = new Speed(OptionalDouble.empty(), 0, System.nanoTime() - REFRESH.toNanos()); // stale: measure at once

    QueueEstimates(JobRepository jobs) {
        this.jobs = jobs;
    }

    /** Null for a job that is not waiting. */
    public Place of(Job job) {
        if (job.status() != JobStatus.QUEUED) {
            return null;
        }
        long position = jobs.countQueuedBefore(job.createdAt()) + 1;
        Speed now = current();
        if (now.meanSeconds().isEmpty()) {
            return new Place(position, null);
        }
        long rounds = (position + Math.max(1, now.converting()) - 1) / Math.max(1, now.converting());
        return new Place(position, Math.round(rounds * now.meanSeconds().getAsDouble()));
    }

    private Speed current() {
        Speed known = speed;
        if (System.nanoTime() - known.measuredAt() < REFRESH.toNanos()) {
            return known;
        }
        List<Job> recent = jobs.recentConversions(SAMPLE);
        OptionalDouble mean = recent.stream()
                .mapToDouble(job -> Duration.between(job.startedAt(), job.finishedAt()).toMillis() / 1000.0).average();
        Speed measured = new Speed(mean, jobs.countConverting(), System.nanoTime());
        speed = measured;
        return measured;
    }
}
