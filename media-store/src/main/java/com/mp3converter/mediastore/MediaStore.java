package com.mp3converter.mediastore;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoGridFSException;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.gridfs.GridFSBucket;
import com.mongodb.client.gridfs.GridFSBuckets;
import com.mongodb.client.gridfs.GridFSDownloadStream;
import com.mongodb.client.gridfs.GridFSUploadStream;
import com.mongodb.client.gridfs.model.GridFSFile;
import com.mongodb.client.gridfs.model.GridFSUploadOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The media store: GridFS buckets "videos" (written by the gateway, read by the converter) and "mp3s"
 * (written by the converter, served and deleted by the gateway), their indexes, chunking and deletion.
 * A unique index on the MP3's metadata.jobId makes "one MP3 per job" a property of the data, whatever
 * the workers do. Only standard driver APIs, so the same code runs on MongoDB and the embedded server.
 */
@Singleton
public class MediaStore {

    static final String VIDEOS = "videos";
    static final String MP3S = "mp3s";
    /** GridFS' default chunk size, set explicitly because uploads hand over exactly one chunk at a time. */
    private static final int CHUNK_BYTES = 255 * 1024;
    /** Chunks per round trip when reading; bounded so the embedded test server never answers with one oversized batch. */
    private static final int DOWNLOAD_BATCH_CHUNKS = 12;
    /** An MP3 download waits on its client: two chunks (about 0.5 MB) in memory per download, not twelve. */
    private static final int MP3_DOWNLOAD_BATCH_CHUNKS = 2;
    /**
     * A video is read ahead of its consumer, 4 MiB, more than one batch, so the next round trip is hidden; a
     * block per chunk, as the chunk streams hand them on. Every block and batch in flight is converter heap.
     */
    private static final int READ_AHEAD_BLOCK = CHUNK_BYTES;
    private static final int READ_AHEAD_BLOCKS = 16;
    /** Kept between videos: two streams' worth (what is read ahead, the block in hand and the one being filled). */
    private static final ReadAheadInputStream.Blocks READ_AHEAD_POOL =
            new ReadAheadInputStream.Blocks(READ_AHEAD_BLOCK, 2 * (READ_AHEAD_BLOCKS + 2));

    /** Arriving chunks are looked for this often while an upload is open. */
    private static final Duration ARRIVAL_POLL = Duration.ofMillis(25);

    /**
     * A video read as a stream (read ahead on its own thread, from the first call of {@link #content()}), possibly
     * while its upload is still arriving: then the stream waits for each chunk, and {@link #awaitComplete()} for the
     * upload's end.
     */
    public static final class Video implements AutoCloseable {
        private final InputStream source;
        private final ArrivingVideo arriving;
        private volatile long completeBytes;
        private final MediaStore store;
        private final ObjectId id;
        private InputStream content;

        private Video(InputStream source, ArrivingVideo arriving, long completeBytes, MediaStore store, ObjectId id) {
            this.source = source;
            this.arriving = arriving;
            this.completeBytes = completeBytes;
            this.store = store;
            this.id = id;
        }

        /** The whole file, from its first byte; nothing is fetched before the first call. */
        public InputStream content() {
            if (content == null) {
                content = readAhead(source);
            }
            return content;
        }

        /**
         * Up to {@code bytes} of the file's start, read on their own (waiting for them while the upload arrives):
         * deciding how to read a file costs no read-ahead of the rest.
         */
        public byte[] head(int bytes) throws IOException {
            try (InputStream in = store.openVideoRange(id(), 0, bytes)) {
                return in.readNBytes(bytes);
            }
        }

        /** True while the upload is still storing the file's data. */
        public boolean arriving() {
            return arriving != null && arriving.arriving();
        }

        /** The file's size; while it arrives, the bytes read so far. */
        public long sizeBytes() {
            return completeBytes >= 0 ? completeBytes : arriving.bytesRead();
        }

