package com.mp3converter.mediastore;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import org.bson.BsonDocument;
import org.bson.Document;
import org.bson.types.ObjectId;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * A video read chunk by chunk as its upload stores them: a chunk not yet there is waited for while the upload
 * is open, the stream ends after the last chunk of the completed file, and an upload that was aborted, deleted
 * or left by a dead process ends the read with FileNotFoundException (never a silent short read).
 */
final class ArrivingVideo extends InputStream {

    private final ObjectId id;
    private final MongoCollection<Document> files;
    /** As BsonDocuments: their binary hands over its bytes, where Binary.getData() copies every chunk. */
    private final MongoCollection<BsonDocument> chunks;
    private final Arrivals arrivals;
    private final int batchChunks;
    private final Duration poll;
    private final ArrayDeque<byte[]> fetched = new ArrayDeque<>();
    private volatile long total = -1; // chunks in the file, known once its files document exists
    private volatile long bytesRead;
    private int next;
    private final long endChunk;
    private byte[] current = new byte[0];
    private int position;

    ArrivingVideo(ObjectId id, MongoCollection<Document> files, MongoCollection<Document> chunks, Arrivals arrivals,
                  int batchChunks, Duration poll) {
        this(id, files, chunks, arrivals, batchChunks, poll, 0, Long.MAX_VALUE);
    }

    /** Chunks {@code firstChunk} to {@code endChunk} (exclusive) only: a short range fetches no chunk it does not need. */
    ArrivingVideo(ObjectId id, MongoCollection<Document> files, MongoCollection<Document> chunks, Arrivals arrivals,
                  int batchChunks, Duration poll, int firstChunk, long endChunk) {
        this.next = firstChunk;
        this.endChunk = endChunk;
        this.id = id;
        this.files = files;
        this.chunks = chunks.withDocumentClass(BsonDocument.class);
        this.arrivals = arrivals;
        this.batchChunks = batchChunks;
        this.poll = poll;
    }

    /** True until the whole file is stored (its files document written). */
    boolean arriving() {
        return total < 0;
    }

    long bytesRead() {
        return bytesRead;
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
        while (position == current.length) {
            if (fetched.isEmpty() && !fetch()) {
                return -1;
            }
            current = fetched.poll();
            position = 0;
        }
        int n = Math.min(length, current.length - position);
        System.arraycopy(current, position, buffer, offset, n);
        position += n;
        bytesRead += n;
        return n;
    }

    /** Fetches the next chunks, waiting while they are still to come; false at the end of the file. */
    private boolean fetch() throws IOException {
        while (true) {
            if (total >= 0 && next >= total || next >= endChunk) {
                return false;
            }
            for (BsonDocument chunk : chunks.find(Filters.and(Filters.eq("files_id", id), Filters.gte("n", next)))
                    .sort(Sorts.ascending("n")).limit((int) Math.min(batchChunks, endChunk - next))) {
                if (chunk.getNumber("n").intValue() != next) {
                    break; // a later chunk stored before an earlier one: wait for the gap to fill
                }
                fetched.add(chunk.getBinary("data").getData());
                next++;
            }
            if (!fetched.isEmpty()) {
                return true;
            }
            Document file = files.find(Filters.eq("_id", id)).first();
            if (file != null) {
                long length = ((Number) file.get("length")).longValue();
                int chunkSize = ((Number) file.get("chunkSize")).intValue();
                total = (length + chunkSize - 1) / chunkSize;
                if (next < total && !chunksRemain()) {
                    throw gone();
                }
                continue;
            }
            if (total >= 0 || !arrivals.receiving(id)) {
                if (files.countDocuments(Filters.eq("_id", id)) > 0) {
                    continue; // completed between the two looks
                }
                throw gone();
            }
            pause();
        }
    }

    private boolean chunksRemain() {
        return chunks.countDocuments(Filters.and(Filters.eq("files_id", id), Filters.eq("n", next))) > 0;
    }

    private FileNotFoundException gone() {
        return new FileNotFoundException("video " + id + " is gone: its upload was aborted or the job deleted");
    }

    private void pause() throws InterruptedIOException {
        try {
            Thread.sleep(poll.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the upload");
        }
    }
}
