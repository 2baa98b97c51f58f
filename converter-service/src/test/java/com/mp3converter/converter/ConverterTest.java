package com.mp3converter.converter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mp3converter.devinfra.TestMedia;
import com.mongodb.client.gridfs.GridFSBucket;
import com.mongodb.client.gridfs.GridFSBuckets;
import com.mongodb.client.model.Filters;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import ws.schild.jave.MultimediaObject;
import ws.schild.jave.info.MultimediaInfo;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import com.mp3converter.mediastore.MediaStore;
import com.mp3converter.mediastore.VideoUpload;
import jakarta.inject.Inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

@QuarkusTest
@QuarkusTestResource(value = ConverterInfra.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConverterTest {

    @Inject
    MediaStore store;

    static final ObjectMapper JSON = new ObjectMapper();
    static final List<JsonNode> EVENTS = new CopyOnWriteArrayList<>();
    static Path lastProbed;

    static GridFSBucket videos() {
        return GridFSBuckets.create(ConverterInfra.db(), "videos");
    }

    static GridFSBucket mp3s() {
        return GridFSBuckets.create(ConverterInfra.db(), "mp3s");
    }

    /** Stores the file as the gateway would and publishes the request; returns the job id. */
    static String submit(Path file, String container, Map<String, Object> options) throws Exception {
        String jobId = UUID.randomUUID().toString();
        ObjectId videoId;
        try (InputStream in = Files.newInputStream(file)) {
            videoId = videos().uploadFromStream(file.getFileName().toString(), in);
        }
        publish(jobId, videoId.toHexString(), container, options);
        return jobId;
    }

    static void publish(String jobId, String videoId, String container, Map<String, Object> options) throws Exception {
        ConverterInfra.publishRequest(JSON.writeValueAsString(Map.of("jobId", jobId, "videoId", videoId,
                "container", container, "owner", "user-1", "ownerEmail", "user@example.com",
                "originalFilename", "clip.mp4", "options", options)));
    }

    static List<JsonNode> events(String jobId) throws Exception {
        for (String body : ConverterInfra.drain(ConverterInfra.EVENTS)) {
            EVENTS.add(JSON.readTree(body));
        }
        return EVENTS.stream().filter(e -> jobId.equals(e.get("jobId").asText())).toList();
    }

    static JsonNode awaitEnd(String jobId) {
        JsonNode[] end = new JsonNode[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            for (JsonNode e : events(jobId)) {
                String type = e.get("type").asText();
                if (type.equals("DONE") || type.equals("FAILED")) {
                    end[0] = e;
                    return true;
                }
            }
            return false;
        });
        return end[0];
    }

    static MultimediaInfo probeMp3(String mp3Id) throws Exception {
        Path out = Files.createTempFile(TestMedia.DIR.toAbsolutePath().getParent(), "out", ".mp3");
        try (var stream = Files.newOutputStream(out)) {
            mp3s().downloadToStream(new ObjectId(mp3Id), stream);
        }
        lastProbed = out;
        return new MultimediaObject(out.toFile()).getInfo();
    }

    static Stream<Arguments> formats() throws Exception {
        return TestMedia.everyFormat(6).stream().map(sample -> Arguments.of(sample.file(), sample.container()));
    }

    @Order(1)
    @ParameterizedTest
    @MethodSource("formats")
    void convertsEachFormatToAnMp3OfTheSameLength(Path source, String container) throws Exception {
        String jobId = submit(source, container, Map.of());
        JsonNode done = awaitEnd(jobId);
        assertThat(done.get("type").asText()).as(done.toString()).isEqualTo("DONE");
        assertThat(done.get("ownerEmail").asText()).isEqualTo("user@example.com");
        MultimediaInfo mp3 = probeMp3(done.get("mp3Id").asText());
        assertThat(mp3.getFormat()).isEqualTo("mp3");
        assertThat(mp3.getAudio().getDecoder()).startsWith("mp3");
        assertThat(mp3.getDuration() / 1000.0).isCloseTo(6.0, within(0.5));
        assertThat(mp3.getAudio().getChannels()).isLessThanOrEqualTo(2);
        assertThat(done.get("durationSeconds").asDouble()).isCloseTo(6.0, within(0.5));
        assertThat(events(jobId).stream().map(e -> e.get("type").asText())).contains("STARTED");
    }

    @Order(2)
    @Test
    void carriesTitleAndArtistIntoId3Tags() throws Exception {
        JsonNode done = awaitEnd(submit(TestMedia.video("h264-aac.mp4", 6, "stereo"), "mov", Map.of()));
        probeMp3(done.get("mp3Id").asText());
        // JAVE's info parser drops some tags, so read ffmpeg's own description of the file.
        String description = TestMedia.describe(lastProbed);
        assertThat(description).containsPattern("title\\s+: Test Title").containsPattern("artist\\s+: Test Artist");
    }

    @Order(3)
    @Test
    void honoursBitrateSampleRateChannelsAndTrim() throws Exception {
        Path source = TestMedia.video("h264-aac-20s.mp4", 20, "stereo", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac");
        JsonNode cbr = awaitEnd(submit(source, "mov", Map.of("bitrateKbps", 192, "sampleRate", 32000, "channels", 1,
                "startSeconds", 2.0, "endSeconds", 12.0)));
        MultimediaInfo info = probeMp3(cbr.get("mp3Id").asText());
        assertThat(info.getAudio().getBitRate()).isEqualTo(192_000);
        assertThat(info.getAudio().getSamplingRate()).isEqualTo(32000);
        assertThat(info.getAudio().getChannels()).isEqualTo(1);
        assertThat(info.getDuration() / 1000.0).isCloseTo(10.0, within(0.5));

        List<Integer> progress = events(cbr.get("jobId").asText()).stream().filter(e -> e.get("type").asText().equals("PROGRESS"))
                .map(e -> e.get("progress").asInt()).toList();
        assertThat(progress).as("progress events, every 5 %% at most").isNotEmpty().isSorted()
                .allSatisfy(p -> assertThat(p).isBetween(5, 99));
        assertThat(progress).doesNotHaveDuplicates();

        JsonNode v0 = awaitEnd(submit(source, "mov", Map.of("vbrQuality", 0)));
        JsonNode v9 = awaitEnd(submit(source, "mov", Map.of("vbrQuality", 9)));
        assertThat(v0.get("mp3Size").asLong()).isGreaterThan(2 * v9.get("mp3Size").asLong());
    }

    @Order(4)
    @Test
    void redeliveredRequestStoresNoSecondMp3AndAnnouncesTheFirst() throws Exception {
        Path source = TestMedia.video("h264-aac.mp4", 6, "stereo");
        String jobId = submit(source, "mov", Map.of());
        JsonNode first = awaitEnd(jobId);
        String videoId = ConverterInfra.db().getCollection("videos.files").find().sort(new org.bson.Document("uploadDate", -1))
                .first().getObjectId("_id").toHexString();
        publish(jobId, videoId, "mov", Map.of());
        await().atMost(Duration.ofSeconds(30)).until(() -> events(jobId).stream()
                .filter(e -> e.get("type").asText().equals("DONE")).count() == 2);
        List<JsonNode> dones = events(jobId).stream().filter(e -> e.get("type").asText().equals("DONE")).toList();
        assertThat(dones.get(1).get("mp3Id").asText()).isEqualTo(first.get("mp3Id").asText());
        assertThat(events(jobId).stream().filter(e -> e.get("type").asText().equals("STARTED")).count()).isEqualTo(1);
        assertThat(ConverterInfra.db().getCollection("mp3s.files").countDocuments(Filters.eq("metadata.jobId", jobId))).isEqualTo(1);
    }

    @Order(5)
    @Test
    void badInputsFailAtOnceWithAReasonAndAreNotRetried() throws Exception {
        Path good = TestMedia.video("h264-aac.mp4", 6, "stereo");
        byte[] bytes = Files.readAllBytes(good);
        Map<String, Path> cases = Map.of(
                "the file has no audio track", TestMedia.silentVideo("no-audio.mp4", 4),
                "not a readable", TestMedia.file("zero.mp4", new byte[0]),
                "not a readable ", TestMedia.file("truncated.mp4", java.util.Arrays.copyOf(bytes, bytes.length / 2)));
        for (var c : cases.entrySet()) {
            String jobId = submit(c.getValue(), "mov", Map.of());
            JsonNode end = awaitEnd(jobId);
            assertThat(end.get("type").asText()).isEqualTo("FAILED");
            assertThat(end.get("reason").asText()).contains(c.getKey().trim());
            Thread.sleep(500);
            assertThat(events(jobId).stream().filter(e -> e.get("type").asText().equals("FAILED")).count()).isEqualTo(1);
        }
        String unsupported = submit(good, "hls", Map.of());
        assertThat(awaitEnd(unsupported).get("reason").asText()).contains("unsupported");
    }

    @Order(6)
    @Test
    void playlistDisguisedAsMp4ReadsNoLocalFileAndNoUrl() throws Exception {
        AtomicInteger hits = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            hits.incrementAndGet();
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        server.start();
        try {
            Path secret = TestMedia.file("secret.txt", "top secret".getBytes());
            String playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n" + secret.toAbsolutePath().toUri()
                    + "\n#EXTINF:10,\nhttp://127.0.0.1:" + server.getAddress().getPort() + "/leak.ts\n#EXT-X-ENDLIST\n";
            String jobId = submit(TestMedia.file("playlist.mp4", playlist.getBytes()), "mov", Map.of());
            JsonNode end = awaitEnd(jobId);
            assertThat(end.get("type").asText()).isEqualTo("FAILED");
            assertThat(end.get("reason").asText()).doesNotContain("secret");
            assertThat(hits.get()).isZero();
            assertThat(ConverterInfra.db().getCollection("mp3s.files").countDocuments(Filters.eq("metadata.jobId", jobId))).isZero();
        } finally {
            server.stop(0);
        }
    }

    @Order(7)
    @Test
    void leavesNoTempFilesBehind() throws Exception {
        try (Stream<Path> left = Files.list(Path.of("target", "converter-work"))) {
            assertThat(left.toList()).isEmpty();
        }
    }

    @Order(8)
    @Test
    void aDuplicateDeliveryOfAJobInHandRunsNoSecondFfmpegAndAnnouncesTheSameMp3() throws Exception {
        Path source = TestMedia.video("h264-aac-60s.mp4", 60, "stereo", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac");
        String jobId = UUID.randomUUID().toString();
        String videoId = store(source);
        publish(jobId, videoId, "mov", Map.of());
        publish(jobId, videoId, "mov", Map.of()); // both workers take one at once

        await().atMost(Duration.ofSeconds(60)).until(() -> dones(jobId).size() == 2);
        assertThat(dones(jobId).stream().map(e -> e.get("mp3Id").asText()).distinct()).hasSize(1);
        assertThat(events(jobId).stream().filter(e -> e.get("type").asText().equals("STARTED"))).hasSize(1);
        assertThat(mp3Count(jobId)).isEqualTo(1);
    }

    @Order(9)
    @Test
    void aLeaseWhoseHolderDiedIsTakenOverOnceItRunsOut() throws Exception {
        String jobId = UUID.randomUUID().toString();
        Date expires = new Date(System.currentTimeMillis() + 3000);
        ConverterInfra.db().getCollection("conversions").insertOne(new Document("_id", jobId)
                .append("holder", "dead-host/1#lease").append("expiresAt", expires).append("updatedAt", new Date()));
        publish(jobId, store(TestMedia.video("h264-aac.mp4", 6, "stereo")), "mov", Map.of());

        assertThat(awaitEnd(jobId).get("type").asText()).isEqualTo("DONE");
        JsonNode started = events(jobId).stream().filter(e -> e.get("type").asText().equals("STARTED")).findFirst().orElseThrow();
        assertThat(Instant.parse(started.get("occurredAt").asText())).isAfterOrEqualTo(expires.toInstant());
    }

    @Order(9)
    @Test
    void aCancelledConversionStopsItsFfmpegAtOnceAndEndsWithoutAnMp3OrAnnouncement() throws Exception {
        Path source = TestMedia.video("h264-aac-600s.mp4", 600, "stereo", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac");
        String jobId = UUID.randomUUID().toString();
        publish(jobId, store(source), "mov", Map.of());
        await().atMost(Duration.ofSeconds(60)).until(() -> ffmpegs() > 0
                && events(jobId).stream().anyMatch(e -> e.get("type").asText().equals("STARTED")));

        long cancelled = System.nanoTime();
        ConverterInfra.publishCancellation(jobId);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> ffmpegs() == 0);
        System.out.printf("ffmpeg stopped %.2f s after the cancellation was published%n", (System.nanoTime() - cancelled) / 1e9);

        await().atMost(Duration.ofSeconds(10)).until(() -> "CANCELLED".equals(outcome(jobId)));
        Thread.sleep(1500); // an announcement or a retry would come within this time
        assertThat(events(jobId)).extracting(e -> e.get("type").asText()).doesNotContain("DONE", "FAILED");
        assertThat(mp3Count(jobId)).isZero();
        assertThat(ConverterInfra.waiting(ConverterInfra.REQUESTS)).isZero();
        for (String retryQueue : ConverterInfra.RETRY_QUEUES) {
            assertThat(ConverterInfra.waiting(retryQueue)).as(retryQueue).isZero();
        }
    }

    @Order(9)
    @Test
    void aJobCancelledBeforeAnyConverterTookItIsNeverConverted() throws Exception {
        String jobId = UUID.randomUUID().toString();
        String videoId = store(TestMedia.video("h264-aac.mp4", 6, "stereo"));
        ConverterInfra.publishCancellation(jobId);
        await().atMost(Duration.ofSeconds(10)).until(() -> "CANCELLED".equals(outcome(jobId)));
        publish(jobId, videoId, "mov", Map.of());
        Thread.sleep(2000);
        assertThat(events(jobId)).as("not started, not announced").isEmpty();
        assertThat(mp3Count(jobId)).isZero();
    }

    @Order(9)
    @Test
    void aJobWhoseVideoWasRemovedEndsCancelledWithoutAnEmailWorthyFailure() throws Exception {
        String jobId = UUID.randomUUID().toString();
        publish(jobId, new ObjectId().toHexString(), "mov", Map.of()); // deleted (or cancelled) before it was taken
        await().atMost(Duration.ofSeconds(10)).until(() -> "CANCELLED".equals(outcome(jobId)));
        Thread.sleep(1000);
        assertThat(events(jobId)).extracting(e -> e.get("type").asText()).doesNotContain("DONE", "FAILED");
    }

    @Test
    void convertsWhileTheUploadArrivesAndStoresTheMp3OnlyOnceItIsCompleteWithTheOptionsItEndedWith() throws Exception {
        Path source = TestMedia.video("h264-aac-20s-faststart.mp4", 20, "stereo", "-c:v", "libx264", "-preset", "ultrafast",
                "-c:a", "aac", "-movflags", "+faststart");
        byte[] content = Files.readAllBytes(source);
        String jobId = UUID.randomUUID().toString();
        VideoUpload upload = store.openVideoUpload("arriving.mp4", new Document("jobId", jobId));
        upload.write(content, 0, content.length / 2);
        publish(jobId, upload.getObjectId().toHexString(), "mov", Map.of());

        await().atMost(Duration.ofSeconds(20)).until(() -> ffmpegs() > 0
                && events(jobId).stream().anyMatch(e -> e.get("type").asText().equals("STARTED")));
        Thread.sleep(1000);
        assertThat(events(jobId)).as("half a video: no outcome yet").extracting(e -> e.get("type").asText())
                .doesNotContain("DONE", "FAILED");
        upload.write(content, content.length / 2, content.length - content.length / 2);
        // Form fields after the file asked for 96 kbit/s: the MP3 is made with them.
        upload.complete(new Document("sha256", "0".repeat(64)).append("options", new Document("bitrateKbps", 96)));

        JsonNode done = awaitEnd(jobId);
        assertThat(done.get("type").asText()).as(done.toString()).isEqualTo("DONE");
        MultimediaInfo mp3 = probeMp3(done.get("mp3Id").asText());
        assertThat(mp3.getDuration() / 1000.0).as("the whole video, not the half there was at the start").isCloseTo(20.0, within(0.5));
        assertThat(mp3.getAudio().getBitRate()).isEqualTo(96_000);
    }

    @Test
    void anUploadAbortedMidwayEndsItsConversionWithNoMp3AndNothingAnnounced() throws Exception {
        Path source = TestMedia.video("mkv-20s.mkv", 20, "stereo", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac");
        byte[] content = Files.readAllBytes(source);
        String jobId = UUID.randomUUID().toString();
        VideoUpload upload = store.openVideoUpload("cut.mkv", new Document("jobId", jobId));
        upload.write(content, 0, content.length / 2);
        publish(jobId, upload.getObjectId().toHexString(), "matroska", Map.of());
        await().atMost(Duration.ofSeconds(20)).until(() -> events(jobId).stream().anyMatch(e -> e.get("type").asText().equals("STARTED")));

        upload.abort(); // the client went away, or the upload was refused past a limit
        await().atMost(Duration.ofSeconds(10)).until(() -> "CANCELLED".equals(outcome(jobId)));
        Thread.sleep(1000);
        assertThat(events(jobId)).extracting(e -> e.get("type").asText()).doesNotContain("DONE", "FAILED");
        assertThat(mp3s().find(Filters.eq("metadata.jobId", jobId)).first()).isNull();
    }

    @Test
    void anMp4OfManyEmptyAtomsFailsAtOnceAsBadMediaAndIsNotRetried() throws Exception {
        // The 20 MB-of-empty-atoms attack scaled to 2 MB: 262,144 empty atoms between the data and the index.
        java.nio.ByteBuffer file = java.nio.ByteBuffer.allocate(16 + 16 + 2 * 1024 * 1024 + 8);
        file.putInt(16).put("ftyp".getBytes()).put("isom\0\0\0\0".getBytes());
        file.putInt(16).put("mdat".getBytes()).put("AAAAAAAA".getBytes());
        while (file.remaining() > 8) {
            file.putInt(8).put("free".getBytes());
        }
        file.putInt(8).put("moov".getBytes());
        String jobId = submit(TestMedia.file("empty-atoms.mp4", file.array()), "mov", Map.of());

        JsonNode end = awaitEnd(jobId);
        assertThat(end.get("type").asText()).isEqualTo("FAILED");
        assertThat(end.get("reason").asText()).contains("boxes").contains("not a usable video");
        Thread.sleep(1000);
        assertThat(events(jobId).stream().filter(e -> e.get("type").asText().equals("FAILED"))).hasSize(1);
        assertThat(retryQueueWaiting()).isZero();
    }

    @Test
    void uploadsThatStallLetGoOfTheirWorkersAndAreConvertedOnceCompleteOrEndedWhenAborted() throws Exception {
        Path source = TestMedia.video("mkv-20s.mkv", 20, "stereo", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac");
        byte[] content = Files.readAllBytes(source);
        String completing = UUID.randomUUID().toString();
        String abandoned = UUID.randomUUID().toString();
        VideoUpload slow = store.openVideoUpload("slow.mkv", new Document("jobId", completing));
        VideoUpload stalled = store.openVideoUpload("stalled.mkv", new Document("jobId", abandoned));
        slow.write(content, 0, content.length / 2);
        stalled.write(content, 0, content.length / 2);
        publish(completing, slow.getObjectId().toHexString(), "matroska", Map.of());
        publish(abandoned, stalled.getObjectId().toHexString(), "matroska", Map.of()); // both workers (test: 2) wait on them

        // Both uploads stall: past the grace (test profile 8 s) each worker lets go, stops its ffmpeg and is free again.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                awaitingUpload(completing) && awaitingUpload(abandoned) && ffmpegs() == 0);
        String other = submit(TestMedia.video("h264-aac.mp4", 6, "stereo"), "mov", Map.of());
        assertThat(awaitEnd(other).get("type").asText()).as("another user's job, while both uploads stall").isEqualTo("DONE");
        assertThat(events(completing)).extracting(e -> e.get("type").asText()).doesNotContain("DONE", "FAILED");

        slow.write(content, content.length / 2, content.length - content.length / 2);
        slow.complete(new Document());
        stalled.abort(); // the gateway gave up on it (its own bound on an upload's rate or time)

        JsonNode done = awaitEnd(completing);
        assertThat(done.get("type").asText()).as(done.toString()).isEqualTo("DONE");
        assertThat(probeMp3(done.get("mp3Id").asText()).getDuration() / 1000.0).as("the whole video").isCloseTo(20.0, within(0.5));
        await().atMost(Duration.ofSeconds(20)).until(() -> "CANCELLED".equals(outcome(abandoned)));
        Thread.sleep(1000);
        assertThat(events(abandoned)).extracting(e -> e.get("type").asText()).doesNotContain("DONE", "FAILED");
        assertThat(mp3Count(abandoned)).isZero();
    }

    static boolean awaitingUpload(String jobId) {
        Document lease = ConverterInfra.db().getCollection("conversions").find(Filters.eq("_id", jobId)).first();
        return lease != null && lease.getBoolean("awaitingUpload", false) && lease.getString("outcome") == null;
    }

    static String outcome(String jobId) {
        Document lease = ConverterInfra.db().getCollection("conversions").find(Filters.eq("_id", jobId)).first();
        return lease == null ? null : lease.getString("outcome");
    }

    /** ffmpeg processes this JVM started. */
    static long ffmpegs() {
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().command().map(c -> c.contains("ffmpeg")).orElse(false)).count();
    }

    @Order(10)
    @Test
    void aJobWithAnMp3WhoseRetriesRanOutIsAnnouncedDoneNotFailed() throws Exception {
        String jobId = submit(TestMedia.video("h264-aac.mp4", 6, "stereo"), "mov", Map.of());
        String mp3Id = awaitEnd(jobId).get("mp3Id").asText();
        ConverterInfra.db().getCollection("conversions").deleteOne(Filters.eq("_id", jobId)); // as if never decided
        String videoId = ConverterInfra.db().getCollection("mp3s.files").find(Filters.eq("metadata.jobId", jobId)).first()
                .get("metadata", Document.class).getString("sourceVideoId");

        publishFailingSince(jobId, videoId, Instant.now().minus(Duration.ofHours(1)));

        await().atMost(Duration.ofSeconds(30)).until(() -> dones(jobId).size() == 2);
        assertThat(dones(jobId).get(1).get("mp3Id").asText()).isEqualTo(mp3Id);
        assertThat(events(jobId).stream().map(e -> e.get("type").asText())).doesNotContain("FAILED");
    }

    @Order(11)
    @Test
    void aShortStorageOutageWaitsInTheRetryQueuesAndTheJobStillEndsDone() throws Exception {
        String jobId = publishWhileStorageIsUnreachable(() -> {
            await("the request waiting in a retry queue").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> retryQueueWaiting() > 0);
            Thread.sleep(1000);
        });
        assertThat(awaitEnd(jobId).get("type").asText()).isEqualTo("DONE");
        assertThat(events(jobId).stream().map(e -> e.get("type").asText())).doesNotContain("FAILED");
        assertThat(mp3Count(jobId)).isEqualTo(1);
    }

    @Order(12)
    @Test
    void anOutageLongerThanTheRetryBudgetFailsTheJobOnceAndDeadLettersNothing() throws Exception {
        String jobId = publishWhileStorageIsUnreachable(() -> Thread.sleep(12_000)); // test profile: 2 s to a first failure, 6 s budget
        String videoId = ConverterInfra.db().getCollection("videos.files").find().sort(new Document("uploadDate", -1))
                .first().getObjectId("_id").toHexString();
        JsonNode end = awaitEnd(jobId);
        assertThat(end.get("type").asText()).isEqualTo("FAILED");
        assertThat(end.get("reason").asText()).contains("kept failing for reasons on our side");
        Thread.sleep(1000);
        assertThat(events(jobId).stream().filter(e -> e.get("type").asText().equals("FAILED"))).hasSize(1);
        assertThat(ConverterInfra.waiting(ConverterInfra.REQUESTS + ".dlq")).isZero();

        publish(jobId, videoId, "mov", Map.of()); // decided once: a redelivery re-announces the same outcome
        await().atMost(Duration.ofSeconds(30)).until(() -> events(jobId).stream()
                .filter(e -> e.get("type").asText().equals("FAILED")).count() == 2);
        assertThat(events(jobId).stream().map(e -> e.get("type").asText())).doesNotContain("DONE", "STARTED");
    }

    @FunctionalInterface
    interface Outage {
        void lasts() throws Exception;
    }

    /** Stores a clip, cuts MongoDB off, publishes its request and restores MongoDB once {@code outage} returns. */
    static String publishWhileStorageIsUnreachable(Outage outage) throws Exception {
        String videoId = store(TestMedia.video("h264-aac.mp4", 6, "stereo"));
        String jobId = UUID.randomUUID().toString();
        ConverterInfra.mongoProxy.stop();
        try {
            publish(jobId, videoId, "mov", Map.of());
            outage.lasts();
        } finally {
            ConverterInfra.mongoProxy.start();
        }
        return jobId;
    }

    static String store(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return videos().uploadFromStream(file.getFileName().toString(), in).toHexString();
        }
    }

    static List<JsonNode> dones(String jobId) throws Exception {
        return events(jobId).stream().filter(e -> e.get("type").asText().equals("DONE")).toList();
    }

    static long mp3Count(String jobId) {
        return ConverterInfra.db().getCollection("mp3s.files").countDocuments(Filters.eq("metadata.jobId", jobId));
    }

    static long retryQueueWaiting() throws Exception {
        long waiting = 0;
        for (String queue : ConverterInfra.RETRY_QUEUES) {
            waiting += ConverterInfra.waiting(queue);
        }
        return waiting;
    }

    static void publishFailingSince(String jobId, String videoId, Instant since) throws Exception {
        ConverterInfra.publishRequest(JSON.writeValueAsString(Map.of("jobId", jobId, "videoId", videoId,
                "container", "mov", "owner", "user-1", "ownerEmail", "user@example.com",
                "originalFilename", "clip.mp4", "options", Map.of())),
                Map.of("mp3converter-failures", 5, "mp3converter-failing-since", since.toEpochMilli()));
    }
}