        /**
         * Waits until the upload is complete (data and final metadata) and returns the file's metadata;
         * FileNotFoundException if it was aborted or deleted meanwhile.
         */
        public Document awaitComplete() throws IOException {
            Document file = store.awaitComplete(id);
            completeBytes = ((Number) file.get("length")).longValue();
            Document metadata = file.get("metadata", Document.class);
            return metadata == null ? new Document() : metadata;
        }

        public String id() {
            return id.toHexString();
        }

        @Override
        public void close() throws IOException {
            (content != null ? content : source).close();
        }
    }

    private final MongoDatabase db;
    private final GridFSBucket videos;
    private final GridFSBucket mp3s;
    private final Arrivals arrivals;
    private final Duration uploadStallLimit;

    private static final String UPLOAD_STALL_LIMIT = "PT10M";

    MediaStore(MongoClient mongo, String database) {
        this(mongo, database, Duration.parse(UPLOAD_STALL_LIMIT));
    }

    /**
     * @param uploadStallLimit an open upload nobody wrote to for this long is abandoned: its marker is no longer kept
     *                         alive, so readers give up on it and its chunks are swept. Longer than any pause of a
     *                         running upload (the gateway's idle timeout cuts a silent client off well before).
     */
    @jakarta.inject.Inject
    MediaStore(MongoClient mongo, @ConfigProperty(name = "quarkus.mongodb.database") String database,
               @ConfigProperty(name = "media-store.upload-stall-limit", defaultValue = UPLOAD_STALL_LIMIT) Duration uploadStallLimit) {
        this.uploadStallLimit = uploadStallLimit;
        this.db = mongo.getDatabase(database);
        this.videos = GridFSBuckets.create(db, VIDEOS);
        this.mp3s = GridFSBuckets.create(db, MP3S);
        this.arrivals = new Arrivals(db.getCollection(VIDEOS + ".receiving"));
    }

    void createIndexes(@Observes StartupEvent start) {
        files(MP3S).createIndex(Indexes.ascending("metadata.jobId"), new IndexOptions().unique(true));
        files(MP3S).createIndex(Indexes.ascending(HOLDERS));
    }

    // ---- videos ----------------------------------------------------------------------------------

    /**
     * An upload into "videos", readable by {@link #openVideo} while it arrives; {@link VideoUpload#complete} ends
     * it, {@link VideoUpload#abort()} removes what was written.
     */
    public VideoUpload openVideoUpload(String filename, Document metadata) {
        GridFSUploadStream target = videos.openUploadStream(filename, new GridFSUploadOptions().chunkSizeBytes(CHUNK_BYTES)
                .metadata(metadata));
        VideoUpload upload = new VideoUpload(target, CHUNK_BYTES, new VideoUpload.Ending() {
            @Override
            public void completed(ObjectId id, Document lastMetadata) {
                if (!lastMetadata.isEmpty()) {
                    Document fields = new Document();
                    lastMetadata.forEach((key, value) -> fields.append("metadata." + key, value));
                    files(VIDEOS).updateOne(Filters.eq("_id", id), new Document("$set", fields));
                }
                arrivals.ended(id);
            }

            @Override
            public void aborted(ObjectId id) {
                try {
                    deleteQuietly(videos, id.toHexString());
                } finally {
                    arrivals.ended(id);
                }
            }
        });
        arrivals.started(target.getObjectId(), () -> upload.wroteWithin(uploadStallLimit));
        return upload;
    }

    /**
     * Opens the video for reading, from its first chunk, even while its upload is still arriving;
     * FileNotFoundException if it is gone (job deleted, upload aborted).
     */
    public Video openVideo(String videoId) throws FileNotFoundException {
        ObjectId id = videoId == null || !ObjectId.isValid(videoId) ? null : new ObjectId(videoId);
        // The marker first: an upload that completes between the two looks is then found complete.
        if (id != null && arrivals.receiving(id)) {
            ArrivingVideo arriving = new ArrivingVideo(id, files(VIDEOS), chunks(VIDEOS), arrivals, DOWNLOAD_BATCH_CHUNKS / 2,
                    ARRIVAL_POLL);
            return new Video(arriving, arriving, -1, this, id);
        }
        GridFSFile file = id == null ? null : videos.find(Filters.eq("_id", id)).first();
        if (file == null) {
            throw new FileNotFoundException("video " + videoId + " no longer exists");
        }
        GridFSDownloadStream content = videos.openDownloadStream(file.getObjectId()).batchSize(DOWNLOAD_BATCH_CHUNKS);
        return new Video(content, null, file.getLength(), this, id);
    }

