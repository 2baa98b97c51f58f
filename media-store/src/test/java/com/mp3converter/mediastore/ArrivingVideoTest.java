package com.mp3converter.mediastore;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.FileNotFoundException;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ArrivingVideoTest {

    private MongoServer server;
    private MongoClient client;
    private MediaStore store;

    @BeforeEach
    void startServer() {
        server = new MongoServer(new MemoryBackend());
        client = MongoClients.create("mongodb://127.0.0.1:" + server.bind().getPort() + "/?serverSelectionTimeoutMS=2000");
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
}
