package com.mp3converter.mediastore;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads a source on its own thread, up to a bounded number of blocks ahead of the consumer.
 * <p>
 * A GridFS download fetches one batch of chunks per round trip and returns nothing while it waits, and
 * ffmpeg's stdin pipe holds only 64 KiB: read directly, ffmpeg idled on every round trip. With the next
 * blocks already here, the storage round trips overlap the encoding. Memory stays bounded by
 * {@code blocks * blockSize}, and the blocks come from a {@link Blocks} pool shared by the streams: once the first
 * streams have run, reading a video allocates no buffers, so the collector is not kept busy (fresh blocks lived
 * just long enough to be promoted, and every conversion left megabytes of them in the old generation).
 */
public final class ReadAheadInputStream extends InputStream {

    private record Block(byte[] data, int length) {
    }

    private static final Block END = new Block(new byte[0], 0);
    /** Queued by close(), so a consumer waiting on another thread is released (with an error, not a short read). */
    private static final Block CLOSED = new Block(new byte[0], 0);

    /** Buffers of one size for the streams to fill, kept (up to a bound) when a stream is done with them. */
    public static final class Blocks {
        private final int blockSize;
        private final BlockingQueue<byte[]> free;

        public Blocks(int blockSize, int kept) {
            this.blockSize = blockSize;
            this.free = new ArrayBlockingQueue<>(kept);
        }

        byte[] take() {
            byte[] block = free.poll();
            return block != null ? block : new byte[blockSize];
        }

        void giveBack(byte[] block) {
            if (block.length == blockSize) {
                free.offer(block);
            }
        }
    }

    private final BlockingQueue<Block> blocks;
    private final Blocks pool;
    private final Thread reader;
    private volatile IOException failure;
    private volatile boolean closed;
    private Block current = new Block(new byte[0], 0);
    private int position;

    public ReadAheadInputStream(InputStream source, Blocks pool, int blocksAhead, String threadName) {
        this.blocks = new ArrayBlockingQueue<>(blocksAhead);
        this.pool = pool;
        this.reader = new Thread(() -> fill(source), threadName);
        reader.setDaemon(true);
        reader.start();
    }

    private void fill(InputStream source) {
        try (source) {
            while (!closed) {
                // What the source has now, up to a block: a source still arriving hands on each chunk as it comes.
                byte[] block = pool.take();
                int n = source.read(block);
                if (n < 0) {
                    pool.giveBack(block);
                    break;
                }
                blocks.put(new Block(block, n));
            }
        } catch (IOException e) {
            failure = e;
        } catch (RuntimeException e) { // the driver reports storage failures unchecked
            failure = new IOException(e.getMessage(), e);
        } catch (InterruptedException e) {
            return; // closed: close() queued CLOSED
        }
        try {
            if (!closed) {
                blocks.put(END);
            }
        } catch (InterruptedException closedMeanwhile) {
            // close() queued CLOSED
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (position == current.length()) {
            if (current == END) {
                return -1;
            }
            if (current != CLOSED) {
                pool.giveBack(current.data());
                current = take();
                position = 0;
            }
            if (current == CLOSED) {
                throw new IOException("the read-ahead stream was closed");
            }
            if (current == END) {
                if (failure != null) {
                    throw failure;
                }
                return -1;
            }
        }
        int n = Math.min(length, current.length() - position);
        System.arraycopy(current.data(), position, buffer, offset, n);
        position += n;
        return n;
    }

    private Block take() throws IOException {
        try {
            return blocks.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading ahead");
        }
    }

    /**
     * Stops the reader thread (it closes the source), gives back the blocks nobody read (not the one in hand, which
     * a consumer on another thread may still be copying from) and ends a read waiting for the next one.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        reader.interrupt();
        do { // the reader may queue one more block before it sees the interrupt
            for (Block unread; (unread = blocks.poll()) != null; ) {
                pool.giveBack(unread.data());
            }
        } while (!blocks.offer(CLOSED));
    }
}