    /**
     * Bytes [from, to) of a video, fetched from the chunk that holds {@code from} to the one that holds the last
     * (so reading a file's end costs no read of its start), waiting for them while the upload arrives;
     * FileNotFoundException if it is gone.
     */
    public InputStream openVideoRange(String videoId, long from, long to) throws IOException {
        ObjectId id = videoId == null || !ObjectId.isValid(videoId) ? null : new ObjectId(videoId);
        boolean receiving = id != null && arrivals.receiving(id); // first: an upload completing meanwhile is found below
        GridFSFile file = id == null ? null : videos.find(Filters.eq("_id", id)).first();
        if (file == null && !receiving) {
            throw new FileNotFoundException("video " + videoId + " no longer exists");
        }
        int chunkSize = file != null ? file.getChunkSize() : CHUNK_BYTES; // an upload in progress: openVideoUpload's
        ArrivingVideo chunks = new ArrivingVideo(id, files(VIDEOS), chunks(VIDEOS), arrivals, DOWNLOAD_BATCH_CHUNKS / 2, ARRIVAL_POLL,
                (int) (from / chunkSize), (to + chunkSize - 1) / chunkSize);
        InputStream in = to - from > READ_AHEAD_BLOCK ? readAhead(chunks) : chunks;
        in.skipNBytes(from % chunkSize);
        return new BoundedInputStream(in, to - from);
    }

    /** The first {@code limit} bytes of a stream; closing it closes the stream. */
    private static final class BoundedInputStream extends java.io.FilterInputStream {
        private long left;

