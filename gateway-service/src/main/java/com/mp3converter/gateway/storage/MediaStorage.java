package com.mp3converter.gateway.storage;

import com.mongodb.MongoGridFSException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.gridfs.GridFSBucket;
import com.mongodb.client.gridfs.GridFSBuckets;
import com.mongodb.client.gridfs.GridFSDownloadStream;
import com.mongodb.client.gridfs.model.GridFSFile;
import com.mongodb.client.gridfs.model.GridFSUploadOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import jakarta.enterprise.context.ApplicationScoped;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Instant;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * GridFS buckets "videos" (written here) and "mp3s" (written by converter-service, read here).
 * Only standard driver APIs, so the same code runs on MongoDB and on the embedded test server.
 */
@ApplicationScoped
public class MediaStorage {

    /** GridFS' default chunk size, set explicitly because uploads hand over exactly one chunk at a time. */
    private static final int CHUNK_BYTES = 255 * 1024;
    /** A download asks for this many chunks per round trip. */
    private static final int DOWNLOAD_BATCH_CHUNKS = 32;

    private final GridFSBucket videos;
    private final GridFSBucket mp3s;
    private final MongoDatabase db;
    private final MongoCollection<Document> videoFiles;
    private final MongoCollection<Document> mp3Files;

    MediaStorage(MongoClient mongo, @ConfigProperty(name = "quarkus.mongodb.database") String database) {
        this.db = mongo.getDatabase(database);
        this.videos = GridFSBuckets.create(db, "videos");
        this.mp3s = GridFSBuckets.create(db, "mp3s");
        this.videoFiles = db.getCollection("videos.files");
        this.mp3Files = db.getCollection("mp3s.files");
    }

    /**
     * Removes chunks of both buckets that no files document owns and that nobody has written to since
     * {@code idleSince}: an upload still running writes a chunk every few hundred KB, an abandoned one
     * stopped. (Chunk ids are ObjectIds made when the chunk was written.) Returns how many uploads went.
     */
    public int deleteAbandonedChunks(Instant idleSince) {
        ObjectId cutoff = new ObjectId(Date.from(idleSince));
        int deleted = 0;
        for (MongoCollection<Document> files : List.of(videoFiles, mp3Files)) {
            MongoCollection<Document> chunks = db.getCollection(files.getNamespace().getCollectionName().replace(".files", ".chunks"));
            // Two index-only listings and a set difference, so only the orphans cost a query each.
            Set<ObjectId> owned = files.distinct("_id", Filters.lt("_id", cutoff), ObjectId.class).into(new HashSet<>());
            for (ObjectId fileId : chunks.distinct("files_id", Filters.lt("files_id", cutoff), ObjectId.class)) {
                if (owned.contains(fileId)) {
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

    /** An upload into "videos"; {@link VideoUpload#abort()} removes what was written. */
    public VideoUpload openVideoUpload(String filename, Document metadata) {
        return new VideoUpload(videos.openUploadStream(filename, new GridFSUploadOptions().chunkSizeBytes(CHUNK_BYTES)
                .metadata(metadata)), CHUNK_BYTES);
    }

    /** Adds facts known only once the upload ended (size is in the files document already). */
    public void completeVideoMetadata(ObjectId videoId, String sha256) {
        videoFiles.updateOne(Filters.eq("_id", videoId), Updates.set("metadata.sha256", sha256));
    }

    public Optional<GridFSFile> findMp3(String mp3Id) {
        if (!ObjectId.isValid(mp3Id)) {
            return Optional.empty();
        }
        return Optional.ofNullable(mp3s.find(Filters.eq("_id", new ObjectId(mp3Id))).first());
    }

    public GridFSDownloadStream openMp3(ObjectId id) {
        // mongo-java-server answers a chunk query in one reply unless the batch is bounded.
        return mp3s.openDownloadStream(id).batchSize(DOWNLOAD_BATCH_CHUNKS);
    }

    public void deleteVideo(String videoId) {
        deleteQuietly(videos, videoId);
    }

    /** Deletes every MP3 stored for a job (normally one). */
    public void deleteMp3sOfJob(String jobId) {
        for (GridFSFile file : mp3s.find(Filters.eq("metadata.jobId", jobId))) {
            mp3s.delete(file.getObjectId());
        }
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
