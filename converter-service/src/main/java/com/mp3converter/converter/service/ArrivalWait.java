package com.mp3converter.converter.service;

import com.mp3converter.converter.config.ConverterConfig;

import java.io.IOException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * How long one delivery may hold a worker waiting on an upload that is still arriving (converter.arrival). While
 * ffmpeg reads the arriving upload, each grace-long window of the wait must bring the minimum rate's worth of bytes,
 * and the whole wait lasts at most max-wait. Only bytes that arrive while the worker waits count, window by window:
 * bytes stored before the wait, or a fast burst in an earlier window, buy no time, so an upload that starts fast and
 * then trickles lets go of the worker one window after it slows down. A wait that sees no bytes come (for the upload's end, or its first bytes) lasts at most the
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
    private final LongSupplier nanoTime;
    private final long startedAt;
    /** The window being measured: when it began and the upload's size then (-1 before the first look). */
    private long windowStart;
    private long windowStartBytes = -1;
    private boolean overdue;

    ArrivalWait(ConverterConfig.Arrival limits, ScheduledExecutorService alarms) {
        this(limits, alarms, System::nanoTime);
    }

    ArrivalWait(ConverterConfig.Arrival limits, ScheduledExecutorService alarms, LongSupplier nanoTime) {
        this.limits = limits;
        this.alarms = alarms;
        this.nanoTime = nanoTime;
        this.startedAt = nanoTime.getAsLong();
        this.windowStart = startedAt;
    }

    /**
     * True once the upload, {@code storedBytes} in all so far, arrives too slowly to wait on: a window of the grace
     * ended with fewer than min-bytes-per-second times its length arrived in it, or max-wait passed. Stays true.
     */
    synchronized boolean overdue(long storedBytes) {
        long now = nanoTime.getAsLong();
        if (windowStartBytes < 0) {
            windowStartBytes = storedBytes; // what was there when the wait began counts for nothing
        }
        long window = now - windowStart;
        if (!overdue && window >= limits.grace().toNanos()) {
            double due = window / 1e9 * limits.minBytesPerSecond();
            overdue = storedBytes - windowStartBytes < due;
            windowStart = now;
            windowStartBytes = storedBytes;
        }
        overdue |= now - startedAt > limits.maxWait().toNanos();
        return overdue;
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