        BoundedInputStream(InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(buffer, offset, (int) Math.min(length, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }

    private static InputStream readAhead(InputStream source) {
        return new ReadAheadInputStream(source, READ_AHEAD_POOL, READ_AHEAD_BLOCKS, "video-read-ahead");
    }

    private Document awaitComplete(ObjectId id) throws IOException {
        while (true) {
            Arrivals.State state = arrivals.state(id);
            Document file = files(VIDEOS).find(Filters.eq("_id", id)).first();
            if (file != null && state == Arrivals.State.NOT_RECEIVING) {
                return file;
            }
            if (file == null && state != Arrivals.State.RECEIVING || state == Arrivals.State.DEAD) {
                throw new FileNotFoundException("video " + id + " is gone: its upload was aborted or the job deleted");
            }
            try {
                Thread.sleep(ARRIVAL_POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for the upload");
            }
        }
    }

    public void deleteVideo(String videoId) {
        deleteQuietly(videos, videoId);
    }

    /**
     * Removes the videos whose upload was left open by a process that died (its marker went stale), and returns
     * their ids. Safe to run from several processes at once.
     */
    public List<String> deleteDeadUploads() {
        List<String> removed = new java.util.ArrayList<>();
        for (ObjectId id : arrivals.dead()) {
            deleteQuietly(videos, id.toHexString());
            arrivals.forget(id);
            removed.add(id.toHexString());
        }
        return removed;
    }

    // ---- MP3s ------------------------------------------------------------------------------------

    public Optional<GridFSFile> findMp3(String mp3Id) {
        if (mp3Id == null || !ObjectId.isValid(mp3Id)) {
            return Optional.empty();
        }
        return Optional.ofNullable(mp3s.find(Filters.eq("_id", new ObjectId(mp3Id))).first());
    }

    public Optional<GridFSFile> findMp3OfJob(String jobId) {
        return Optional.ofNullable(mp3s.find(Filters.eq("metadata.jobId", jobId)).first());
    }

    public GridFSDownloadStream openMp3(ObjectId id) {
        return mp3s.openDownloadStream(id).batchSize(MP3_DOWNLOAD_BATCH_CHUNKS);
    }

    /**
     * Stores the MP3 unless the job already has one, held by that job ({@link #claimMp3}); returns the job's MP3 either
     * way. A race lost to another worker is detected by the unique index, and the loser's chunks are removed.
     */
    public GridFSFile storeMp3(Path mp3, String filename, Document metadata) throws IOException {
        String jobId = metadata.getString("jobId");
        GridFSUploadStream out = mp3s.openUploadStream(filename, new GridFSUploadOptions()
                .metadata(new Document(metadata).append("holders", List.of(jobId))));
        try (InputStream in = Files.newInputStream(mp3)) {
            in.transferTo(out);
        } catch (IOException | RuntimeException e) {
            out.abort();
            throw e;
        }
        try {
            out.close();
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                throw e;
            }
            chunks(MP3S).deleteMany(Filters.eq("files_id", out.getObjectId()));
        }
        return findMp3OfJob(jobId).orElseThrow(() -> new IOException("MP3 of job " + jobId + " not found after storing"));
    }

    /** Deletes every MP3 stored for a job (normally one): one nobody else can hold (a cancelled job's). */
    public void deleteMp3sOfJob(String jobId) {
        for (GridFSFile file : mp3s.find(Filters.eq("metadata.jobId", jobId))) {
            mp3s.delete(file.getObjectId());
        }
    }

    // An MP3 is shared by the jobs that name it (a repeated upload answered with an earlier job's MP3). Its files
    // document lists them in metadata.holders; each change is one atomic update, and an MP3 whose holders went empty
    // can never be held again, so it is deleted by whoever emptied it (or by the sweep, after a crash). So a job is
    // marked DONE with a shared MP3 only after its claim succeeded, and the MP3 outlives every job that claimed it.

    private static final String HOLDERS = "metadata.holders";

    /**
     * Adds {@code jobId} to the MP3's holders, unless the MP3 is gone or going (its holders empty); then its file.
     * Claimed before the job is marked DONE with it; {@link #releaseMp3s} undoes it.
     *
     * @param namedBy the jobs that name an MP3 stored before holders were kept (read once, to list them)
     */
    public Optional<GridFSFile> claimMp3(String mp3Id, String jobId, Function<String, Collection<String>> namedBy) {
        if (mp3Id == null || !ObjectId.isValid(mp3Id)) {
            return Optional.empty();
        }
        ObjectId id = new ObjectId(mp3Id);
        adoptHolders(id, namedBy);
        if (files(MP3S).updateOne(Filters.and(Filters.eq("_id", id), Filters.exists(HOLDERS + ".0")), Updates.addToSet(HOLDERS, jobId))
                .getMatchedCount() == 0) {
            return Optional.empty();
        }
        return findMp3(mp3Id);
    }

    /**
     * Takes {@code jobId} off the holders of every MP3 it holds (its own, one it shared, one a claim that did not end
     * in DONE left), deleting each MP3 no job holds any more.
     *
     * @param mp3Id the MP3 the job names, if any (one stored before holders were kept is listed first)
     */
    public void releaseMp3s(String jobId, String mp3Id, Function<String, Collection<String>> namedBy) {
        if (mp3Id != null && ObjectId.isValid(mp3Id)) {
            adoptHolders(new ObjectId(mp3Id), namedBy);
        }
        for (Document own : files(MP3S).find(Filters.eq("metadata.jobId", jobId)).projection(new Document("_id", 1))) {
            adoptHolders(own.getObjectId("_id"), namedBy);
        }
        for (Document held : files(MP3S).find(Filters.eq(HOLDERS, jobId)).projection(new Document("_id", 1))) {
            Document after = files(MP3S).findOneAndUpdate(Filters.and(Filters.eq("_id", held.getObjectId("_id")), Filters.eq(HOLDERS, jobId)),
                    Updates.pull(HOLDERS, jobId), new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER));
            if (after != null && holders(after).isEmpty()) {
                deleteQuietly(mp3s, after.getObjectId("_id").toHexString());
            }
        }
    }

    /** Deletes the MP3s no job holds whose release was cut short (a crash between the last release and the delete). */
    public int deleteUnheldMp3s() {
        int deleted = 0;
        for (Document unheld : files(MP3S).find(Filters.size(HOLDERS, 0)).projection(new Document("_id", 1))) {
            deleteQuietly(mp3s, unheld.getObjectId("_id").toHexString());
            deleted++;
        }
        return deleted;
    }

    /**
     * An MP3 stored before holders were kept gets them, once: its job and every job naming it. Conditional on having
     * none, so concurrent adoptions write the same list once.
     */
    private void adoptHolders(ObjectId id, Function<String, Collection<String>> namedBy) {
        Document file = files(MP3S).find(Filters.and(Filters.eq("_id", id), Filters.exists(HOLDERS, false))).first();
        if (file == null) {
            return;
        }
        Set<String> holders = new java.util.LinkedHashSet<>();
        Document metadata = file.get("metadata", Document.class);
        if (metadata != null && metadata.getString("jobId") != null) {
            holders.add(metadata.getString("jobId"));
        }
        holders.addAll(namedBy.apply(id.toHexString()));
        files(MP3S).updateOne(Filters.and(Filters.eq("_id", id), Filters.exists(HOLDERS, false)),
                Updates.set(HOLDERS, new java.util.ArrayList<>(holders)));
    }

    private static List<?> holders(Document file) {
        Document metadata = file.get("metadata", Document.class);
        Object holders = metadata == null ? null : metadata.get("holders");
        return holders instanceof List<?> list ? list : List.of();
    }

    // ---- sweeping --------------------------------------------------------------------------------

    /**
     * Removes chunks of both buckets that no files document owns and that nobody has written to since
     * {@code idleSince}: an upload still running writes a chunk every few hundred KB, an abandoned one
     * stopped; and an upload whose marker is fresh (still written to, however slowly) is skipped, however long ago its
     * last chunk was written. (Chunk ids are ObjectIds made when the chunk was written.) Returns how many uploads went.
     * Safe to run from several processes at once: each deletion is rechecked just before it is made.
     */
    public int deleteAbandonedChunks(Instant idleSince) {
        ObjectId cutoff = new ObjectId(Date.from(idleSince));
        Set<ObjectId> stillArriving = arrivals.alive(); // however slowly: their marker is kept alive while written to
        int deleted = 0;
        for (String bucket : List.of(VIDEOS, MP3S)) {
            MongoCollection<Document> files = files(bucket);
            MongoCollection<Document> chunks = chunks(bucket);
            // Two index-only listings and a set difference, so only the orphans cost a query each.
            Set<ObjectId> owned = files.distinct("_id", Filters.lt("_id", cutoff), ObjectId.class).into(new HashSet<>());
            for (ObjectId fileId : chunks.distinct("files_id", Filters.lt("files_id", cutoff), ObjectId.class)) {
                if (owned.contains(fileId) || stillArriving.contains(fileId)) {
                    continue;
                }
                Document newest = chunks.find(Filters.eq("files_id", fileId)).sort(Sorts.descending("_id")).first();
                if (newest != null && newest.getObjectId("_id").compareTo(cutoff) < 0
                        && files.countDocuments(Filters.eq("_id", fileId)) == 0) { // not completed meanwhile
                    chunks.deleteMany(Filters.eq("files_id", fileId));
                    deleted++;
                }
            }
        }
        return deleted;
    }

    private MongoCollection<Document> files(String bucket) {
        return db.getCollection(bucket + ".files");
    }

    private MongoCollection<Document> chunks(String bucket) {
        return db.getCollection(bucket + ".chunks");
    }

    private static void deleteQuietly(GridFSBucket bucket, String id) {
        if (id == null || !ObjectId.isValid(id)) {
            return;
        }
        try {
            bucket.delete(new ObjectId(id));
        } catch (MongoGridFSException alreadyGone) {
            // deleting twice is fine
        }
    }
}
