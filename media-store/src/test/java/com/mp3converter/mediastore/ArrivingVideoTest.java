package com.mp3converter.mediastore;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandSucceededEvent;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.bson.BsonDocument;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.FileNotFoundException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ArrivingVideoTest {

    private MongoServer server;
    private MongoClient client;
    private MediaStore store;
    /** Video chunks the server has sent the store. */
    private final AtomicInteger chunksFetched = new AtomicInteger();

    @BeforeEach
    void startServer() {
        server = new MongoServer(new MemoryBackend());
        CommandListener countChunks = new CommandListener() {
            @Override
            public void commandSucceeded(CommandSucceededEvent event) {
                BsonDocument cursor = event.getResponse().getDocument("cursor", null);
                if (cursor != null && cursor.getString("ns").getValue().endsWith(".videos.chunks")) {
                    String batch = cursor.containsKey("firstBatch") ? "firstBatch" : "nextBatch";
                    chunksFetched.addAndGet(cursor.getArray(batch).size());
                }
            }
        };
        client = MongoClients.create(MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString("mongodb://127.0.0.1:" + server.bind().getPort() + "/?serverSelectionTimeoutMS=2000"))
                .addCommandListener(countChunks).build());
        store = new MediaStore(client, "test");
    }

    @AfterEach
    void stopServer() {
        client.close();
        server.shutdownNow();
    }

    @Test
    void aVideoIsReadWhileItsUploadArrivesAndEndsWithItsLastByte() throws Exception {
        byte[] content = new byte[3_000_000];
        new Random(7).nextBytes(content);
        VideoUpload upload = store.openVideoUpload("v.mp4", new Document("jobId", "j"));
        upload.write(content, 0, 1_000_000);
        MediaStore.Video video = store.openVideo(upload.getObjectId().toHexString());
        assertThat(video.arriving()).isTrue();
        byte[] firstPart = video.content().readNBytes(500_000); // what is stored so far, before the upload ends
        assertThat(firstPart).isEqualTo(Arrays.copyOf(content, 500_000));

        CompletableFuture<byte[]> rest = CompletableFuture.supplyAsync(() -> {
            try {
                return video.content().readAllBytes();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        assertThat(rest).as("waits for the rest instead of ending early").isNotDone();
        upload.write(content, 1_000_000, content.length - 1_000_000);
        upload.complete(new Document("sha256", "abc"));
        assertThat(rest.get(10, TimeUnit.SECONDS)).isEqualTo(Arrays.copyOfRange(content, 500_000, content.length));
        assertThat(video.awaitComplete().getString("sha256")).isEqualTo("abc");
        assertThat(video.arriving()).isFalse();
        assertThat(video.sizeBytes()).isEqualTo(content.length);
        video.close();
    }

    @Test
    void anAbortedUploadEndsItsReadersWithFileNotFoundNotAShortRead() throws Exception {
        byte[] content = new byte[1_000_000];
        new Random(8).nextBytes(content);
        VideoUpload upload = store.openVideoUpload("v.mp4", new Document("jobId", "j"));
        upload.write(content, 0, content.length);
        MediaStore.Video video = store.openVideo(upload.getObjectId().toHexString());
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
            try {
                return video.content().readAllBytes();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        upload.abort();
        assertThatThrownBy(() -> read.get(10, TimeUnit.SECONDS)).hasRootCauseInstanceOf(FileNotFoundException.class);
        assertThatThrownBy(video::awaitComplete).isInstanceOf(FileNotFoundException.class);
        assertThatThrownBy(() -> store.openVideo(upload.getObjectId().toHexString())).isInstanceOf(FileNotFoundException.class);
    }

    @Test
    void anUploadAbortedAfterItsCompletionLeavesNoVideoBehind() throws Exception {
        VideoUpload upload = store.openVideoUpload("v.mp4", new Document("jobId", "j"));
        upload.write(new byte[600_000]);
        upload.complete(new Document("sha256", "x")); // then its job could not be released: the upload is dropped
        upload.abort();

        assertThatThrownBy(() -> store.openVideo(upload.getObjectId().toHexString())).isInstanceOf(FileNotFoundException.class);
        assertThat(client.getDatabase("test").getCollection("videos.chunks").countDocuments()).as("chunks left").isZero();
    }

    @Test
    void aRangeOrAHeadFetchesOnlyTheChunksThatHoldItAndOpeningAVideoFetchesNothing() throws Exception {
        byte[] content = new byte[3_000_000]; // 12 chunks of 255 KiB
        new Random(9).nextBytes(content);
        VideoUpload upload = store.openVideoUpload("v.mp4", new Document("jobId", "j"));
        upload.write(content, 0, 1_000_000);
        String id = upload.getObjectId().toHexString();
        chunksFetched.set(0);

        MediaStore.Video video = store.openVideo(id);
        assertThat(video.head(64 * 1024)).as("the head of an upload still arriving").isEqualTo(Arrays.copyOf(content, 64 * 1024));
        assertThat(chunksFetched).as("chunks fetched for the head").hasValue(1);

        upload.write(content, 1_000_000, content.length - 1_000_000);
        upload.complete(new Document());
        chunksFetched.set(0);
        try (InputStream end = store.openVideoRange(id, 2_700_000, 2_700_016)) {
            assertThat(end.readAllBytes()).isEqualTo(Arrays.copyOfRange(content, 2_700_000, 2_700_016));
        }
        assertThat(chunksFetched).as("chunks fetched for 16 bytes near the end").hasValue(1);
        try (InputStream across = store.openVideoRange(id, 255 * 1024 - 8, 255 * 1024 + 8)) {
            assertThat(across.readAllBytes()).isEqualTo(Arrays.copyOfRange(content, 255 * 1024 - 8, 255 * 1024 + 8));
        }
        assertThat(chunksFetched).as("and for 16 bytes across a chunk boundary").hasValue(3);
        video.close();
        assertThat(chunksFetched).as("a video opened but never read").hasValue(3);
    }
}
