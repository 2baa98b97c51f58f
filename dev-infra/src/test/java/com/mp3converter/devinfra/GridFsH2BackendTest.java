package com.mp3converter.devinfra;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.gridfs.GridFSBucket;
import com.mongodb.client.gridfs.GridFSBuckets;
import com.mongodb.client.gridfs.GridFSDownloadStream;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

class GridFsH2BackendTest {

    private static final int CHUNK = 255 * 1024;

    @TempDir
    Path dir;

    @Test
    void everyFileReadsBackByteForByteAmongOthers() throws IOException {
        byte[] small = bytes(1000, 1);
        byte[] exactChunks = bytes(3 * CHUNK, 2);
        byte[] large = bytes(9 * CHUNK + 17, 3);
        withDatabase(GridFsH2Backend::new, db -> {
            GridFSBucket bucket = GridFSBuckets.create(db, "videos");
            ObjectId a = bucket.uploadFromStream("a", new ByteArrayInputStream(small));
            ObjectId b = bucket.uploadFromStream("b", new ByteArrayInputStream(exactChunks));
            ObjectId c = bucket.uploadFromStream("c", new ByteArrayInputStream(large));
            ObjectId empty = bucket.uploadFromStream("empty", new ByteArrayInputStream(new byte[0]));

            assertThat(read(bucket, c)).isEqualTo(large);
            assertThat(read(bucket, a)).isEqualTo(small);
            assertThat(read(bucket, b)).isEqualTo(exactChunks);
            assertThat(read(bucket, empty)).isEmpty();
        });
    }

    @Test
    void aReadThatSkipsAheadResumesAtTheRightChunk() throws IOException {
        byte[] content = bytes(6 * CHUNK + 99, 4);
        withDatabase(GridFsH2Backend::new, db -> {
            GridFSBucket bucket = GridFSBuckets.create(db, "videos");
            ObjectId id = bucket.uploadFromStream("v", new ByteArrayInputStream(content));
            // Skipping makes GridFS ask the server again, from chunk 4.
            assertThat(read(bucket, id, 4L * CHUNK + 10)).isEqualTo(Arrays.copyOfRange(content, 4 * CHUNK + 10, content.length));
        });
    }

    @Test
    void theDriversAndFormOfAChunkQueryAnswersLikeTheFlatOne() throws IOException {
        withDatabase(GridFsH2Backend::new, db -> {
            GridFSBucket bucket = GridFSBuckets.create(db, "videos");
            bucket.uploadFromStream("before", new ByteArrayInputStream(bytes(3 * CHUNK, 6)));
            ObjectId id = bucket.uploadFromStream("v", new ByteArrayInputStream(bytes(8 * CHUNK, 7)));
            bucket.uploadFromStream("after", new ByteArrayInputStream(bytes(3 * CHUNK, 8)));
            MongoCollection<Document> chunks = db.getCollection("videos.chunks");

            List<Integer> fromTwo = new ArrayList<>();
            chunks.find(Filters.and(Filters.eq("files_id", id), Filters.gte("n", 2))).sort(Sorts.ascending("n"))
                    .limit(4).batchSize(3).forEach(chunk -> {
                        assertThat(chunk.get("files_id")).isEqualTo(id);
                        fromTwo.add(chunk.getInteger("n"));
                    });
            assertThat(fromTwo).containsExactly(2, 3, 4, 5);

            List<Integer> aRange = new ArrayList<>(); // n twice: not flattened, answered by the general path
            chunks.find(Filters.and(Filters.eq("files_id", id), Filters.gte("n", 6), Filters.lt("n", 9)))
                    .sort(Sorts.ascending("n")).forEach(chunk -> aRange.add(chunk.getInteger("n")));
            assertThat(aRange).containsExactly(6, 7);
        });
    }

    @Test
    void deletingAFileRemovesItsChunksAndNoOneElses() throws IOException {
        byte[] kept = bytes(4 * CHUNK, 5);
        withDatabase(GridFsH2Backend::new, db -> {
            GridFSBucket bucket = GridFSBuckets.create(db, "videos");
            ObjectId gone = bucket.uploadFromStream("gone", new ByteArrayInputStream(bytes(5 * CHUNK, 6)));
            ObjectId stays = bucket.uploadFromStream("stays", new ByteArrayInputStream(kept));

            bucket.delete(gone);

            MongoCollection<Document> chunks = db.getCollection("videos.chunks");
            assertThat(chunks.countDocuments(Filters.eq("files_id", gone))).isZero();
            assertThat(chunks.countDocuments(Filters.eq("files_id", stays))).isEqualTo(4);
            assertThat(read(bucket, stays)).isEqualTo(kept);
        });
    }

