package com.mp3converter.gateway.rest;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A blocking InputStream over a Vert.x body stream, read on a worker thread. At most {@link #HIGH_WATER}
 * buffers wait in memory: past that the socket is paused, so memory does not grow with the upload.
 * A client that stops sending for longer than the idle timeout, or disconnects, makes read() throw.
 */
final class BodyInputStream extends InputStream {

    private static final int HIGH_WATER = 16;
    private static final int LOW_WATER = 4;
    private static final Buffer END = Buffer.buffer();

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final ReadStream<Buffer> source;
    private final Context context;
    private final long idleTimeoutMillis;
    private volatile boolean paused;
    private Buffer current;
    private int position;
    private boolean ended;

    BodyInputStream(ReadStream<Buffer> source, Context context, Duration idleTimeout) {
        this.source = source;
        this.context = context;
        this.idleTimeoutMillis = idleTimeout.toMillis();
        source.handler(this::offer);
        source.endHandler(v -> queue.add(END));
        source.exceptionHandler(e -> fail(new IOException("upload interrupted: " + e.getMessage(), e)));
    }

    /** Stops buffering: the rest of the body is read and dropped, so the client can still get our answer. */
    void discardRest() {
        context.runOnContext(v -> {
            source.handler(ignored -> { });
            queue.clear();
            paused = false;
            source.resume();
        });
    }

    /** Ends the stream with an error (client went away). */
    void fail(IOException e) {
        queue.add(e);
    }

    private void offer(Buffer buffer) { // event loop
        queue.add(buffer);
        if (!paused && queue.size() >= HIGH_WATER) {
            paused = true;
            source.pause();
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
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
            resumeIfDrained();
        }
        return true;
    }

    private void resumeIfDrained() {
        if (paused && queue.size() <= LOW_WATER) {
            context.runOnContext(v -> {
                if (paused) {
                    paused = false;
                    source.resume();
                }
            });
        }
    }
}
