package com.mp3converter.converter.storage;

import com.mongodb.ErrorCategory;
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
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads videos from GridFS "videos" and writes MP3s to "mp3s". A unique index on the MP3's
 * metadata.jobId makes "one MP3 per job" a property of the data, whatever the workers do.
 */
@ApplicationScoped
public class MediaStorage {

    /** Bounded so the embedded test server never answers with one oversized batch. */
    private static final int DOWNLOAD_BATCH_CHUNKS = 32;
    /** Read ahead of the consumer: 8 MiB per job, more than one batch, so the next round trip is hidden. */
    private static final int READ_AHEAD_BLOCK = 256 * 1024;
    private static final int READ_AHEAD_BLOCKS = 32;

    private final GridFSBucket videos;
    private final GridFSBucket mp3s;
    private final MongoCollection<Document> mp3Files;
    private final MongoCollection<Document> mp3Chunks;

    MediaStorage(MongoClient mongo, @ConfigProperty(name = "quarkus.mongodb.database") String database) {
        MongoDatabase db = mongo.getDatabase(database);
        this.videos = GridFSBuckets.create(db, "videos");
        this.mp3s = GridFSBuckets.create(db, "mp3s");
        this.mp3Files = db.getCollection("mp3s.files");
        this.mp3Chunks = db.getCollection("mp3s.chunks");
    }

    void createIndexes(@Observes StartupEvent start) {
        mp3Files.createIndex(Indexes.ascending("metadata.jobId"), new IndexOptions().unique(true));
    }

    public Optional<GridFSFile> findMp3OfJob(String jobId) {
        return Optional.ofNullable(mp3s.find(Filters.eq("metadata.jobId", jobId)).first());
    }

    /** A stored video, read as a stream (read ahead on its own thread). */
    public record Video(InputStream content, long sizeBytes) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            content.close();
        }
    }

    /** Opens the video for reading; FileNotFoundException if it is gone (job deleted). */
    public Video openVideo(String videoId) throws FileNotFoundException {
        GridFSFile file = videoId == null || !ObjectId.isValid(videoId) ? null
                : videos.find(Filters.eq("_id", new ObjectId(videoId))).first();
        if (file == null) {
            throw new FileNotFoundException("video " + videoId + " no longer exists");
        }
        GridFSDownloadStream content = videos.openDownloadStream(file.getObjectId()).batchSize(DOWNLOAD_BATCH_CHUNKS);
        return new Video(new ReadAheadInputStream(content, READ_AHEAD_BLOCK, READ_AHEAD_BLOCKS, "video-read-ahead"),
                file.getLength());
    }

    /**
     * Stores the MP3 unless the job already has one; returns the job's MP3 either way. A race lost to
     * another worker is detected by the unique index, and the loser's chunks are removed.
     */
    public GridFSFile storeMp3(Path mp3, String filename, Document metadata) throws IOException {
        String jobId = metadata.getString("jobId");
        GridFSUploadStream out = mp3s.openUploadStream(filename, new GridFSUploadOptions().metadata(metadata));
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
            mp3Chunks.deleteMany(Filters.eq("files_id", out.getObjectId()));
        }
        return findMp3OfJob(jobId).orElseThrow(() -> new IOException("MP3 of job " + jobId + " not found after storing"));
    }
}