    @Test
    void otherQueriesOnChunksAnswerAsBefore() throws IOException {
        withDatabase(GridFsH2Backend::new, db -> {
            GridFSBucket bucket = GridFSBuckets.create(db, "videos");
            ObjectId id = bucket.uploadFromStream("v", new ByteArrayInputStream(bytes(3 * CHUNK, 7)));
            MongoCollection<Document> chunks = db.getCollection("videos.chunks");

            Document newest = chunks.find(Filters.eq("files_id", id)).sort(Sorts.descending("n")).first();
            assertThat(newest.getInteger("n")).isEqualTo(2);
            assertThat(chunks.find(Filters.and(Filters.eq("files_id", id), Filters.eq("n", 1))).first().getInteger("n")).isEqualTo(1);
            assertThat(chunks.distinct("files_id", ObjectId.class).into(new ArrayList<>())).containsExactly(id);
        });
    }

    @Test
    void distinctFileIdsAnswerAsThePlainBackendDoes() throws IOException {
        ObjectId[] ids = new ObjectId[3];
        ObjectId[] orphan = new ObjectId[1];
        withDatabase(H2Backend::new, db -> {
            GridFSBucket bucket = GridFSBuckets.create(db, "videos");
            for (int i = 0; i < ids.length; i++) {
                ids[i] = bucket.uploadFromStream("v" + i, new ByteArrayInputStream(bytes((i + 1) * CHUNK, 10 + i)));
            }
            // Chunks without a files document: what a killed upload leaves.
            orphan[0] = new ObjectId();
            db.getCollection("videos.chunks").insertOne(new Document("files_id", orphan[0]).append("n", 0).append("data", new byte[1]));
        });
        List<List<Set<ObjectId>>> answers = new ArrayList<>();
        for (Function<String, MongoBackend> backend : List.<Function<String, MongoBackend>>of(H2Backend::new, GridFsH2Backend::new)) {
            withDatabase(backend, db -> {
                MongoCollection<Document> chunks = db.getCollection("videos.chunks");
                answers.add(List.of(
                        chunks.distinct("files_id", ObjectId.class).into(new HashSet<>()),
                        chunks.distinct("files_id", Filters.lt("files_id", ids[2]), ObjectId.class).into(new HashSet<>()),
                        chunks.distinct("files_id", Filters.in("files_id", ids[1], orphan[0]), ObjectId.class).into(new HashSet<>()),
                        chunks.distinct("files_id", Filters.eq("n", 1), ObjectId.class).into(new HashSet<>())));
            });
        }
        assertThat(answers.get(0).get(0)).containsExactlyInAnyOrder(ids[0], ids[1], ids[2], orphan[0]);
        assertThat(answers.get(0).get(1)).containsExactlyInAnyOrder(ids[0], ids[1]);
        assertThat(answers.get(0).get(2)).containsExactlyInAnyOrder(ids[1], orphan[0]);
        assertThat(answers.get(0).get(3)).containsExactlyInAnyOrder(ids[1], ids[2]);
        assertThat(answers.get(1)).isEqualTo(answers.get(0));
    }

    /** Both backends must agree on the index order too: each one's lookups walk B-trees the other one wrote. */
    @Test
    void dataFilesStayCompatibleWithThePlainH2Backend() throws IOException {
        List<byte[]> contents = new ArrayList<>();
        List<ObjectId> ids = new ArrayList<>();
        Consumer<MongoDatabase> storeTen = db -> {
            GridFSBucket bucket = GridFSBuckets.create(db, "videos");
            for (int i = 0; i < 10; i++) {
                byte[] content = bytes(2 * CHUNK + i, contents.size());
                contents.add(content);
                ids.add(bucket.uploadFromStream("file-" + ids.size(), new ByteArrayInputStream(content)));
            }
        };
        Consumer<MongoDatabase> readAll = db -> {
            GridFSBucket bucket = GridFSBuckets.create(db, "videos");
            for (int i = 0; i < ids.size(); i++) {
                assertThat(read(bucket, ids.get(i))).isEqualTo(contents.get(i));
            }
        };
        withDatabase(H2Backend::new, storeTen);
        withDatabase(GridFsH2Backend::new, readAll.andThen(storeTen));
        withDatabase(H2Backend::new, readAll);
    }

    /** Runs against a server on this test's data file, so a second call reopens what the first stored. */
    private void withDatabase(Function<String, MongoBackend> backend, Consumer<MongoDatabase> test) {
        MongoServer server = new MongoServer(backend.apply(dir.resolve("mongo.mv").toString()));
        try {
            InetSocketAddress address = server.bind();
            try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + address.getPort())) {
                test.accept(client.getDatabase("test"));
            }
        } finally {
            server.shutdown();
        }
    }


    private static byte[] read(GridFSBucket bucket, ObjectId id) {
        return read(bucket, id, 0);
    }

    /** Reads in small batches, so a file spans several of them. */
    private static byte[] read(GridFSBucket bucket, ObjectId id, long skip) {
        try (GridFSDownloadStream in = bucket.openDownloadStream(id).batchSize(3)) {
            in.skipNBytes(skip);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }
}
