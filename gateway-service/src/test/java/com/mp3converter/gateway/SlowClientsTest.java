package com.mp3converter.gateway;

import com.mongodb.client.model.Filters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static com.mp3converter.gateway.GatewayTest.fakeMp4;
import static com.mp3converter.gateway.GatewayTest.finishJobWithMp3;
import static com.mp3converter.gateway.GatewayTest.uniqueFakeMp4;
import static com.mp3converter.gateway.GatewayTest.uploadAndGetJobId;
import static com.mp3converter.gateway.GatewayTest.uploadMultipart;
import static com.mp3converter.gateway.GatewayTest.videoChunks;
import static com.mp3converter.gateway.UploadTurnsTest.headOf;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

/**
 * Hostile slow clients, over real sockets: an endless refused body, a trickled upload, too many uploads or event
 * streams of one user, an event stream outliving its token, and many downloads nobody reads. Each is answered or
 * cut off within a bound, keeps nothing, and other users are still served. The worker pool is small here, so a
 * download that held a worker thread per slow reader would starve the API.
 */
@QuarkusTest
@TestProfile(SlowClientsTest.TightBounds.class)
@QuarkusTestResource(value = GatewayInfra.class, restrictToAnnotatedClass = true)
class SlowClientsTest {

    public static class TightBounds implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.upload.rate-window", "PT5S",
                    "gateway.http.refusal-drain", "PT2S",
                    "gateway.download.rate-grace", "PT3S",
                    "gateway.download.stall-timeout", "PT3S",
                    "quarkus.thread-pool.max-threads", "8");
        }
    }

    /** Generous: these tests must pass on a busy machine; each bound here is a few seconds. */
    private static final int ANSWER_WITHIN_MILLIS = 30_000;

    @TestHTTPResource("/")
    URL base;

    @Inject
    MeterRegistry metrics;

    @Test
    void anEndlessRefusedBodyIsAnsweredAndItsConnectionClosed() throws Exception {
        String token = GatewayInfra.token();
        byte[] endlessVideo = fakeMp4(64 * 1024);
        // refused before the body is read (400), when its start is read (415: zeros are no video), and midway (413)
        assertEndlessBodyRefused("PUT /videos/z.mp4?bitrate=100", token, new byte[64 * 1024], 0, "HTTP/1.1 400");
        assertEndlessBodyRefused("PUT /videos/z.mp4", token, new byte[64 * 1024], 0, "HTTP/1.1 415");
        assertEndlessBodyRefused("PUT /videos/z.mp4", token, endlessVideo, 0, "HTTP/1.1 413");
        // ... and one that keeps sending slowly, never reaching the drained bytes' bound: closed at the drain time
        assertEndlessBodyRefused("PUT /videos/z.mp4?bitrate=100", token, new byte[1024], 20, "HTTP/1.1 400");
        // ... and refused by the security layer, before any route of ours
        assertEndlessBodyRefused("PUT /videos/z.mp4", "not-a-token", new byte[64 * 1024], 0, "HTTP/1.1 401");
        uploadMultipart(token, uniqueFakeMp4(200_000), "after.mp4").then().statusCode(202);
    }

    private void assertEndlessBodyRefused(String requestLine, String token, byte[] first, long pauseMillis, String status)
            throws Exception {
        try (Socket socket = socket()) {
            OutputStream out = socket.getOutputStream();
            out.write((requestLine + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
                    + "\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> sendForever(out, first, pauseMillis));
            Answer answer = readUntilClosed(socket);
            assertThat(answer.text()).as(requestLine).startsWith(status);
            if (!status.endsWith("401")) {
                assertThat(answer.text()).as("a JSON error").contains("application/json").contains("\"status\"");
            }
            assertThat(answer.closed()).as("the connection of a refused endless body is closed").isTrue();
            sending.get(ANSWER_WITHIN_MILLIS, TimeUnit.MILLISECONDS); // the sender was stopped by the close
        }
    }

    /** One chunk that never ends, as curl -T /dev/zero sends: the first bytes, then as many zeros, after each pause. */
    private static void sendForever(OutputStream out, byte[] first, long pauseMillis) {
        try {
            out.write("7FFFFFFF\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(first);
            byte[] zeros = new byte[first.length];
            while (true) {
                Thread.sleep(pauseMillis);
                out.write(zeros);
            }
        } catch (IOException | InterruptedException closedByTheGateway) {
            // what is expected
        }
    }

    @Test
    void aTrickledUploadIsCutOffWith408AndNothingIsKept() throws Exception {
        String owner = "trickle-" + UUID.randomUUID();
        String token = GatewayInfra.token(Map.of("sub", owner));
        long chunks = videoChunks();
        byte[] video = uniqueFakeMp4(600_000);
        try (Socket socket = socket()) {
            OutputStream out = socket.getOutputStream();
            out.write(askToSend("/videos/trickle.mp4", token, 5_000_000));
            assertThat(headOf(socket.getInputStream())).startsWith("HTTP/1.1 100 Continue");
            out.write(video); // past the sniffed start: the job is recorded and its chunks stored
            await().atMost(Duration.ofSeconds(20)).until(() -> jobsOf(owner) == 1);
            CompletableFuture<Void> trickling = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < 1000; i++) {
                        out.write(new byte[100]);
                        Thread.sleep(200);
                    }
                } catch (IOException | InterruptedException cutOff) {
                    // the gateway closed the connection
                }
            });
            Answer answer = readUntilClosed(socket);
            assertThat(answer.text()).startsWith("HTTP/1.1 408").contains("minUploadBytesPerSecond");
            assertThat(answer.closed()).isTrue();
            trickling.get(ANSWER_WITHIN_MILLIS, TimeUnit.MILLISECONDS);
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(jobsOf(owner)).as("the job goes").isZero();
            assertThat(videoChunks()).as("no chunk kept").isEqualTo(chunks);
        });
    }

    @Test
    void aFifthUploadAtOnceOfOneUserGets429WhileAnotherUsersUploadIsServed() throws Exception {
        String token = GatewayInfra.token();
        List<Holder> holders = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                holders.add(new Holder(socket(), token, i));
            }
            try (Socket fifth = socket()) {
                fifth.getOutputStream().write(askToSend("/videos/fifth.mp4", token, 200_000));
                Answer answer = readUntilClosed(fifth);
                assertThat(answer.text()).as("refused before its body is asked for").startsWith("HTTP/1.1 429")
                        .contains("Retry-After: ").contains("uploadsAtOnce");
            }
            uploadMultipart(GatewayInfra.token(), uniqueFakeMp4(200_000), "other.mp4").then().statusCode(202);
            for (Holder holder : holders) {
                assertThat(holder.finish()).startsWith("HTTP/1.1 202");
            }
        } finally {
            for (Holder holder : holders) {
                holder.socket.close();
            }
        }
        uploadMultipart(token, uniqueFakeMp4(200_000), "later.mp4").then().statusCode(202);
    }

    /** An upload held open mid-body, its bytes arriving fast enough (~320 KiB/s) until it is told to finish. */
    private final class Holder {
        final Socket socket;
        final byte[] video = uniqueFakeMp4(7_000_000);
        final AtomicBoolean finishing = new AtomicBoolean();
        final CompletableFuture<Integer> paced;

        Holder(Socket socket, String token, int n) throws IOException {
            this.socket = socket;
            socket.getOutputStream().write(askToSend("/videos/held" + n + ".mp4", token, video.length));
            assertThat(headOf(socket.getInputStream())).startsWith("HTTP/1.1 100 Continue");
            paced = CompletableFuture.supplyAsync(() -> {
                int sent = 0;
                try {
                    while (!finishing.get() && sent + 16 * 1024 < video.length) {
                        socket.getOutputStream().write(video, sent, 16 * 1024);
                        sent += 16 * 1024;
                        Thread.sleep(50);
                    }
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return sent;
            });
        }

        String finish() throws Exception {
            finishing.set(true);
            int sent = paced.get(ANSWER_WITHIN_MILLIS, TimeUnit.MILLISECONDS);
            socket.getOutputStream().write(video, sent, video.length - sent);
            return headOf(socket.getInputStream());
        }
    }

    @Test
    void aSixthEventStreamOfOneUserGets429AndClosingOneMakesRoom() throws Exception {
        String owner = "streams-" + UUID.randomUUID();
        List<Socket> streams = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                Socket stream = socket();
                streams.add(stream);
                stream.getOutputStream().write(events(GatewayInfra.token(Map.of("sub", owner))));
                assertThat(headOf(stream.getInputStream())).startsWith("HTTP/1.1 200");
            }
            try (Socket sixth = socket()) {
                sixth.getOutputStream().write(events(GatewayInfra.token(Map.of("sub", owner))));
                String answer = headOf(sixth.getInputStream());
                assertThat(answer).startsWith("HTTP/1.1 429");
            }
            given().auth().oauth2(GatewayInfra.token(Map.of("sub", owner))).accept("text/event-stream").get("/jobs/events")
                    .then().statusCode(429).body("limit.name", equalTo("eventStreams")).body("limit.max", equalTo(5));
            try (Socket other = socket()) {
                other.getOutputStream().write(events(GatewayInfra.token()));
                assertThat(headOf(other.getInputStream())).as("another user's stream").startsWith("HTTP/1.1 200");
            }

            streams.remove(0).close();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> {
                try (Socket again = socket()) {
                    again.getOutputStream().write(events(GatewayInfra.token(Map.of("sub", owner))));
                    return headOf(again.getInputStream()).startsWith("HTTP/1.1 200");
                }
            });
        } finally {
            for (Socket stream : streams) {
                stream.close();
            }
        }
    }

    @Test
    void anEventStreamEndsWhenItsTokenExpires() throws Exception {
        String token = GatewayInfra.token(Map.of("exp", Instant.now().plusSeconds(4).getEpochSecond()));
        long opened = System.nanoTime();
        HttpResponse<String> stream = HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(base.toURI().resolve("/jobs/events"))
                        .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofString())
                .get(ANSWER_WITHIN_MILLIS, TimeUnit.MILLISECONDS);
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat((System.nanoTime() - opened) / 1e9).as("open until the token's expiry").isGreaterThan(1.5);
    }

    @Test
    void manyDownloadsNobodyReadsNeitherStopAnotherUsersDownloadNorTheApi() throws Exception {
        String token = GatewayInfra.token();
        String jobId = uploadAndGetJobId(token);
        byte[] mp3 = new byte[6_000_000];
        new Random(3).nextBytes(mp3);
        finishJobWithMp3(jobId, token, mp3);
        String link = given().auth().oauth2(token).get("/jobs/" + jobId).then().extract().path("links.oneClick");

        String other = GatewayInfra.token();
        String othersJob = uploadAndGetJobId(other);
        byte[] othersMp3 = new byte[300_000];
        new Random(4).nextBytes(othersMp3);
        finishJobWithMp3(othersJob, other, othersMp3);

        double cutOffBefore = downloadsCutOff();
        List<Socket> readers = new ArrayList<>();
        try {
            for (int i = 0; i < 30; i++) {
                Socket reader = new Socket();
                reader.setReceiveBufferSize(4096); // before connecting, so the window stays small
                reader.connect(new java.net.InetSocketAddress(base.getHost(), base.getPort()));
                reader.setSoTimeout(ANSWER_WITHIN_MILLIS);
                reader.getOutputStream().write(("GET " + link + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                readers.add(reader);
            }
            // Once all 30 run (%test.gateway.download.per-user-at-once), one more of this user's waits its turn.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get(link).then().statusCode(429)
                    .header("Retry-After", notNullValue()).body("limit.name", equalTo("downloadsAtOnce")));
            for (int i = 0; i < 5; i++) {
                byte[] downloaded = given().auth().oauth2(other).get("/download?fid=" + othersJob).then().statusCode(200)
                        .extract().asByteArray();
                assertThat(downloaded).isEqualTo(othersMp3);
                given().auth().oauth2(other).get("/jobs/" + othersJob).then().statusCode(200).body("status", equalTo("DONE"));
                given().auth().oauth2(other).get("/jobs").then().statusCode(200);
            }
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(downloadsCutOff() - cutOffBefore)
                    .as("downloads cut off for taking nothing").isGreaterThanOrEqualTo(30));
            for (Socket reader : readers) {
                Answer answer = readUntilClosed(reader);
                assertThat(answer.closed()).as("a reader that never reads is cut off").isTrue();
                assertThat(answer.bytes()).as("... before it has the file").isLessThan(mp3.length);
            }
        } finally {
            for (Socket reader : readers) {
                reader.close();
            }
        }
        assertThat(readSlowly(link)).as("a reader that reads steadily, if slowly, gets the whole file")
                .endsWith(Arrays.copyOfRange(mp3, mp3.length - 1000, mp3.length)).hasSizeGreaterThan(mp3.length);
        byte[] whole = given().get(link).then().statusCode(200).extract().asByteArray();
        assertThat(whole).as("a reader that reads gets the whole file").isEqualTo(mp3);
        given().head(link).then().statusCode(200).header("Content-Length", String.valueOf(mp3.length));
        given().header("Range", "bytes=100-199").get(link).then().statusCode(206).header("Content-Length", "100");
    }

    /** The whole answer (head and body) to GET {@code path}, read 32 KiB at a time every 20 ms (~1.6 MB/s). */
    private byte[] readSlowly(String path) {
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(new java.net.InetSocketAddress(base.getHost(), base.getPort()));
            socket.setSoTimeout(ANSWER_WITHIN_MILLIS);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            byte[] buffer = new byte[32 * 1024];
            int n;
            while ((n = socket.getInputStream().readNBytes(buffer, 0, buffer.length)) > 0) {
                all.write(buffer, 0, n);
                Thread.sleep(20);
            }
            return all.toByteArray();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private double downloadsCutOff() {
        return metrics.find("gateway.downloads.cut.off").counters().stream().mapToDouble(Counter::count).sum();
    }

    private static long jobsOf(String owner) {
        return GatewayInfra.db().getCollection("jobs").countDocuments(Filters.eq("owner", owner));
    }

    private Socket socket() throws IOException {
        Socket socket = new Socket(base.getHost(), base.getPort());
        socket.setSoTimeout(ANSWER_WITHIN_MILLIS);
        return socket;
    }

    private static byte[] askToSend(String path, String token, int length) {
        return ("PUT " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
                + "\r\nContent-Length: " + length + "\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] events(String token) {
        return ("GET /jobs/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
                + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** What arrived on the connection until the gateway closed it (or reset it), and whether it did. */
    private record Answer(String text, long bytes, boolean closed) {
    }

    /** Reads everything until the connection ends; not closed when nothing came for the socket's timeout. */
    private static Answer readUntilClosed(Socket socket) {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        long total = 0;
        byte[] buffer = new byte[8192];
        try {
            InputStream in = socket.getInputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                total += n;
                if (head.size() < 4096) {
                    head.write(buffer, 0, Math.min(n, 4096));
                }
            }
            return new Answer(head.toString(StandardCharsets.ISO_8859_1), total, true);
        } catch (SocketTimeoutException stillOpen) {
            return new Answer(head.toString(StandardCharsets.ISO_8859_1), total, false);
        } catch (IOException reset) {
            return new Answer(head.toString(StandardCharsets.ISO_8859_1), total, true);
        }
    }
}
