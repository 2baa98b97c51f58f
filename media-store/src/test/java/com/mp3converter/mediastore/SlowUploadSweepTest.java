package com.mp3converter.mediastore;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The orphan-chunk sweep keeps the chunks of an upload that is still being written to, however slowly (its marker
 * is fresh), and takes those of an upload nobody writes to any more (its marker goes stale).
 */
class SlowUploadSweepTest {

    private static final Duration STALL_LIMIT = Duration.ofSeconds(1);

    private MongoServer server;
    private MongoClient client;
    private MongoDatabase db;
    private MediaStore store;
    private final ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();

    @BeforeEach
    void startServer() {
        server = new MongoServer(new MemoryBackend());
        client = MongoClients.create("mongodb://127.0.0.1:" + server.bind().getPort() + "/?serverSelectionTimeoutMS=2000");
        db = client.getDatabase("test");
        store = new MediaStore(client, "test", STALL_LIMIT);
    }

    @AfterEach
    void stopServer() {
        trickle.shutdownNow();
        client.close();
        server.shutdownNow();
    }

    private long chunksOf(VideoUpload upload) {
        return db.getCollection("videos.chunks").countDocuments(Filters.eq("files_id", upload.getObjectId()));
    }

    private Date markerOf(VideoUpload upload) {
        Document marker = db.getCollection("videos.receiving").find(Filters.eq("_id", upload.getObjectId())).first();
        return marker == null ? null : marker.getDate("aliveAt");
    }

    @Test
    void aSlowUploadKeepsItsChunksAndAnAbandonedOneLosesThem() throws Exception {
        VideoUpload slow = store.openVideoUpload("slow.mp4", new Document());
        VideoUpload abandoned = store.openVideoUpload("abandoned.mp4", new Document());
        byte[] chunk = new byte[255 * 1024];
        slow.write(chunk);
        abandoned.write(chunk);
        trickle.scheduleWithFixedDelay(() -> {
            try {
                slow.write(new byte[16]); // a few bytes now and then: never a whole chunk
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, 0, 200, TimeUnit.MILLISECONDS);
        await(Duration.ofSeconds(10), () -> chunksOf(slow) == 1 && chunksOf(abandoned) == 1);
        Thread.sleep(STALL_LIMIT.toMillis() * 2); // the abandoned one has stalled past the limit

        // An hour passes: both markers as the keep-alive last wrote them an hour ago; the live one is refreshed again.
        Date hourAgo = Date.from(Instant.now().minus(Duration.ofHours(1)));
        db.getCollection("videos.receiving").updateMany(new Document(), Updates.set("aliveAt", hourAgo));
        await(Duration.ofSeconds(20), () -> markerOf(slow).after(hourAgo));
        assertThat(markerOf(abandoned)).as("nobody writes to it: not kept alive").isEqualTo(hourAgo);

        store.deleteAbandonedChunks(Instant.now().plus(Duration.ofMinutes(1))); // every chunk written before the grace
        assertThat(chunksOf(slow)).as("still arriving, slower than the grace").isEqualTo(1);
        assertThat(chunksOf(abandoned)).as("abandoned").isZero();

        trickle.shutdownNow();
        trickle.awaitTermination(5, TimeUnit.SECONDS);
        slow.complete(new Document());
        assertThat(markerOf(slow)).as("completed: no marker").isNull();
    }

    private static void await(Duration atMost, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited %s", atMost).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
