package com.mp3converter.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.gridfs.GridFSBuckets;
import com.mongodb.client.model.Filters;
import com.mp3converter.contracts.DownloadLinks;
import io.quarkus.test.common.QuarkusTestResource;
import org.eclipse.microprofile.config.ConfigProvider;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

@QuarkusTest
@QuarkusTestResource(value = GatewayInfra.class, restrictToAnnotatedClass = true)
class GatewayTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL base;

    /** Bytes that start like an MP4 (ftyp box) followed by noise: enough for the gateway, which only sniffs. */
    static byte[] fakeMp4(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        byte[] ftyp = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0, 'i', 's', 'o', 'm', 'm', 'p', '4', '1'};
        System.arraycopy(ftyp, 0, bytes, 0, ftyp.length);
        return bytes;
    }

    static long videoChunks() {
        return GatewayInfra.db().getCollection("videos.chunks").countDocuments();
    }

    static long videoFiles() {
        return GatewayInfra.db().getCollection("videos.files").countDocuments();
    }

    static long jobs() {
        return GatewayInfra.db().getCollection("jobs").countDocuments();
    }

    static Response uploadMultipart(String token, byte[] content, String filename) {
        return given().auth().oauth2(token).multiPart("file", filename, content, "video/mp4").post("/upload");
    }

    /** A video of its own (other bytes than any earlier upload, so it is never answered from an earlier MP3). */
    static String uploadAndGetJobId(String token) {
        return uploadMultipart(token, uniqueFakeMp4(300_000), "clip.mp4").then().statusCode(202).extract().path("jobId");
    }

    static byte[] uniqueFakeMp4(int size) {
        byte[] video = fakeMp4(size);
        byte[] noise = new byte[64];
        new Random().nextBytes(noise);
        System.arraycopy(noise, 0, video, 64, noise.length);
        return video;
    }

    @BeforeEach
    void emptyQueue() throws Exception {
        GatewayInfra.drainRequests();
    }

    @Test
    void multipartUploadIsStoredHashedAndQueued() throws Exception {
        byte[] video = fakeMp4(1_000_000);
        String token = GatewayInfra.token(Map.of("upn", "alice@example.com"));
        String jobId = uploadMultipart(token, video, "../../etc/My Clip.mp4").then()
                .statusCode(202)
                .body("status", equalTo("QUEUED"))
                .body("originalFilename", equalTo("My Clip.mp4"))
                .body("size", equalTo(video.length))
                .body("links.self", notNullValue())
                .extract().path("jobId");

        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(video));
        Document file = GatewayInfra.db().getCollection("videos.files").find(Filters.eq("metadata.jobId", jobId)).first();
        assertThat(file).isNotNull();
        assertThat(file.get("length", Number.class).longValue()).isEqualTo(video.length);
        assertThat(file.get("metadata", Document.class).getString("sha256")).isEqualTo(sha256);
        var stored = new java.io.ByteArrayOutputStream();
        GridFSBuckets.create(GatewayInfra.db(), "videos").downloadToStream(file.getObjectId("_id"), stored);
        assertThat(stored.toByteArray()).isEqualTo(video);

        JsonNode request = awaitOneRequest(jobId);
        assertThat(request.get("videoId").asText()).isEqualTo(file.getObjectId("_id").toHexString());
        assertThat(request.get("container").asText()).isEqualTo("mov");
        assertThat(request.get("ownerEmail").asText()).isEqualTo("alice@example.com");
        assertThat(request.get("originalFilename").asText()).isEqualTo("My Clip.mp4");

        given().auth().oauth2(token).get("/jobs/" + jobId).then().statusCode(200)
                .body("status", equalTo("QUEUED")).body("sha256", equalTo(sha256));
    }

    @Test
    void rawBodyUploadCarriesTheConversionOptions() throws Exception {
        String token = GatewayInfra.token();
        String jobId = given().auth().oauth2(token).body(fakeMp4(200_000))
                .put("/videos/talk.mp4?bitrate=192&sampleRate=44100&channels=1&start=1.5&end=30")
                .then().statusCode(202).body("options.bitrateKbps", equalTo(192)).extract().path("jobId");
        JsonNode options = awaitOneRequest(jobId).get("options");
        assertThat(options.get("bitrateKbps").asInt()).isEqualTo(192);
        assertThat(options.get("sampleRate").asInt()).isEqualTo(44100);
        assertThat(options.get("channels").asInt()).isEqualTo(1);
        assertThat(options.get("startSeconds").asDouble()).isEqualTo(1.5);
        assertThat(options.get("endSeconds").asDouble()).isEqualTo(30.0);
        assertThat(options.has("vbrQuality")).isFalse();
    }

    @Test
    void anUploadRepeatedWithItsIdempotencyKeyGivesBackTheFirstJobAndStoresNothingTwice() throws Exception {
        String token = GatewayInfra.token();
        byte[] video = fakeMp4(150_000);
        String first = given().auth().oauth2(token).header("Idempotency-Key", "retry-42").body(video)
                .put("/videos/clip.mp4").then().statusCode(202).extract().path("jobId");
        awaitOneRequest(first);
        long videosBefore = GatewayInfra.db().getCollection("videos.files").countDocuments();
        String again = given().auth().oauth2(token).header("Idempotency-Key", "retry-42")
                .multiPart("file", "clip.mp4", video, "video/mp4").post("/upload").then().statusCode(202).extract().path("jobId");
        assertThat(again).isEqualTo(first);
        assertThat(GatewayInfra.db().getCollection("videos.files").countDocuments()).isEqualTo(videosBefore);
        Thread.sleep(500);
        assertThat(GatewayInfra.drainRequests()).noneMatch(r -> r.contains(first));

        given().auth().oauth2(token).header("Idempotency-Key", "retry-42").body(fakeMp4(150_001))
                .put("/videos/other.mp4").then().statusCode(422).body("error", containsString("Idempotency-Key"));
        assertThat(GatewayInfra.db().getCollection("videos.files").countDocuments()).isEqualTo(videosBefore);
        String otherUsers = given().auth().oauth2(GatewayInfra.token()).header("Idempotency-Key", "retry-42").body(video)
                .put("/videos/clip.mp4").then().statusCode(202).extract().path("jobId");
        assertThat(otherUsers).as("keys are per user").isNotEqualTo(first);
    }

    @Test
    void multipartFormFieldsAreOptionsToo() throws Exception {
        String token = GatewayInfra.token();
        String jobId = given().auth().oauth2(token)
                .multiPart("file", "a.mp4", fakeMp4(100_000), "video/mp4").multiPart("quality", "0")
                .post("/upload").then().statusCode(202).extract().path("jobId");
        // Published when the file began, before the field after it was read: the final options go with the job and
        // with the stored video, where the converter reads them once the upload is complete.
        awaitOneRequest(jobId);
        given().auth().oauth2(token).get("/jobs/" + jobId).then().body("options.vbrQuality", equalTo(0))
                .body("uploadedAt", notNullValue());
        Document video = GatewayInfra.db().getCollection("videos.files").find(Filters.eq("metadata.jobId", jobId)).first();
        assertThat(video.get("metadata", Document.class).get("options", Document.class).getInteger("vbrQuality")).isEqualTo(0);
    }

    @Test
    void refusedUploadsLeaveNothingStored() throws Exception {
        String token = GatewayInfra.token();
        long chunks = videoChunks(), files = videoFiles(), jobs = jobs();

        given().auth().oauth2(token).body(fakeMp4(1000)).put("/videos/x.mp4?bitrate=100")
                .then().statusCode(400).body("error", containsString("bitrate"));
        given().auth().oauth2(token).body(fakeMp4(1000)).put("/videos/x.mp4?bitrate=128&quality=2")
                .then().statusCode(400);
        given().auth().oauth2(token).body(fakeMp4(1000)).put("/videos/x.mp4?start=10&end=5")
                .then().statusCode(400).body("error", containsString("end"));
        given().auth().oauth2(token).multiPart("file", "a.mp4", fakeMp4(1000), "video/mp4").multiPart("channels", "3")
                .post("/upload").then().statusCode(400).body("error", containsString("channels"));
        uploadMultipart(token, new byte[0], "empty.mp4").then().statusCode(400).body("error", containsString("empty"));
        given().auth().oauth2(token).multiPart("description", "no file here").post("/upload")
                .then().statusCode(400).body("error", containsString("file"));
        given().auth().oauth2(token).multiPart("file", "a.mp4", fakeMp4(5000), "video/mp4")
                .multiPart("file", "b.mp4", fakeMp4(5000), "video/mp4").post("/upload")
                .then().statusCode(400).body("error", containsString("exactly one"));
        uploadMultipart(token, "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\nfile:///etc/passwd\n".getBytes(), "evil.mp4")
                .then().statusCode(415);
        uploadMultipart(token, "just some text, named like a video".getBytes(), "notes.mp4").then().statusCode(415);
        // Over the limit (8 MB in tests): refused while streaming (chunked, no Content-Length) ...
        HttpResponse<String> chunked = HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.toURI().resolve("/videos/big.mp4"))
                .header("Authorization", "Bearer " + token)
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(fakeMp4(9_000_000)))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(chunked.statusCode()).isEqualTo(413);
        assertThat(chunked.body()).contains("larger than the limit");
        // ... and at once, before the body is sent, when the declared length is already too big.
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.getOutputStream().write(("PUT /videos/big.mp4 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + token + "\r\nContent-Length: 9000000\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(answer).isEqualTo("HTTP/1.1 413");
        }

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(videoChunks()).isEqualTo(chunks);
            assertThat(videoFiles()).isEqualTo(files);
            assertThat(jobs()).isEqualTo(jobs);
        });
        // Uploads refused midway were queued when their head was accepted; their jobs and videos are gone, so a
        // converter that took one finds nothing to convert.
        for (String request : GatewayInfra.drainRequests()) {
            String videoId = new ObjectMapper().readTree(request).get("videoId").asText();
            assertThat(GatewayInfra.db().getCollection("videos.chunks").countDocuments(Filters.eq("files_id", new ObjectId(videoId))))
                    .isZero();
        }
    }

    @Test
    void anUploadThatAsksToContinueIsToldToOnlyOnceItIsAllowed() throws Exception {
        byte[] video = uniqueFakeMp4(200_000);
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("PUT /videos/asks.mp4 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + GatewayInfra.token() + "\r\nContent-Length: " + video.length + "\r\nExpect: 100-continue\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            // curl waits a second for this line before it sends any body over 1 MB
            assertThat(new String(socket.getInputStream().readNBytes(25), StandardCharsets.US_ASCII))
                    .isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
            socket.getOutputStream().write(video);
            assertThat(new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 202");
        }
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("PUT /videos/asks.mp4 HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
                    + video.length + "\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 401");
        }
    }

    @Test
    void clientThatDisconnectsMidUploadLeavesNothingBehind() throws Exception {
        long chunks = videoChunks(), jobs = jobs();
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("PUT /videos/partial.mp4 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + GatewayInfra.token() + "\r\nContent-Length: 8000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(fakeMp4(3_000_000));
            out.flush();
            Thread.sleep(500);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(videoChunks()).isEqualTo(chunks);
            assertThat(jobs()).isEqualTo(jobs);
        });
    }

    @Test
    void badTokensGet401AndATokenWithoutTheUserGroupGets403() throws Exception {
        String valid = GatewayInfra.token();
        String[] parts = valid.split("\\.");
        String tampered = parts[0] + "." + parts[1].substring(0, parts[1].length() - 2) + "AA." + parts[2];

        JwtClaims claims = JwtClaims.parse(new String(java.util.Base64.getUrlDecoder().decode(parts[1])));
        JsonWebSignature none = new JsonWebSignature();
        none.setPayload(claims.toJson());
        none.setAlgorithmHeaderValue(AlgorithmIdentifiers.NONE);
        none.setAlgorithmConstraints(org.jose4j.jwa.AlgorithmConstraints.NO_CONSTRAINTS);
        String algNone = none.getCompactSerialization();

        List<String> rejected = List.of("", "garbage", "a.b.c", tampered, algNone,
                GatewayInfra.token(Map.of("exp", System.currentTimeMillis() / 1000 - 120)),
                GatewayInfra.token(Map.of("iss", "https://evil.example")),
                GatewayInfra.token(Map.of("aud", "another-service")));
        for (String token : rejected) {
            given().header("Authorization", "Bearer " + token).get("/jobs").then().statusCode(401);
            given().header("Authorization", "Bearer " + token).body(fakeMp4(1000)).put("/videos/a.mp4").then().statusCode(401);
        }
        given().get("/jobs").then().statusCode(401);
        given().body(fakeMp4(1000)).put("/videos/a.mp4").then().statusCode(401);
        given().multiPart("file", "a.mp4", fakeMp4(1000)).post("/upload").then().statusCode(401);

        String noGroup = GatewayInfra.token(Map.of("groups", List.of("guest")));
        given().auth().oauth2(noGroup).get("/jobs").then().statusCode(403);
        given().auth().oauth2(noGroup).body(fakeMp4(1000)).put("/videos/a.mp4").then().statusCode(403);
        given().auth().oauth2(valid).get("/jobs").then().statusCode(200);
    }

    @Test
    void otherUsersGet404ForJobsAndFilesTheyDoNotOwn() throws Exception {
        String alice = GatewayInfra.token();
        String bob = GatewayInfra.token();
        String jobId = uploadAndGetJobId(alice);
        String mp3Id = finishJobWithMp3(jobId, alice, new byte[]{1, 2, 3});

        String missing = given().auth().oauth2(bob).get("/jobs/does-not-exist").then().statusCode(404).extract().asString();
        String foreign = given().auth().oauth2(bob).get("/jobs/" + jobId).then().statusCode(404).extract().asString();
        assertThat(foreign).isEqualTo(missing);
        given().auth().oauth2(bob).get("/download?fid=" + mp3Id).then().statusCode(404);
        given().auth().oauth2(bob).get("/download?fid=" + jobId).then().statusCode(404);
        given().auth().oauth2(bob).get("/jobs/" + jobId + "/mp3").then().statusCode(404);
        given().auth().oauth2(bob).delete("/jobs/" + jobId).then().statusCode(404);
        given().auth().oauth2(bob).get("/jobs").then().statusCode(200).body("jobs", hasSize(0));

        given().auth().oauth2(alice).get("/jobs").then().statusCode(200).body("jobs", hasSize(1))
                .body("jobs[0].jobId", equalTo(jobId));
    }

    @Test
    void finishedMp3DownloadsWholeAndByRange() throws Exception {
        String token = GatewayInfra.token();
        String jobId = uploadAndGetJobId(token);
        given().auth().oauth2(token).get("/jobs/" + jobId + "/mp3").then().statusCode(409)
                .body("error", containsString("QUEUED"));

        byte[] mp3 = new byte[700_000];
        new Random(7).nextBytes(mp3);
        String mp3Id = finishJobWithMp3(jobId, token, mp3);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(videoOfJobStored(jobId))
                .as("the source video is released once the MP3 exists").isFalse());

        byte[] whole = given().auth().oauth2(token).get("/download?fid=" + mp3Id).then().statusCode(200)
                .contentType("audio/mpeg").header("Content-Length", String.valueOf(mp3.length))
                .header("Content-Disposition", containsString("clip.mp3"))
                .extract().asByteArray();
        assertThat(whole).isEqualTo(mp3);
        byte[] byJobId = given().auth().oauth2(token).get("/download?fid=" + jobId).then().statusCode(200).extract().asByteArray();
        assertThat(byJobId).isEqualTo(mp3);

        byte[] part = given().auth().oauth2(token).header("Range", "bytes=1000-1999").get("/jobs/" + jobId + "/mp3")
                .then().statusCode(206).header("Content-Range", "bytes 1000-1999/" + mp3.length)
                .header("Content-Length", "1000").extract().asByteArray();
        assertThat(part).isEqualTo(java.util.Arrays.copyOfRange(mp3, 1000, 2000));
        byte[] tail = given().auth().oauth2(token).header("Range", "bytes=-10").get("/download?fid=" + mp3Id)
                .then().statusCode(206).extract().asByteArray();
        assertThat(tail).isEqualTo(java.util.Arrays.copyOfRange(mp3, mp3.length - 10, mp3.length));
        given().auth().oauth2(token).header("Range", "bytes=999999999-").get("/download?fid=" + mp3Id)
                .then().statusCode(416);
    }

    @Test
    void aOneClickLinkDownloadsTheMp3WithoutATokenUntilItIsTamperedWithExpiresOrItsJobIsDeleted() throws Exception {
        String token = GatewayInfra.token();
        String jobId = uploadAndGetJobId(token);
        given().auth().oauth2(token).get("/jobs/" + jobId).then().body("links.oneClick", nullValue());
        byte[] mp3 = new byte[50_000];
        new Random(11).nextBytes(mp3);
        String mp3Id = finishJobWithMp3(jobId, token, mp3);

        String link = given().auth().oauth2(token).get("/jobs/" + jobId).then().extract().path("links.oneClick");
        assertThat(link).startsWith("/links/" + jobId + "." + mp3Id + ".");
        byte[] clicked = given().get(link).then().statusCode(200).contentType("audio/mpeg")
                .header("Cache-Control", containsString("no-store")).header("Content-Disposition", containsString("clip.mp3"))
                .extract().asByteArray();
        assertThat(clicked).isEqualTo(mp3);
        given().header("Range", "bytes=0-99").get(link).then().statusCode(206).header("Content-Length", "100");

        DownloadLinks signer = new DownloadLinks(ConfigProvider.getConfig().getValue("gateway.download-link.key", String.class), List.of());
        String refused = given().get("/links/not-a-link").then().statusCode(404).extract().asString();
        String flipped = link.substring(0, link.length() - 1) + (link.endsWith("A") ? "B" : "A");
        String expired = DownloadLinks.PATH + signer.sign(new DownloadLinks.Link(jobId, mp3Id, Instant.now().minusSeconds(1)));
        String otherMp3 = DownloadLinks.PATH + signer.sign(new DownloadLinks.Link(jobId, new ObjectId().toHexString(),
                Instant.now().plusSeconds(3600)));
        String foreignKey = DownloadLinks.PATH + new DownloadLinks("f".repeat(32), List.of())
                .sign(new DownloadLinks.Link(jobId, mp3Id, Instant.now().plusSeconds(3600)));
        for (String bad : List.of(flipped, expired, otherMp3, foreignKey)) {
            assertThat(given().get(bad).then().statusCode(404).extract().asString()).as("one answer for every bad link: " + bad)
                    .isEqualTo(refused);
        }

        given().auth().oauth2(token).delete("/jobs/" + jobId).then().statusCode(204);
        assertThat(given().get(link).then().statusCode(404).extract().asString()).as("dead with its job").isEqualTo(refused);
    }

    @Test
    void theSameVideoWithTheSameOptionsAgainIsDoneAtOnceWithTheEarlierMp3AndNoConversion() throws Exception {
        String token = GatewayInfra.token(Map.of("sub", "repeat-" + java.util.UUID.randomUUID(), "upn", "repeat@example.com"));
        byte[] video = uniqueFakeMp4(400_000);
        String firstJob = uploadMultipart(token, video, "talk.mp4").then().statusCode(202).extract().path("jobId");
        awaitOneRequest(firstJob);
        byte[] mp3 = new byte[90_000];
        new Random(5).nextBytes(mp3);
        String firstMp3 = finishJobWithMp3(firstJob, token, mp3);

        Response again = uploadMultipart(token, video, "talk again.mp4");
        again.then().statusCode(202).body("status", equalTo("DONE")).body("mp3Size", equalTo(mp3.length))
                .body("durationSeconds", equalTo(12.5f));
        String secondJob = again.path("jobId");
        String secondMp3 = again.path("mp3Id");
        assertThat(secondJob).isNotEqualTo(firstJob);
        assertThat(secondMp3).as("the earlier MP3, shared").isEqualTo(firstMp3);
        assertThat(videoOfJobStored(secondJob)).as("the video is not kept twice").isFalse();
        assertThat(GatewayInfra.drainRequests()).as("nothing for a converter to do").isEmpty();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(GatewayInfra.db().getCollection("jobs")
                .find(Filters.eq("_id", secondJob)).first().getBoolean("published")).as("its DONE event confirmed by the broker").isTrue());
        byte[] secondDownload = given().auth().oauth2(token).get("/jobs/" + secondJob + "/mp3").then().statusCode(200)
                .header("Content-Disposition", containsString("talk again.mp3")).extract().asByteArray();
        assertThat(secondDownload).isEqualTo(mp3);

        given().auth().oauth2(token).delete("/jobs/" + firstJob).then().statusCode(204);
        assertThat(given().auth().oauth2(token).get("/jobs/" + secondJob + "/mp3").then().statusCode(200).extract().asByteArray())
                .as("deleting the first job leaves the second whole").isEqualTo(mp3);
        given().auth().oauth2(token).delete("/jobs/" + secondJob).then().statusCode(204);
        assertThat(GatewayInfra.db().getCollection("mp3s.files").countDocuments(Filters.eq("_id", new ObjectId(firstMp3))))
                .as("the MP3 goes with the last job naming it").isZero();

        String otherOptions = given().auth().oauth2(token).multiPart("file", "talk.mp4", video, "video/mp4")
                .multiPart("bitrate", "128").post("/upload").then().statusCode(202)
                .body("status", equalTo("QUEUED")).extract().path("jobId");
        awaitOneRequest(otherOptions);
        String otherUser = GatewayInfra.token(Map.of("sub", "someone-else-" + java.util.UUID.randomUUID()));
        String otherUsersJob = uploadMultipart(otherUser, video, "talk.mp4").then().statusCode(202)
                .body("status", equalTo("QUEUED")).extract().path("jobId");
        awaitOneRequest(otherUsersJob);
    }

    @Test
    void deletingAJobWhileItsVideoIsUploadedAgainNeverLeavesADoneJobWithoutItsMp3() throws Exception {
        String token = GatewayInfra.token(Map.of("sub", "race-" + java.util.UUID.randomUUID()));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        Map<String, byte[]> mp3OfRepeat = new java.util.HashMap<>();
        try {
            for (int round = 0; round < 8; round++) {
                byte[] video = uniqueFakeMp4(60_000);
                byte[] mp3 = new byte[5_000 + round];
                new Random(round).nextBytes(mp3);
                String first = uploadMultipart(token, video, "race.mp4").then().statusCode(202).extract().path("jobId");
                finishJobWithMp3(first, token, mp3);
                long deleteAfterMillis = round * 15L; // the delete lands at a different step of the repeat each round
                java.util.concurrent.Future<String> repeat = pool.submit(() ->
                        uploadMultipart(token, video, "race again.mp4").then().statusCode(202).extract().<String>path("jobId"));
                java.util.concurrent.Future<?> delete = pool.submit(() -> {
                    Thread.sleep(deleteAfterMillis);
                    given().auth().oauth2(token).delete("/jobs/" + first).then().statusCode(204);
                    return null;
                });
                mp3OfRepeat.put(repeat.get(), mp3);
                delete.get();
            }
        } finally {
            pool.shutdownNow();
        }
        mp3OfRepeat.forEach((jobId, mp3) -> {
            String status = given().auth().oauth2(token).get("/jobs/" + jobId).then().statusCode(200).extract().path("status");
            if ("DONE".equals(status)) { // else it is converted as usual: its earlier MP3 was going when it looked
                assertThat(given().auth().oauth2(token).get("/jobs/" + jobId + "/mp3").then().statusCode(200).extract().asByteArray())
                        .as("job %s is DONE with its MP3", jobId).isEqualTo(mp3);
            }
        });
    }

    @Test
    void aWaitingJobShowsItsPlaceAndWhenItShouldStartFromTheMeasuredSpeed() throws Exception {
        String token = GatewayInfra.token();
        String measured = uploadAndGetJobId(token);
        Instant started = Instant.now().minusSeconds(40);
        GatewayInfra.publishEvent("{\"jobId\":\"" + measured + "\",\"type\":\"STARTED\",\"occurredAt\":\"" + started + "\"}");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().auth().oauth2(token).get("/jobs/" + measured).then()
                .body("status", equalTo("CONVERTING")));
        GatewayInfra.publishEvent("{\"jobId\":\"" + measured + "\",\"type\":\"DONE\",\"mp3Id\":\"" + new ObjectId().toHexString()
                + "\",\"mp3Size\":3,\"durationSeconds\":600,\"occurredAt\":\"" + started.plusSeconds(30) + "\"}");

        String waiting = uploadAndGetJobId(token);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> given().auth().oauth2(token).get("/jobs/" + waiting).then()
                .body("status", equalTo("QUEUED")).body("queuePosition", greaterThanOrEqualTo(1))
                .body("startsInSeconds", greaterThanOrEqualTo(30)));
        given().auth().oauth2(token).get("/jobs/" + measured).then().body("status", equalTo("DONE"))
                .body("queuePosition", nullValue()).body("startsInSeconds", nullValue());
    }

    @Test
    void cancellingAJobStopsItReleasesItsVideoTellsTheConvertersAndIsDecidedOnce() throws Exception {
        String token = GatewayInfra.token();
        String waiting = uploadAndGetJobId(token);
        given().auth().oauth2(token).post("/jobs/" + waiting + "/cancel").then().statusCode(200)
                .body("status", equalTo("CANCELLED")).body("reason", equalTo("cancelled by its owner")).body("finishedAt", notNullValue());
        assertThat(videoOfJobStored(waiting)).as("its video released").isFalse();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(GatewayInfra.db().getCollection("jobs")
                .find(Filters.eq("_id", waiting)).first().getBoolean("published")).as("the converters told (confirmed)").isTrue());
        given().auth().oauth2(token).post("/jobs/" + waiting + "/cancel").then().statusCode(200).body("status", equalTo("CANCELLED"));

        String converting = uploadAndGetJobId(token);
        GatewayInfra.publishEvent("{\"jobId\":\"" + converting + "\",\"type\":\"STARTED\"}");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().auth().oauth2(token).get("/jobs/" + converting).then()
                .body("status", equalTo("CONVERTING")));
        given().auth().oauth2(token).post("/jobs/" + converting + "/cancel").then().statusCode(200).body("status", equalTo("CANCELLED"));
        // It finished in the same instant: the decision stands, and the MP3 is not kept.
        ObjectId lateMp3 = GridFSBuckets.create(GatewayInfra.db(), "mp3s").uploadFromStream("x.mp3", new ByteArrayInputStream(new byte[]{1}),
                new com.mongodb.client.gridfs.model.GridFSUploadOptions().metadata(new Document("jobId", converting)));
        GatewayInfra.publishEvent("{\"jobId\":\"" + converting + "\",\"type\":\"DONE\",\"mp3Id\":\"" + lateMp3.toHexString()
                + "\",\"mp3Size\":1,\"durationSeconds\":1}");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(GatewayInfra.db().getCollection("mp3s.files")
                .countDocuments(Filters.eq("_id", lateMp3))).isZero());
        given().auth().oauth2(token).get("/jobs/" + converting).then().body("status", equalTo("CANCELLED"));

        String done = uploadAndGetJobId(token);
        finishJobWithMp3(done, token, new byte[]{7});
        given().auth().oauth2(token).post("/jobs/" + done + "/cancel").then().statusCode(409).body("error", containsString("DONE"));
        String stranger = GatewayInfra.token(Map.of("sub", "stranger-" + java.util.UUID.randomUUID()));
        given().auth().oauth2(stranger).post("/jobs/" + waiting + "/cancel").then().statusCode(404);
    }

    @Test
    void aVideoWhoseTrackListShowsNoAudioIsRefusedAtOnceAndNothingIsKept() throws Exception {
        String token = GatewayInfra.token(Map.of("sub", "silent-" + java.util.UUID.randomUUID()));
        byte[] silent = java.nio.file.Files.readAllBytes(com.mp3converter.devinfra.TestMedia.silentVideo("silent-faststart.mp4", 3,
                "-c:v", "libx264", "-preset", "ultrafast", "-movflags", "+faststart"));
        uploadMultipart(token, silent, "screen recording.mp4").then().statusCode(422).body("error", containsString("no audio track"));
        given().auth().oauth2(token).get("/jobs").then().body("total", equalTo(0));
        assertThat(GatewayInfra.drainRequests()).isEmpty();
    }

    @Test
    void progressAndFailureEventsShowInTheJobStatus() throws Exception {
        String token = GatewayInfra.token();
        String jobId = uploadAndGetJobId(token);
        GatewayInfra.publishEvent("{\"jobId\":\"" + jobId + "\",\"type\":\"STARTED\"}");
        GatewayInfra.publishEvent("{\"jobId\":\"" + jobId + "\",\"type\":\"PROGRESS\",\"progress\":40}");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().auth().oauth2(token).get("/jobs/" + jobId)
                .then().body("status", equalTo("CONVERTING")).body("progress", equalTo(40))
                .body("startedAt", notNullValue()));
        GatewayInfra.publishEvent("{\"jobId\":\"" + jobId + "\",\"type\":\"FAILED\",\"reason\":\"the file has no audio track\"}");
        // A late progress event must not undo the failure.
        GatewayInfra.publishEvent("{\"jobId\":\"" + jobId + "\",\"type\":\"PROGRESS\",\"progress\":60}");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().auth().oauth2(token).get("/jobs/" + jobId)
                .then().body("status", equalTo("FAILED")).body("reason", equalTo("the file has no audio track"))
                .body("finishedAt", notNullValue()));
        given().auth().oauth2(token).get("/download?fid=" + jobId).then().statusCode(409)
                .body("error", containsString("no audio track"));
        assertThat(videoOfJobStored(jobId)).as("a video that cannot be converted is not kept").isFalse();
    }

    static boolean videoOfJobStored(String jobId) {
        return GatewayInfra.db().getCollection("videos.files").countDocuments(Filters.eq("metadata.jobId", jobId)) > 0;
    }

    @Test
    void deleteRemovesTheJobItsVideoAndItsMp3() throws Exception {
        String token = GatewayInfra.token();
        String jobId = uploadAndGetJobId(token);
        String mp3Id = finishJobWithMp3(jobId, token, new byte[]{9, 9, 9});
        given().auth().oauth2(token).delete("/jobs/" + jobId).then().statusCode(204);
        given().auth().oauth2(token).get("/jobs/" + jobId).then().statusCode(404);
        assertThat(GatewayInfra.db().getCollection("videos.files").countDocuments(Filters.eq("metadata.jobId", jobId))).isZero();
        assertThat(GatewayInfra.db().getCollection("mp3s.files").countDocuments(Filters.eq("_id", new ObjectId(mp3Id)))).isZero();
        assertThat(GatewayInfra.db().getCollection("mp3s.chunks").countDocuments(Filters.eq("files_id", new ObjectId(mp3Id)))).isZero();
    }

    @Test
    void storageOutOfReachAnswers503WithRetryAfterNot500() throws Exception {
        String token = GatewayInfra.token();
        GatewayInfra.mongoProxy.stop();
        try {
            given().auth().oauth2(token).get("/jobs").then().statusCode(503).header("Retry-After", notNullValue())
                    .body("error", containsString("storage is unavailable"));
        } finally {
            GatewayInfra.mongoProxy.start();
        }
        given().auth().oauth2(token).get("/jobs").then().statusCode(200);
    }

    @Test
    void aPageBeyondAnyListIsRefusedWith400() {
        given().auth().oauth2(GatewayInfra.token()).get("/jobs?page=2147483647&size=2").then().statusCode(400);
    }

    @Test
    void jobUploadedWhileTheBrokerIsDownIsPublishedOnceWhenItReturns() throws Exception {
        String token = GatewayInfra.token();
        GatewayInfra.rabbitProxy.stop();
        String jobId;
        try {
            jobId = uploadAndGetJobId(token);
            Thread.sleep(2000);
            given().auth().oauth2(token).get("/jobs/" + jobId).then().body("status", equalTo("QUEUED"));
        } finally {
            GatewayInfra.rabbitProxy.start();
        }
        String id = jobId;
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(GatewayInfra.db().getCollection("jobs").find(Filters.eq("_id", id)).first()
                        .getBoolean("published")).isTrue());
        Thread.sleep(3000); // give a duplicate every chance to show up
        List<String> requests = GatewayInfra.drainRequests();
        assertThat(requests.stream().filter(r -> r.contains(id)).count()).isEqualTo(1);
    }

    @Test
    void loginIsForwardedUnchangedAndAuthOutageGives503() {
        given().auth().preemptive().basic("a@b.c", "pw").post("/login").then().statusCode(200)
                .body(equalTo(GatewayInfra.STUB_TOKEN));
        given().auth().preemptive().basic("a@b.c", "wrong").post("/login").then().statusCode(401)
                .body("error", equalTo("invalid email or password"));
    }

    @Test
    void aHangingAuthServiceOpensTheCircuitAndLoginAnswers503AtOnceUntilItIsBack() {
        GatewayInfra.authHangs = true;
        try {
            for (int i = 0; i < 4; i++) { // each waits out the test profile's 1 s timeout
                given().auth().preemptive().basic("a@b.c", "pw").post("/login").then().statusCode(503);
            }
            int reachedAuth = GatewayInfra.authLogins.get();
            given().auth().preemptive().basic("a@b.c", "pw").post("/login").then().statusCode(503)
                    .header("Retry-After", notNullValue()).body("error", containsString("temporarily unavailable"));
            assertThat(GatewayInfra.authLogins.get()).as("the open circuit answered without calling (or waiting for) auth")
                    .isEqualTo(reachedAuth);
        } finally {
            GatewayInfra.authHangs = false;
        }
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300)).until(() ->
                given().auth().preemptive().basic("a@b.c", "pw").post("/login").statusCode() == 200);
    }

    @Test
    void aStoppedAuthServiceGives503WithRetryAfterAndLoginWorksAgainWhenItIsBack() throws Exception {
        GatewayInfra.authProxy.stop();
        try {
            for (int i = 0; i < 5; i++) {
                given().auth().preemptive().basic("a@b.c", "pw").post("/login").then().statusCode(503)
                        .header("Retry-After", notNullValue());
            }
            given().contentType("application/json").body("{\"email\":\"x@y.z\",\"password\":\"a long password\"}")
                    .post("/users").then().statusCode(503);
        } finally {
            GatewayInfra.authProxy.start();
        }
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300)).until(() ->
                given().auth().preemptive().basic("a@b.c", "pw").post("/login").statusCode() == 200);
    }

    @Test
    void jobUpdatesArePushedOverServerSentEventsToTheirOwnerOnly() throws Exception {
        String owner = java.util.UUID.randomUUID().toString();
        var ownersLines = eventLines(GatewayInfra.token(Map.of("sub", owner)));
        var othersLines = eventLines(GatewayInfra.token());
        String jobId = java.util.UUID.randomUUID().toString();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> {
            GatewayInfra.publishEvent("{\"jobId\":\"" + jobId + "\",\"type\":\"PROGRESS\",\"owner\":\"" + owner + "\",\"progress\":40}");
            return ownersLines.stream().anyMatch(line -> line.startsWith("data:") && line.contains(jobId));
        });
        String pushed = ownersLines.stream().filter(line -> line.contains(jobId)).findFirst().orElseThrow();
        assertThat(JSON.readTree(pushed.substring(5)).path("progress").asInt()).isEqualTo(40);
        assertThat(othersLines).noneMatch(line -> line.contains(jobId));
    }

    /** Opens GET /jobs/events as curl -N would and collects its lines as they come. */
    private List<String> eventLines(String token) {
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        HttpRequest request = HttpRequest.newBuilder(java.net.URI.create(base + "jobs/events"))
                .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").build();
        HttpClient.newHttpClient().sendAsync(request, HttpResponse.BodyHandlers.ofLines())
                .thenAccept(response -> response.body().forEach(lines::add));
        return lines;
    }

    JsonNode awaitOneRequest(String jobId) throws Exception {
        List<String> found = new java.util.ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            GatewayInfra.drainRequests().stream().filter(r -> r.contains(jobId)).forEach(found::add);
            return !found.isEmpty();
        });
        assertThat(found).hasSize(1);
        return JSON.readTree(found.get(0));
    }

    @Test
    void chunksOfAnAbandonedUploadAreRemovedButNotThoseOfAnUploadStillRunning() {
        Date fiveMinutesAgo = Date.from(java.time.Instant.now().minus(Duration.ofMinutes(5)));
        ObjectId abandonedVideo = new ObjectId(fiveMinutesAgo);
        ObjectId abandonedMp3 = new ObjectId(fiveMinutesAgo);
        ObjectId longUploadStillRunning = new ObjectId(fiveMinutesAgo);
        ObjectId oldCompleteMp3 = new ObjectId(fiveMinutesAgo);
        var videoChunks = GatewayInfra.db().getCollection("videos.chunks");
        var mp3Chunks = GatewayInfra.db().getCollection("mp3s.chunks");
        videoChunks.insertOne(chunk(abandonedVideo, 0, new ObjectId(fiveMinutesAgo)));
        mp3Chunks.insertOne(chunk(abandonedMp3, 0, new ObjectId(fiveMinutesAgo)));
        videoChunks.insertOne(chunk(longUploadStillRunning, 0, new ObjectId(fiveMinutesAgo)));
        videoChunks.insertOne(chunk(longUploadStillRunning, 1, new ObjectId())); // written just now
        GridFSBuckets.create(GatewayInfra.db(), "mp3s").uploadFromStream(new org.bson.BsonObjectId(oldCompleteMp3), "kept.mp3",
                new ByteArrayInputStream(new byte[1000]));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(videoChunks.countDocuments(Filters.eq("files_id", abandonedVideo))).isZero();
            assertThat(mp3Chunks.countDocuments(Filters.eq("files_id", abandonedMp3))).isZero();
        });
        assertThat(videoChunks.countDocuments(Filters.eq("files_id", longUploadStillRunning))).as("still being written").isEqualTo(2);
        assertThat(mp3Chunks.countDocuments(Filters.eq("files_id", oldCompleteMp3))).as("a file owns it").isEqualTo(1);
        videoChunks.deleteMany(Filters.eq("files_id", longUploadStillRunning));
    }

    private static Document chunk(ObjectId fileId, int n, ObjectId writtenAs) {
        return new Document("_id", writtenAs).append("files_id", fileId).append("n", n)
                .append("data", new org.bson.types.Binary(new byte[100]));
    }

    /** Does what converter-service does when it finishes: store an MP3 and announce it. */
    static String finishJobWithMp3(String jobId, String token, byte[] mp3) throws Exception {
        ObjectId id = GridFSBuckets.create(GatewayInfra.db(), "mp3s").uploadFromStream("x.mp3", new ByteArrayInputStream(mp3),
                new com.mongodb.client.gridfs.model.GridFSUploadOptions().metadata(new Document("jobId", jobId)));
        GatewayInfra.publishEvent("{\"jobId\":\"" + jobId + "\",\"type\":\"DONE\",\"mp3Id\":\"" + id.toHexString()
                + "\",\"mp3Size\":" + mp3.length + ",\"durationSeconds\":12.5}");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().auth().oauth2(token).get("/jobs/" + jobId)
                .then().body("status", equalTo("DONE")).body("mp3Id", equalTo(id.toHexString())));
        return id.toHexString();
    }
}
