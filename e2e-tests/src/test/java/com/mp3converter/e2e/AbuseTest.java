package com.mp3converter.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mp3converter.devinfra.TestMedia;
import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attacks on the public API (gateway, and auth behind it), each with the status a careful server
 * answers, a check that nothing was stored and nothing leaked, and the services still healthy.
 */
@ExtendWith(SharedPipeline.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AbuseTest {

    private static final Report REPORT = new Report("Abuse suite", "case", "expected", "got", "stored nothing", "healthy after");
    private static final String PASSWORD = "victim's long password";

    private static Pipeline pipeline;
    private static Api api;
    private static String victimToken;
    private static String victimJobId;
    private static String victimMp3Id;
    private static String attackerToken;

    @BeforeAll
    static void victimWithAFinishedJob(Pipeline shared) throws Exception {
        pipeline = shared;
        api = pipeline.api();
        victimToken = api.tokenFor("victim@abuse.example", PASSWORD);
        attackerToken = api.tokenFor("attacker@abuse.example", "attacker's long password");
        victimJobId = Api.jobId(api.uploadRaw(victimToken, "private diary.mp4", Media.mp4(3)));
        JsonNode done = api.awaitEnd(victimToken, victimJobId, Duration.ofSeconds(60));
        assertThat(done.path("status").asText()).isEqualTo("DONE");
        victimMp3Id = done.path("mp3Id").asText();
    }

    @AfterAll
    static void printReport() {
        System.out.println(REPORT.render());
    }

    @Test
    @Order(1)
    void tokensThatAuthDidNotIssueAsTheyAreGet401() throws Exception {
        JsonNode jwks = Api.json(pipeline.authApi().get(null, "/.well-known/jwks.json"));
        String kid = jwks.path("keys").get(0).path("kid").asText();
        String victimSubject = subject(victimToken);
        var realKey = pipeline.signingKey.getPrivate();
        var otherKey = Pipeline.ecKeyPair().getPrivate();
        String victimJob = "/jobs/" + victimJobId;

        // Control: the same minting with auth's real key is accepted, so every 401 below is the server's doing.
        String genuine = Tokens.es256(realKey, kid, Tokens.claims(victimSubject, "victim@abuse.example"));
        expectToken("genuine token minted with auth's key (control)", genuine, victimJob, 200);

        expectToken("no token", null, victimJob, 401);
        expectToken("garbage token", "not.a.jwt", victimJob, 401);
        expectToken("forged: right kid, another key", Tokens.es256(otherKey, kid, Tokens.claims(victimSubject, "victim@abuse.example")),
                victimJob, 401);
        expectToken("expired an hour ago", Tokens.es256(realKey, kid, Tokens.with(Tokens.claims(victimSubject, "victim@abuse.example"),
                c -> c.setExpirationTime(Tokens.minutesAgo(60)))), victimJob, 401);
        expectToken("alg: none", Tokens.unsigned(kid, Tokens.claims(victimSubject, "victim@abuse.example")), victimJob, 401);
        expectToken("HS256 keyed with the public JWK", Tokens.hmacWithPublicKey(
                jwks.path("keys").get(0).toString().getBytes(StandardCharsets.UTF_8), kid,
                Tokens.claims(victimSubject, "victim@abuse.example")), victimJob, 401);
        expectToken("HS256 keyed with the public key bytes", Tokens.hmacWithPublicKey(
                pipeline.signingKey.getPublic().getEncoded(), kid, Tokens.claims(victimSubject, "victim@abuse.example")), victimJob, 401);
        expectToken("wrong audience", Tokens.es256(realKey, kid, Tokens.with(Tokens.claims(victimSubject, "victim@abuse.example"),
                c -> c.setAudience("another-app"))), victimJob, 401);
        expectToken("wrong issuer", Tokens.es256(realKey, kid, Tokens.with(Tokens.claims(victimSubject, "victim@abuse.example"),
                c -> c.setIssuer("https://evil.example"))), victimJob, 401);
        expectToken("attacker's token with the subject swapped", swapSubject(attackerToken, victimSubject), victimJob, 401);
        expectToken("no 'user' group", Tokens.es256(realKey, kid, Tokens.with(Tokens.claims(victimSubject, "victim@abuse.example"),
                c -> c.setStringListClaim("groups", List.of("guest")))), victimJob, 403);
    }

    @Test
    @Order(2)
    void otherUsersIdsAnswer404AndRevealNothing() {
        for (String path : List.of("/jobs/" + victimJobId, "/jobs/" + victimJobId + "/mp3", "/download?fid=" + victimMp3Id,
                "/download?fid=" + victimJobId)) {
            HttpResponse<String> response = api.get(attackerToken, path);
            record("another user's id: GET " + path.replaceAll("[0-9a-f-]{20,}", "{id}"), 404, response.statusCode(), true);
            assertThat(response.statusCode()).isEqualTo(404);
            assertNoLeak(response.body());
        }
        HttpResponse<String> delete = api.delete(attackerToken, "/jobs/" + victimJobId);
        record("another user's id: DELETE /jobs/{id}", 404, delete.statusCode(), true);
        assertThat(delete.statusCode()).isEqualTo(404);
        assertThat(api.job(victimToken, victimJobId).path("status").asText()).as("the victim's job is untouched").isEqualTo("DONE");
        HttpResponse<String> list = api.get(attackerToken, "/jobs");
        assertThat(list.statusCode()).isEqualTo(200);
        assertNoLeak(list.body());
        record("another user's jobs in GET /jobs", "absent", list.body().contains(victimJobId) ? "present" : "absent", true);
    }

    @Test
    @Order(3)
    void injectionInLoginAndRegistrationIsRefused() throws Exception {
        Api auth = api;
        for (String[] attempt : List.of(
                new String[]{"' OR '1'='1' -- ", "x"},
                new String[]{"victim@abuse.example' -- ", "anything"},
                new String[]{"victim@abuse.example", "' OR '1'='1"},
                new String[]{"\" OR \"\"=\"", "\" OR \"\"=\""})) {
            HttpResponse<String> login = auth.login(attempt[0], attempt[1]);
            record("SQL injection in login: " + attempt[0] + " / " + attempt[1], 401, login.statusCode(), true);
            assertThat(login.statusCode()).isEqualTo(401);
            assertNoLeak(login.body());
        }
        HttpResponse<String> crlfEmail = auth.register("evil@abuse.example\r\nBcc: everyone@abuse.example", "a long enough password");
        record("header injection in a registered email", 400, crlfEmail.statusCode(), true);
        assertThat(crlfEmail.statusCode()).isEqualTo(400);

        String basic = Base64.getEncoder().encodeToString("victim@abuse.example\r\nX-Injected: yes:pw".getBytes(StandardCharsets.UTF_8));
        String answer = auth.raw("POST /login HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic " + basic
                + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        int status = Integer.parseInt(answer.substring(9, 12));
        record("CRLF inside Basic credentials", 401, status, true);
        assertThat(status).isEqualTo(401);
        assertThat(answer).doesNotContainIgnoringCase("X-Injected");

        String split = auth.raw("GET /jobs HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + attackerToken
                + "\r\nX-Split: a\rInjected: b\r\nConnection: close\r\n\r\n");
        int splitStatus = Integer.parseInt(split.substring(9, 12));
        record("bare CR in a request header", "400", splitStatus, true);
        assertThat(splitStatus).isEqualTo(400);
    }

    @Test
    @Order(4)
    void fileNamesAreKeptAsPlainNamesAndNeverAsPaths() throws Exception {
        byte[] video = Files.readAllBytes(Media.mp4(3));
        Map<String, String> multipartNames = Map.of(
                "../../../../etc/passwd.mp4", "passwd.mp4",
                "..\\..\\windows\\win.ini.mp4", "win.ini.mp4",
                "bell\u0007\u001b[31mred.mp4", "bell[31mred.mp4"); // a terminal escape aimed at whoever reads logs
        for (var name : multipartNames.entrySet()) {
            HttpResponse<String> upload = api.uploadMultipart(attackerToken, name.getKey(), video, Map.of());
            String stored = Api.json(upload).path("originalFilename").asText();
            record("multipart file name " + name.getKey().replaceAll("\\p{Cntrl}", "?"), "202 " + name.getValue(),
                    upload.statusCode() + " " + stored, true);
            assertThat(upload.statusCode()).isEqualTo(202);
            assertThat(stored).isEqualTo(name.getValue());
        }
        // Raw body: the name is a path segment, so an encoded traversal or CR/LF must not survive either.
        Path file = Media.mp4(3);
        String rawPath = "/videos/..%2F..%2Fsecret%0D%0ASet-Cookie:%20x=1.mp4";
        String answer = api.raw("PUT " + rawPath + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + attackerToken
                + "\r\nContent-Length: " + Files.size(file) + "\r\nConnection: close\r\n\r\n" + new String(Files.readAllBytes(file),
                StandardCharsets.ISO_8859_1));
        int status = Integer.parseInt(answer.substring(9, 12));
        String jobId = Api.JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4)).path("jobId").asText();
        JsonNode job = api.awaitEnd(attackerToken, jobId, Duration.ofSeconds(60));
        String name = job.path("originalFilename").asText();
        HttpResponse<java.nio.file.Path> download = api.download(attackerToken, "/jobs/" + jobId + "/mp3",
                pipeline.dir.resolve("traversal.mp3"));
        String disposition = download.headers().firstValue("Content-Disposition").orElse("");
        record("raw upload named ..%2F..%2Fsecret%0D%0ASet-Cookie..", "202, no / or CR/LF", status + " " + name.replaceAll("\\p{Cntrl}", "?"), true);
        assertThat(status).isEqualTo(202);
        assertThat(name).doesNotContain("/", "\r", "\n");
        assertThat(download.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(disposition).doesNotContain("\r", "\n", "/");
    }

    @Test
    @Order(5)
    void badUploadsAreRefusedAndLeaveNothingStored() throws Exception {
        Path notMedia = TestMedia.file("abuse-notes.mp4", "just some text pretending to be a video\n".repeat(50).getBytes());
        Path playlist = TestMedia.file("abuse-playlist.mp4", ("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n"
                + "file:///etc/passwd\n#EXT-X-ENDLIST\n").getBytes());
        Path empty = TestMedia.file("abuse-empty.mp4", new byte[0]);
        Path oversized = TestMedia.file("abuse-oversized.mp4", oversizedMp4());

        expectUpload("empty raw body", () -> Answer.of(api.uploadRaw(attackerToken, "empty.mp4", empty)), 400);
        expectUpload("empty multipart file", () -> Answer.of(api.uploadMultipart(attackerToken, "empty.mp4", new byte[0], Map.of())), 400);
        expectUpload("text file named .mp4", () -> Answer.of(api.uploadRaw(attackerToken, "notes.mp4", notMedia)), 415);
        expectUpload("HLS playlist named .mp4 (reads file:///etc/passwd)", () -> Answer.of(api.uploadRaw(attackerToken, "movie.mp4", playlist)), 415);
        expectUpload("multipart playlist named .mp4", () -> Answer.of(api.uploadMultipart(attackerToken, "movie.mp4",
                Files.readAllBytes(playlist), Map.of())), 415);
        expectUpload("oversized raw body (Content-Length over the limit)", () -> Answer.of(api.uploadRaw(attackerToken, "huge.mp4", oversized)), 413);
        expectUpload("oversized chunked body (no length)", () -> chunkedUpload(oversized), 413);
        expectUpload("100 KB JSON body to /users", () -> Answer.of(api.register("big@abuse.example", "x".repeat(100_000))), 413);
        expectUpload("bitrate option out of range", () -> Answer.of(api.uploadMultipart(attackerToken, "clip.mp4",
                Files.readAllBytes(Media.mp4(3)), Map.of("bitrate", "100000"))), 400);

        // Truncated: looks like an MP4, so it is accepted; the converter fails it and the video is not kept.
        byte[] whole = Files.readAllBytes(Media.mp4(8));
        String jobId = Api.jobId(api.uploadRaw(attackerToken, "truncated.mp4",
                TestMedia.file("abuse-truncated.mp4", Arrays.copyOf(whole, whole.length / 3))));
        JsonNode failed = api.awaitEnd(attackerToken, jobId, Duration.ofSeconds(60));
        boolean nothingKept = !videoStored(jobId) && mp3s(jobId) == 0;
        record("truncated MP4", "202 then FAILED", "202 then " + failed.path("status").asText(), nothingKept);
        assertThat(failed.path("status").asText()).isEqualTo("FAILED");
        assertThat(nothingKept).isTrue();
    }

    @Test
    @Order(6)
    void fiftyParallelWrongPasswordsLockTheAccountButNotOthers() throws Exception {
        String email = "targeted@abuse.example";
        api.tokenFor(email, "the real long password");
        ExecutorService pool = Executors.newFixedThreadPool(25);
        List<Future<Integer>> attempts = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            int n = i;
            attempts.add(pool.submit(() -> api.login(email, "guess number " + n).statusCode()));
        }
        List<Integer> statuses = new ArrayList<>();
        for (Future<Integer> attempt : attempts) {
            statuses.add(attempt.get());
        }
        pool.shutdown();
        long throttled = statuses.stream().filter(s -> s == 429).count();
        record("50 parallel wrong passwords, one account", "401/429 only", statuses.stream().distinct().sorted().toList()
                + " (" + throttled + " throttled)", true);
        assertThat(statuses).allMatch(s -> s == 401 || s == 429);
        assertThat(throttled).as("the account is throttled").isGreaterThan(0);

        HttpResponse<String> rightPassword = api.login(email, "the real long password");
        record("right password while the account is locked", 429, rightPassword.statusCode(), true);
        assertThat(rightPassword.statusCode()).isEqualTo(429);
        assertThat(rightPassword.headers().firstValue("Retry-After")).isPresent();
        HttpResponse<String> otherAccount = api.login("victim@abuse.example", PASSWORD);
        record("another account meanwhile", 200, otherAccount.statusCode(), true);
        assertThat(otherAccount.statusCode()).isEqualTo(200);
    }

    @Test
    @Order(7)
    void aClientThatStallsMidUploadIsCutOffAndLeavesNothing() throws Exception {
        awaitNoJobInFlight();
        long filesBefore = count("videos.files");
        long chunksBefore = count("videos.chunks");
        byte[] start = Arrays.copyOf(Files.readAllBytes(Media.mp4(8)), 300_000);
        try (Socket socket = new Socket(api.base.getHost(), api.base.getPort())) {
            socket.setSoTimeout((Pipeline.IDLE_TIMEOUT_SECONDS + 20) * 1000);
            OutputStream out = socket.getOutputStream();
            out.write(("PUT /videos/slow.mp4 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + attackerToken
                    + "\r\nContent-Length: 5000000\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(start);
            out.flush();
            long stalled = System.nanoTime();
            // Meanwhile the service serves everyone else.
            assertThat(pipeline.service(Pipeline.GATEWAY).healthy("ready")).isTrue();
            assertThat(api.get(victimToken, "/jobs/" + victimJobId).statusCode()).isEqualTo(200);
            InputStream in = socket.getInputStream();
            byte[] answer = in.readAllBytes(); // returns when the server closes the connection
            double cutAfter = (System.nanoTime() - stalled) / 1e9;
            record("client stalls mid-upload (idle timeout " + Pipeline.IDLE_TIMEOUT_SECONDS + " s)", "cut off",
                    String.format("closed after %.1f s%s", cutAfter, answer.length > 0 ? " with " + new String(answer, 0, 12) : ""),
                    true);
            assertThat(cutAfter).isLessThan(Pipeline.IDLE_TIMEOUT_SECONDS + 15);
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(count("videos.files")).isEqualTo(filesBefore);
            assertThat(count("videos.chunks")).isEqualTo(chunksBefore);
        });
    }

    @Test
    @Order(8)
    void sixtyUploadsAtOnceAreAllTakenInTurnAndConverted() throws Exception {
        awaitNoJobInFlight();
        int users = 15;
        int perUser = Pipeline.UPLOADS_PER_USER_AT_ONCE; // each user's uploads at once; the crowd's far past the turns
        Path clip = Media.mp4(30);
        // Every body stops after its first 600 KB (two chunks: the upload is being stored) until all 60 got that
        // far, or for 5 s: uploads the gateway lets in all hold their memory at once. Before uploads took turns,
        // 60 at once ran the gateway's 80 MB heap out.
        CountDownLatch allStarted = new CountDownLatch(users * perUser);
        ExecutorService pool = Executors.newFixedThreadPool(users * perUser);
        Map<Future<HttpResponse<String>>, String> answers = new java.util.LinkedHashMap<>();
        for (int u = 0; u < users; u++) {
            String token = api.tokenFor("crowd-" + u + "@abuse.example", "the crowd's long password");
            for (int i = 0; i < perUser; i++) {
                byte[] video = Files.readAllBytes(Media.distinct(clip, 1000 + u * perUser + i));
                var body = HttpRequest.BodyPublishers.ofInputStream(() -> new HeldAfter(video, 600_000, allStarted));
                answers.put(pool.submit(() -> api.put(token, Api.videoPath("crowd.mp4", Map.of()), body)), token);
            }
        }
        List<Integer> statuses = new ArrayList<>();
        List<String> ends = new ArrayList<>();
        for (var answer : answers.entrySet()) {
            HttpResponse<String> response = answer.getKey().get();
            statuses.add(response.statusCode());
            if (response.statusCode() == 202) {
                ends.add(api.awaitEnd(answer.getValue(), Api.jobId(response), Duration.ofSeconds(240)).path("status").asText());
            }
        }
        pool.shutdown();
        record(answers.size() + " uploads at once (the gateway takes 16 at a time)", "202 each, then DONE",
                statuses.stream().distinct().sorted().toList() + " then " + ends.stream().distinct().sorted().toList(), true);
        assertThat(statuses).as("every upload is taken, the rest waiting their turn").containsOnly(202);
        assertThat(ends).as("and converted").hasSize(answers.size()).containsOnly("DONE");
    }

    /** A body that stops after {@code first} bytes until {@code gate} opens (it counts down once), or for 5 s. */
    private static final class HeldAfter extends java.io.ByteArrayInputStream {
        private final int first;
        private final CountDownLatch gate;
        private boolean held;

        HeldAfter(byte[] body, int first, CountDownLatch gate) {
            super(body);
            this.first = first;
            this.gate = gate;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            if (!held && pos >= first) {
                held = true;
                gate.countDown();
                try {
                    gate.await(5, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return super.read(b, off, held ? len : Math.min(len, first - pos));
        }
    }

    // ---------------------------------------------------------------------------------------------

    private void expectToken(String name, String token, String path, int expected) {
        HttpResponse<String> response = api.get(token, path);
        record("token: " + name, expected, response.statusCode(), true);
        assertThat(response.statusCode()).as(name).isEqualTo(expected);
        if (expected != 200) {
            assertThat(response.body()).as(name).doesNotContain("private diary");
        }
    }

    /** Status and body of an answer, from the HTTP client or from a raw socket. */
    private record Answer(int status, String body) {
        static Answer of(HttpResponse<String> response) {
            return new Answer(response.statusCode(), response.body());
        }
    }

    private void expectUpload(String name, Callable<Answer> upload, int expected) throws Exception {
        awaitNoJobInFlight(); // finished jobs release their videos, which would move the counts
        long files = count("videos.files");
        long chunks = count("videos.chunks");
        long jobs = count("jobs");
        Answer response = upload.call();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).ignoreExceptions()
                .until(() -> count("videos.chunks") == chunks);
        boolean nothing = count("videos.files") == files && count("videos.chunks") == chunks && count("jobs") == jobs;
        record(name, expected, response.status(), nothing);
        assertThat(response.status()).as(name + ": " + response.body()).isEqualTo(expected);
        assertThat(nothing).as(name + " stored nothing").isTrue();
        assertNoLeak(response.body());
        assertThat(Api.JSON.readTree(response.body()).path("error").asText()).as("a clear error message").isNotBlank();
    }

    private Answer chunkedUpload(Path file) throws Exception {
        String answer = api.raw("PUT /videos/chunked.mp4 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + attackerToken
                + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunked(Files.readAllBytes(file)));
        int status = Integer.parseInt(answer.substring(9, 12));
        String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
        // The body may come chunked: keep the JSON object.
        return new Answer(status, body.substring(body.indexOf('{'), body.lastIndexOf('}') + 1));
    }

    private static String chunked(byte[] data) {
        StringBuilder out = new StringBuilder();
        for (int offset = 0; offset < data.length; offset += 65536) {
            int length = Math.min(65536, data.length - offset);
            out.append(Integer.toHexString(length)).append("\r\n")
                    .append(new String(data, offset, length, StandardCharsets.ISO_8859_1)).append("\r\n");
        }
        return out.append("0\r\n\r\n").toString();
    }

    /** A real MP4 header followed by padding, one MiB over the gateway's limit. */
    private static byte[] oversizedMp4() throws Exception {
        byte[] head = Files.readAllBytes(Media.mp4(3));
        return Arrays.copyOf(head, (int) Pipeline.UPLOAD_MAX_BYTES + 1024 * 1024);
    }

    private static void record(String name, Object expected, Object got, boolean storedNothing) {
        boolean healthy = pipeline.service(Pipeline.GATEWAY).healthy("ready") && pipeline.service(Pipeline.AUTH).healthy("ready");
        REPORT.row(name, expected, got, storedNothing ? "yes" : "NO", healthy ? "yes" : "NO");
        assertThat(healthy).as("gateway and auth healthy after: " + name).isTrue();
    }

    private static void assertNoLeak(String body) {
        assertThat(body).doesNotContain("Exception", "\tat ", "at com.", "at io.", "SQL", "/work/", "private diary");
    }

    private static void awaitNoJobInFlight() {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
                db().getCollection("jobs").countDocuments(Filters.in("status", "QUEUED", "CONVERTING")) == 0);
    }

    private static long count(String collection) {
        return db().getCollection(collection).countDocuments();
    }

    private static boolean videoStored(String jobId) {
        return db().getCollection("videos.files").countDocuments(Filters.eq("metadata.jobId", jobId)) > 0;
    }

    private static long mp3s(String jobId) {
        return db().getCollection("mp3s.files").countDocuments(Filters.eq("metadata.jobId", jobId));
    }

    private static MongoDatabase db() {
        return pipeline.mongo();
    }

    private static String subject(String token) throws Exception {
        String payload = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8);
        return JwtClaims.parse(payload).getSubject();
    }

    /** Keeps the header and signature of a real token and puts another subject in its payload. */
    private static String swapSubject(String token, String subject) throws Exception {
        String[] parts = token.split("\\.");
        JwtClaims claims = JwtClaims.parse(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
        claims.setSubject(subject);
        String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(claims.toJson().getBytes(StandardCharsets.UTF_8));
        return parts[0] + "." + payload + "." + parts[2];
    }
}
