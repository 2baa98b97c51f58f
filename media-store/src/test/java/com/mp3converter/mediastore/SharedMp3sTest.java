package com.mp3converter.mediastore;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
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

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A shared MP3 outlives every job that claimed it, whichever order a claim (a repeat upload) and a release (a
 * delete) take: each interleaving of their steps is played here one by one.
 */
class SharedMp3sTest {

    private static final Function<String, Collection<String>> NO_OTHER_NAMES = mp3Id -> List.of();

    private MongoServer server;
    private MongoClient client;
    private MongoDatabase db;
    private MediaStore store;

    @BeforeEach
    void startServer() {
        server = new MongoServer(new MemoryBackend());
        client = MongoClients.create("mongodb://127.0.0.1:" + server.bind().getPort() + "/?serverSelectionTimeoutMS=2000");
        db = client.getDatabase("test");
        store = new MediaStore(client, "test");
        store.createIndexes(null);
    }

    @AfterEach
    void stopServer() {
        client.close();
        server.shutdownNow();
    }

    private String storeMp3Of(String jobId) throws IOException {
        Path file = Files.createTempFile("shared", ".mp3");
        try {
            Files.write(file, new byte[]{1, 2, 3, 4});
            return store.storeMp3(file, "a.mp3", new Document("jobId", jobId)).getObjectId().toHexString();
        } finally {
            Files.delete(file);
        }
    }

    private boolean stored(String mp3Id) {
        return store.findMp3(mp3Id).isPresent()
                && db.getCollection("mp3s.chunks").countDocuments(Filters.eq("files_id", new ObjectId(mp3Id))) > 0;
    }

    @Test
    void aClaimBeforeTheEarlierJobIsDeletedKeepsTheMp3ForTheRepeat() throws IOException {
        String mp3 = storeMp3Of("earlier");
        assertThat(store.claimMp3(mp3, "repeat", NO_OTHER_NAMES)).isPresent();
        store.releaseMp3s("earlier", mp3, NO_OTHER_NAMES);
        assertThat(stored(mp3)).as("the repeat still holds it").isTrue();

        store.releaseMp3s("repeat", mp3, NO_OTHER_NAMES);
        assertThat(stored(mp3)).as("gone with its last holder").isFalse();
    }

    @Test
    void aClaimAfterTheLastHolderLetGoFailsSoTheRepeatConvertsInstead() throws IOException {
        String mp3 = storeMp3Of("earlier");
        store.releaseMp3s("earlier", mp3, NO_OTHER_NAMES);
        assertThat(store.claimMp3(mp3, "repeat", NO_OTHER_NAMES)).isEmpty();
        assertThat(stored(mp3)).isFalse();
    }

    @Test
    void aClaimBetweenTheLastReleaseAndTheDeletionItCausesFails() throws IOException {
        String mp3 = storeMp3Of("earlier");
        // The release's first step (holders emptied) without its second (the deletion): a crash, or a claim in between.
        db.getCollection("mp3s.files").updateOne(Filters.eq("_id", new ObjectId(mp3)),
                new Document("$pull", new Document("metadata.holders", "earlier")));

        assertThat(store.claimMp3(mp3, "repeat", NO_OTHER_NAMES)).as("an MP3 nobody holds is never held again").isEmpty();
        assertThat(store.deleteUnheldMp3s()).as("the sweep finishes the deletion").isEqualTo(1);
        assertThat(stored(mp3)).isFalse();
    }

    @Test
    void aClaimWhoseJobWasNotMarkedDoneIsReleasedWithThatJob() throws IOException {
        String mp3 = storeMp3Of("earlier");
        store.claimMp3(mp3, "repeat-that-crashed", NO_OTHER_NAMES);
        store.releaseMp3s("earlier", mp3, NO_OTHER_NAMES);
        store.releaseMp3s("repeat-that-crashed", null, NO_OTHER_NAMES); // it names no MP3: found by its hold
        assertThat(stored(mp3)).isFalse();
    }

    @Test
    void anMp3StoredBeforeHoldersWereKeptIsHeldByItsJobAndEveryJobNamingIt() {
        ObjectId legacy = GridFSBuckets.create(db, "mp3s").uploadFromStream("old.mp3", new ByteArrayInputStream(new byte[]{5}),
                new GridFSUploadOptions().metadata(new Document("jobId", "earlier")));
        Function<String, Collection<String>> named = mp3Id -> List.of("earlier", "old-repeat");

        store.releaseMp3s("earlier", legacy.toHexString(), named);
        assertThat(stored(legacy.toHexString())).as("an older repeat still names it").isTrue();
        assertThat(store.claimMp3(legacy.toHexString(), "new-repeat", named)).isPresent();
        store.releaseMp3s("old-repeat", legacy.toHexString(), named);
        store.releaseMp3s("new-repeat", legacy.toHexString(), named);
        assertThat(stored(legacy.toHexString())).isFalse();
    }

    @Test
    void manyConcurrentClaimsAndReleasesNeverLeaveAClaimantWithoutItsMp3() throws Exception {
        for (int round = 0; round < 20; round++) {
            String mp3 = storeMp3Of("earlier-" + round);
            String earlier = "earlier-" + round;
            java.util.concurrent.CompletableFuture<Boolean> claimed = java.util.concurrent.CompletableFuture.supplyAsync(() ->
                    store.claimMp3(mp3, "repeat", NO_OTHER_NAMES).isPresent());
            java.util.concurrent.CompletableFuture<Void> released = java.util.concurrent.CompletableFuture.runAsync(() ->
                    store.releaseMp3s(earlier, mp3, NO_OTHER_NAMES));
            boolean repeatHoldsIt = claimed.get();
            released.get();
            assertThat(stored(mp3)).as("round %d: kept exactly when the claim succeeded", round).isEqualTo(repeatHoldsIt);
        }
    }
}
