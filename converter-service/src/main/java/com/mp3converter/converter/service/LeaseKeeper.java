package com.mp3converter.converter.service;

import com.mongodb.MongoException;
import com.mp3converter.converter.repository.JobLeases;
import io.quarkus.logging.Log;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Renews a job's lease while its conversion runs. A renewal that finds the lease gone (it ran out and
 * another worker took the job) marks it lost, and the conversion stops; one that cannot reach storage
 * keeps the lease presumed held, since no other worker can take it over without storage either.
 */
final class LeaseKeeper implements AutoCloseable {

    private final JobLeases leases;
    private final String jobId;
    private final String token;
    private final ScheduledFuture<?> renewal;
    private volatile boolean lost;

    LeaseKeeper(JobLeases leases, String jobId, String token, Duration every, ScheduledExecutorService timer) {
        this.leases = leases;
        this.jobId = jobId;
        this.token = token;
        this.renewal = timer.scheduleWithFixedDelay(this::renew, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    String token() {
        return token;
    }

    boolean held() {
        return !lost;
    }

    private void renew() {
        try {
            if (!lost && !leases.renew(jobId, token)) {
                lost = true;
                Log.warnf("Job %s: lease lost to another worker; stopping this conversion", jobId);
            }
        } catch (MongoException e) {
            Log.debugf("Job %s: lease not renewed, storage unreachable: %s", jobId, e.getMessage());
        }
    }

    @Override
    public void close() {
        renewal.cancel(false);
    }
}
