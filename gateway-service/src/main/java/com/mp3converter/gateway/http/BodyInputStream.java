package com.mp3converter.gateway.http;

import com.mp3converter.gateway.service.ApiException;
import com.mp3converter.gateway.service.QuotaExceeded;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A blocking InputStream over a Vert.x body stream, read on a worker thread. About its share of the memory
 * for request bodies waits in memory at most (between {@link #MIN_HIGH_WATER_BYTES} and
 * {@link #MAX_HIGH_WATER_BYTES}): past that the socket is paused, so memory grows neither with the upload nor
 * with the number of uploads. The window is counted in bytes, not buffers: Vert.x hands over small buffers,
 * and a window of a few of them made every upload stall on pause/resume round trips (3 MB/s instead of the
 * storage's speed). At most 1 MiB: a body waits while its chunks are stored, so its queue outlives young
 * collections, and a 4 MiB one overflowed the survivor spaces into the old generation (a full collection per
 * 155 MiB upload; one per four at 1 MiB, as fast).
 * A client that stops sending for longer than the idle timeout, sends slower than the minimum rate, or
 * disconnects, makes read() throw.
 */
final class BodyInputStream extends BulkInputStream {

    private static final long MAX_HIGH_WATER_BYTES = 1024 * 1024;
    private static final long MIN_HIGH_WATER_BYTES = 256 * 1024;
    private static final Buffer END = Buffer.buffer();

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final HttpServerRequest source;
    private final Context context;
    private final long idleTimeoutMillis;
    private final LongSupplier share;
    private volatile boolean paused;
    /** Event loop only: the bytes that arrived, whether they all did, and whether the body was paused this window. */
    private long received;
    private boolean arrived;
    private boolean pausedInWindow;
    /** The upload is over: the rate is no longer watched. */
    private volatile boolean done;
    private Buffer current;
    private int position;
    private boolean ended;

    /** @param share the bytes this body may hold in memory now (it changes with the uploads in progress) */
    BodyInputStream(HttpServerRequest source, Context context, Duration idleTimeout, LongSupplier share) {
        this.source = source;
        this.share = share;
        this.context = context;
        this.idleTimeoutMillis = idleTimeout.toMillis();
        source.handler(this::offer);
        source.endHandler(v -> {
            arrived = true;
            queue.add(END);
        });
        source.exceptionHandler(e -> fail(new IOException("upload interrupted: " + e.getMessage(), e)));
    }

    /** A body that arrived slower than the minimum rate: the upload is dropped and the client told {@link #refusal}. */
    static final class TooSlow extends IOException {
        final ApiException refusal;

        TooSlow(ApiException refusal) {
            super(refusal.getMessage());
            this.refusal = refusal;
        }
    }

    /** Stops buffering the body and hands it, on the request's event loop, to {@code refusal} (BodyLimits.refuse). */
    void discardRest(Runnable refusal) {
        done = true;
        context.runOnContext(v -> {
            queue.clear();
            queuedBytes.set(0);
            paused = false;
            refusal.run();
        });
    }

    /**
     * From now on (the upload has its turn), every {@code window} the body must have brought at least
     * {@code minBytesPerSecond} on average over that window, or read() throws {@link TooSlow}; a window in which
     * the gateway paused the body (its consumer was the slow one) is not held against the client. On the event loop.
     */
    void watchRate(long minBytesPerSecond, Duration window, Duration maxTime) {
        long windowMillis = window.toMillis();
        long[] atWindowStart = {received};
        long deadline = System.nanoTime() + maxTime.toNanos();
        pausedInWindow = paused;
        context.owner().setPeriodic(windowMillis, windowMillis, timer -> {
            if (done || arrived) {
                context.owner().cancelTimer(timer);
                return;
            }
            if (System.nanoTime() - deadline > 0) { // however fast: a turn is not held for longer than this
                context.owner().cancelTimer(timer);
                done = true;
                fail(new TooSlow(new QuotaExceeded(408, "the upload took longer than " + maxTime.toMinutes()
                        + " minutes, the limit; nothing was kept",
                        new QuotaExceeded.Limit("maxUploadSeconds", maxTime.toSeconds(), maxTime.toSeconds()), null)));
                return;
            }
            long bytesPerSecond = (received - atWindowStart[0]) * 1000 / windowMillis;
            if (bytesPerSecond < minBytesPerSecond && !pausedInWindow) {
                context.owner().cancelTimer(timer);
                done = true;
                fail(new TooSlow(new QuotaExceeded(408, "the upload arrived at " + bytesPerSecond + " bytes/s over "
                        + windowMillis / 1000 + " s, below the minimum of " + minBytesPerSecond + " bytes/s; nothing was kept",
                        new QuotaExceeded.Limit("minUploadBytesPerSecond", minBytesPerSecond, bytesPerSecond), null)));
                return;
            }
            atWindowStart[0] = received;
            pausedInWindow = paused;
        });
    }

    /** The upload is over (stored, refused or failed): no more rate checks. */
    void finished() {
        done = true;
    }

    /** Ends the stream with an error (client went away). */
    void fail(IOException e) {
        queue.add(e);
    }

    private void offer(Buffer buffer) { // event loop
        received += buffer.length();
        queue.add(buffer);
        if (queuedBytes.addAndGet(buffer.length()) >= highWater() && !paused) {
            paused = true;
            pausedInWindow = true;
            source.pause();
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, current.length() - position);
        current.getBytes(position, position + n, b, off);
        position += n;
        return n;
    }

    private boolean fill() throws IOException {
        while (current == null || position >= current.length()) {
            if (ended) {
                return false;
            }
            Object next;
            try {
                next = queue.poll(idleTimeoutMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("upload interrupted");
            }
            if (next == null) {
                throw new IOException("client sent nothing for " + idleTimeoutMillis / 1000 + " s");
            }
            if (next instanceof IOException failure) {
                throw failure;
            }
            if (next == END) {
                ended = true;
                return false;
            }
            current = (Buffer) next;
            position = 0;
            queuedBytes.addAndGet(-current.length());
            resumeIfDrained();
        }
        return true;
    }

    private long highWater() {
        return Math.max(MIN_HIGH_WATER_BYTES, Math.min(MAX_HIGH_WATER_BYTES, share.getAsLong()));
    }

    private void resumeIfDrained() {
        if (paused && queuedBytes.get() <= highWater() / 4) {
            context.runOnContext(v -> {
                if (paused) {
                    paused = false;
                    source.resume();
                }
            });
        }
    }
}
