package com.mp3converter.mediastore;

import com.mongodb.client.gridfs.GridFSUploadStream;
import org.bson.Document;
import org.bson.types.ObjectId;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A GridFS upload written on its own thread, at most a few chunks behind the caller.
 * <p>
 * GridFS stores each chunk with a round trip that blocks the writer until the server has it; written
 * directly, receiving and hashing the body stopped for every one of them and the two cores took turns.
 * Here the caller fills the next chunk while the previous ones are being stored, in one of a few
 * buffers that go round (so memory is bounded and a large upload makes no garbage). The first storage
 * failure is thrown by the next call.
 * <p>
 * A converter may read the chunks while they are being stored; the upload is complete for it only once
 * {@link #complete(Document)} has stored the file and the facts known at its end.
 */
public final class VideoUpload extends OutputStream {

    /** One being filled, the rest being stored or waiting to be. */
    private static final int BUFFERS = 4;

    /** What the store does when an upload ends (marks it complete or gone for readers). */
    interface Ending {
        Ending NONE = new Ending() {
            @Override
            public void completed(ObjectId id, Document lastMetadata) {
            }

            @Override
            public void aborted(ObjectId id) {
            }
        };

        void completed(ObjectId id, Document lastMetadata);

        /**
         * The upload will not complete: delete what of it may be stored (a completion that failed may have written
         * its files document), then mark it gone for readers.
         */
        void aborted(ObjectId id);
    }

    private final GridFSUploadStream target;
    private final int chunkSize;
    private final Ending ending;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "gridfs-video-writer");
        t.setDaemon(true);
        return t;
    });
    private final BlockingQueue<byte[]> freeBuffers = new ArrayBlockingQueue<>(BUFFERS);
    private volatile Throwable failure;
    /** When the caller last handed over bytes: an upload nobody writes to any more lets its marker go stale. */
    private volatile long lastWriteNanos = System.nanoTime();
    private byte[] chunk;
    private int filled;

    VideoUpload(GridFSUploadStream target, int chunkSize) {
        this(target, chunkSize, Ending.NONE);
    }

    VideoUpload(GridFSUploadStream target, int chunkSize, Ending ending) {
        this.ending = ending;
        this.target = target;
        this.chunkSize = chunkSize;
        this.chunk = new byte[chunkSize];
        for (int i = 1; i < BUFFERS; i++) {
            freeBuffers.add(new byte[chunkSize]);
        }
    }

    public ObjectId getObjectId() {
        return target.getObjectId();
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    /**
     * True if bytes were written within {@code stall}. An upload left open by a caller that stopped writing (stuck,
     * or lost without complete or abort) is abandoned after that: its marker is no longer kept alive.
     */
    boolean wroteWithin(java.time.Duration stall) {
        return System.nanoTime() - lastWriteNanos < stall.toNanos();
    }

    @Override
    public void write(byte[] data, int offset, int length) throws IOException {
        lastWriteNanos = System.nanoTime();
        while (length > 0) {
            int n = Math.min(length, chunkSize - filled);
            System.arraycopy(data, offset, chunk, filled, n);
            filled += n;
            offset += n;
            length -= n;
            if (filled == chunkSize) {
                handOver();
            }
        }
    }

    private void handOver() throws IOException {
        rethrowFailure();
        byte[] full = chunk;
        int size = filled;
        writer.execute(() -> {
            try {
                if (failure == null) {
                    target.write(full, 0, size); // copies it: the buffer can go round again
                }
            } catch (Throwable e) {
                failure = e;
            } finally {
                freeBuffers.add(full);
            }
        });
        try {
            chunk = freeBuffers.take(); // waits while all the others are being stored
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while storing the upload");
        }
        filled = 0;
    }

    /** Completes the upload with no further metadata. */
    @Override
    public void close() throws IOException {
        complete(new Document());
    }

    /**
     * Stores the rest, writes the files document, then adds {@code lastMetadata} (facts known only at the end,
     * such as the content hash); from then on readers see the upload complete.
     */
    public void complete(Document lastMetadata) throws IOException {
        if (writer.isShutdown()) {
            return;
        }
        if (filled > 0) {
            handOver();
        }
        finish(() -> {
            if (failure == null) {
                target.close();
            }
        });
        rethrowFailure();
        ending.completed(target.getObjectId(), lastMetadata);
    }

    /**
     * Drops the upload: what was stored of it is deleted. Throws if storage cannot be reached; readers are told it
     * ended all the same, so none waits for an upload nobody will complete.
     */
    public void abort() throws IOException {
        try {
            if (!writer.isShutdown()) { // else a completion failed or ran: the writer thread is done
                finish(target::abort);
            }
        } finally {
            ending.aborted(target.getObjectId());
        }
    }

    /** Runs the last step on the writer thread, after every chunk handed over, and stops the thread. */
    private void finish(Runnable last) throws IOException {
        Future<?> done = writer.submit(last);
        writer.shutdown();
        try {
            done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while storing the upload");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException storageFailure) {
                throw storageFailure;
            }
            throw new IOException(e.getCause());
        }
    }

    private void rethrowFailure() throws IOException {
        Throwable e = failure;
        if (e instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (e instanceof IOException io) {
            throw io;
        }
        if (e != null) {
            throw new IOException(e);
        }
    }
}
