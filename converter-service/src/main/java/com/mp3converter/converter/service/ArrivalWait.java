package com.mp3converter.converter.service;

import com.mp3converter.converter.config.ConverterConfig;

import java.io.IOException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * How long one delivery may hold a worker waiting on an upload that is still arriving (converter.arrival). While
 * ffmpeg reads the arriving upload, the upload must keep the minimum rate after the grace, and the whole wait lasts
 * at most max-wait. A wait that sees no bytes come (for the upload's end, or its first bytes) lasts at most the
 * grace: the media store's waits have no deadline of their own, so the worker thread is interrupted out of them.
 * Past either, {@link UploadStillArriving}: the job is looked at again later, without a worker.
 */
final class ArrivalWait {

    /** A wait on the upload in the media store. */
    interface Waiting<T> {
        T call() throws IOException;
    }

    private final ConverterConfig.Arrival limits;
    private final ScheduledExecutorService alarms;
    private final long startedAt = System.nanoTime();

    ArrivalWait(ConverterConfig.Arrival limits, ScheduledExecutorService alarms) {
        this.limits = limits;
        this.alarms = alarms;
    }

    /** True once the upload, {@code bytesArrived} so far, arrives too slowly for the time waited on it. */
    boolean overdue(long bytesArrived) {
        long waited = System.nanoTime() - startedAt;
        double byRate = limits.grace().toNanos() + bytesArrived * 1e9 / Math.max(1, limits.minBytesPerSecond());
        return waited > Math.min(byRate, limits.maxWait().toNanos());
    }

    /** Runs a wait on the upload for at most the grace; past it the wait is interrupted and the upload given up on. */
    <T> T atMostTheGrace(Waiting<T> wait) throws IOException {
        Thread waiter = Thread.currentThread();
        Object lock = new Object();
        boolean[] state = new boolean[2]; // [0]: the wait ended, [1]: the alarm interrupted it
        ScheduledFuture<?> alarm = alarms.schedule(() -> {
            synchronized (lock) {
                if (!state[0]) {
                    state[1] = true;
                    waiter.interrupt();
                }
            }
        }, limits.grace().toNanos(), TimeUnit.NANOSECONDS);
        try {
            return wait.call();
        } catch (IOException | RuntimeException e) { // interrupted: InterruptedIOException, or the driver's own kinds
            if (interrupted(lock, state)) {
                throw new UploadStillArriving("the upload did not arrive within " + limits.grace() + " of waiting for it");
            }
            throw e;
        } finally {
            synchronized (lock) {
                state[0] = true;
            }
            alarm.cancel(false);
            if (interrupted(lock, state)) {
                Thread.interrupted(); // the alarm's interrupt is spent: the worker thread goes on with other work
            }
        }
    }

    private static boolean interrupted(Object lock, boolean[] state) {
        synchronized (lock) {
            return state[1];
        }
    }
}
