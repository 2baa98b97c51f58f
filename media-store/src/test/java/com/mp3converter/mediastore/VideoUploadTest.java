package com.mp3converter.mediastore;

import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.gridfs.GridFSBucket;
import com.mongodb.client.gridfs.GridFSBuckets;
import com.mongodb.client.gridfs.model.GridFSUploadOptions;
import com.mongodb.client.model.Filters;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VideoUploadTest {

    private static final int CHUNK = 1024;

    private MongoServer server;
    private MongoClient client;
    private MongoDatabase db;
    private GridFSBucket bucket;

    @BeforeEach
    void startServer() {
        server = new MongoServer(new MemoryBackend());
        client = MongoClients.create("mongodb://127.0.0.1:" + server.bind().getPort() + "/?serverSelectionTimeoutMS=2000");
        db = client.getDatabase("test");
        bucket = GridFSBuckets.create(db, "videos");
    }

    @AfterEach
    void stopServer() {
        client.close();
        server.shutdownNow();
    }

    private VideoUpload open() {
        return open(VideoUpload.Ending.NONE);
    }

    private VideoUpload open(VideoUpload.Ending ending) {
        return new VideoUpload(bucket.openUploadStream("v", new GridFSUploadOptions().chunkSizeBytes(CHUNK)), CHUNK, ending);
    }

    @Test
    void storesWhatWasWrittenInOrderWhateverTheWriteSizes() throws IOException {
        byte[] content = new byte[50 * CHUNK + 77];
        new Random(3).nextBytes(content);
        VideoUpload upload = open();
        int offset = 0;
        for (int size = 1; offset < content.length; size = size * 3 % 2500 + 1) {
            int n = Math.min(size, content.length - offset);
            upload.write(content, offset, n);
            offset += n;
        }
        upload.close();

        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        bucket.downloadToStream(upload.getObjectId(), stored);
        assertThat(stored.toByteArray()).isEqualTo(content);
    }

    @Test
    void abortingRemovesEveryChunkStoredSoFar() throws IOException {
        VideoUpload upload = open();
        upload.write(new byte[20 * CHUNK + 5]);
        upload.abort();

        assertThat(db.getCollection("videos.chunks").countDocuments(Filters.eq("files_id", upload.getObjectId()))).isZero();
        assertThat(db.getCollection("videos.files").countDocuments()).isZero();
    }

    @Test
    void aStorageFailureReachesTheWriterInsteadOfHanging() {
        VideoUpload upload = open();
        server.shutdownNow();

        assertThatThrownBy(() -> {
            for (int i = 0; i < 100; i++) {
                upload.write(new byte[CHUNK]);
            }
            upload.close();
        }).isInstanceOf(MongoException.class);
    }

    @Test
    void anAbortThatCannotReachStorageStillEndsTheUploadForReaders() throws IOException {
        List<ObjectId> ended = new CopyOnWriteArrayList<>();
        VideoUpload upload = open(new VideoUpload.Ending() {
            @Override
            public void completed(ObjectId id, Document lastMetadata) {
                ended.add(id);
            }

            @Override
            public void aborted(ObjectId id) {
                ended.add(id);
            }
        });
        upload.write(new byte[3 * CHUNK]);
        server.shutdownNow();

        assertThatThrownBy(upload::abort).isInstanceOf(MongoException.class);
        assertThat(ended).as("told the upload is over, so its marker is no longer kept alive").containsExactly(upload.getObjectId());
    }
}
