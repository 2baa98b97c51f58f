package com.mp3converter.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.model.Filters;
import com.mp3converter.devinfra.TestMedia;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The crafted-media half of the abuse suite: every input the fuzzers keep in their regression corpora (the
 * gateway's media sniffer and audio-track reader, the converter's MP4 index walk), plus the attacks that motivated
 * them at full size, sent as real uploads through the gateway and the converter. Each is refused or converted or
 * failed promptly, keeps nothing when it does not become an MP3, and leaves both services ready and other users
 * served.
 */
@ExtendWith(SharedPipeline.class)
class AbuseCraftedMediaTest {

    private static final Report REPORT = new Report("Abuse suite: crafted media", "input", "answer", "ended", "kept nothing",
            "healthy after");
    /** The corpora of the fuzz targets whose parsers see an upload's bytes. */
    private static final List<Path> CORPORA = List.of(
            Path.of("../gateway-service/src/test/resources/com/mp3converter/gateway/service"),
            Path.of("../converter-service/src/test/resources/com/mp3converter/converter/service"));
    private static final Set<Integer> REFUSALS = Set.of(400, 413, 415, 422);

    private static Pipeline pipeline;
    private static Api api;
    private static String attackerToken;
    private static Bystander bystander;

    @BeforeAll
    static void accounts(Pipeline shared) throws Exception {
        pipeline = shared;
        api = pipeline.api();
        attackerToken = api.tokenFor("crafter@abuse.example", "the crafter's long password");
        bystander = new Bystander(pipeline, "bystander-media@abuse.example");
    }

    @AfterAll
    static void printReport() {
        System.out.println(REPORT.render());
    }

    @Test
    void everyFuzzFindingIsRefusedOrEndsAndKeepsNothingWhenItFails() throws Exception {
        List<Path> inputs = corpusInputs();
        assertThat(inputs).as("the fuzz targets' committed corpora").hasSizeGreaterThan(5);
        for (Path input : inputs) {
            String name = input.getParent().getParent().getFileName().toString().replace("FuzzTestInputs", "") + "/"
                    + input.getFileName();
            uploadAndFollow(name, input);
        }
        bystander.isServed("the corpus uploads");
    }

    @Test
    void twentyCraftedMp4sAtOnceLeaveTheGatewayServingOthers() throws Exception {
        // The attack that motivated the audio-track reader's bound: a moov whose child claims a 64-bit size of 2^32
        // spun one upload thread per request, forever; sixteen held every upload turn.
        Path crafted = TestMedia.file("crafted-64bit-box.mp4", ByteBuffer.allocate(40).putInt(40).put(ascii("moov"))
                .putInt(1).put(ascii("trak")).putLong(1L << 32).array());
        // Five accounts at their 4 uploads at once each: more than the gateway's 16 upload turns.
        ExecutorService pool = Executors.newFixedThreadPool(20);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        for (int account = 0; account < 5; account++) {
            String token = api.tokenFor("crafter-" + account + "@abuse.example", "the crafter's long password");
            for (int i = 0; i < Pipeline.UPLOADS_PER_USER_AT_ONCE; i++) {
                answers.add(pool.submit(() -> api.uploadRaw(token, "crafted.mp4", crafted)));
            }
        }
        List<Integer> statuses = new ArrayList<>();
        for (Future<HttpResponse<String>> answer : answers) {
            statuses.add(answer.get().statusCode());
        }
        pool.shutdown();
        Duration slowest = bystander.isServed("20 crafted MP4s at once");
        record("20 x 40-byte MP4, moov child of 2^32 bytes, at once from 5 accounts", statuses.stream().distinct().sorted().toList(),
                "bystander's slowest call " + slowest.toMillis() + " ms", true);
        assertThat(statuses).as("each is answered").allMatch(s -> s == 202 || REFUSALS.contains(s));
    }

    @Test
    void anMp4OfMillionsOfEmptyAtomsFailsWithoutEndlessReads() throws Exception {
        // ftyp, then 16 MB of 8-byte "free" atoms and no index: the converter's index walk must give up within its
        // read budget instead of range-reading the file once per atom.
        int atoms = 2_000_000;
        ByteBuffer file = ByteBuffer.allocate(16 + atoms * 8).putInt(16).put(ascii("ftyp")).put(ascii("isom")).putInt(0);
        for (int i = 0; i < atoms; i++) {
            file.putInt(8).put(ascii("free"));
        }
        uploadAndFollow("16 MB of empty atoms, no moov", TestMedia.file("crafted-empty-atoms.mp4", file.array()));
        bystander.isServed("an MP4 of empty atoms");
    }

    /** Uploads one file and follows it to its end: refused at once, or converted, or failed with nothing kept. */
    private static void uploadAndFollow(String name, Path file) throws Exception {
        HttpResponse<String> answer = api.uploadRaw(attackerToken, "crafted.mp4", file);
        int status = answer.statusCode();
        assertThat(status).as(name + ": " + answer.body()).matches(s -> s == 202 || REFUSALS.contains(s));
        if (status != 202) {
            assertThat(Api.json(answer).path("error").asText()).as(name + ": a clear error").isNotBlank();
            record(name, status, "refused", true);
            return;
        }
        String jobId = Api.json(answer).path("jobId").asText();
        JsonNode end = api.awaitEnd(attackerToken, jobId, Duration.ofSeconds(90));
        String outcome = end.path("status").asText();
        boolean keptNothing = true;
        if (outcome.equals("FAILED")) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> stored("videos", jobId) == 0);
            keptNothing = stored("mp3s", jobId) == 0;
        }
        record(name, status, outcome, keptNothing);
        assertThat(keptNothing).as(name + ": a failed job keeps no MP3").isTrue();
    }

    private static List<Path> corpusInputs() throws IOException {
        List<Path> inputs = new ArrayList<>();
        for (Path corpus : CORPORA) {
            try (Stream<Path> files = Files.walk(corpus)) {
                files.filter(Files::isRegularFile).filter(f -> f.toString().contains("FuzzTestInputs"))
                        .filter(f -> f.toString().matches(".*(AudioTracks|MediaSniffer|Mp4Faststart|StreamableMedia).*"))
                        .sorted().forEach(inputs::add);
            }
        }
        return inputs;
    }

    private static long stored(String bucket, String jobId) {
        return pipeline.mongo().getCollection(bucket + ".files").countDocuments(Filters.eq("metadata.jobId", jobId));
    }

    private static void record(String name, Object answer, Object ended, boolean keptNothing) {
        boolean healthy = pipeline.service(Pipeline.GATEWAY).healthy("ready") && pipeline.service(Pipeline.CONVERTER).healthy("ready");
        REPORT.row(name, answer, ended, keptNothing ? "yes" : "NO", healthy ? "yes" : "NO");
        assertThat(healthy).as("gateway and converter ready after: " + name).isTrue();
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
