package com.mp3converter.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.model.Filters;
import com.mp3converter.devinfra.TestMedia;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The slow-client half of the abuse suite: clients that send for ever, trickle, never read or hold streams open.
 * Each gets its status (or is cut off) within a bound, keeps nothing, and leaves the gateway serving a bystander
 * (another user signing in, uploading, listing and downloading) within {@link Bystander#SERVED_WITHIN}. The
 * pipeline's windows are short here (Pipeline: UPLOAD_RATE_WINDOW_SECONDS, DOWNLOAD_STALL_SECONDS) so the
 * suite waits seconds, not the production defaults' half-minutes.
 */
@ExtendWith(SharedPipeline.class)
class AbuseSlowClientsTest {

    private static final Report REPORT = new Report("Abuse suite: slow clients", "case", "expected", "got", "kept nothing",
            "healthy after");
    /** The answer to a refusal, and the close after its drain, on a machine that may be busy. */
    private static final Duration ANSWERED_WITHIN = Duration.ofSeconds(10);

    private static Pipeline pipeline;
    private static Api api;
    private static String attackerToken;
    private static Bystander bystander;

    @BeforeAll
    static void accounts(Pipeline shared) throws Exception {
        pipeline = shared;
        api = pipeline.api();
        attackerToken = api.tokenFor("slowpoke@abuse.example", "the slowpoke's long password");
        bystander = new Bystander(pipeline, "bystander-slow@abuse.example");
    }

    @AfterAll
    static void printReport() {
        System.out.println(REPORT.render());
    }

    @Test
    void aRefusedBodySentForEverIsAnsweredAndClosed() throws Exception {
        byte[] text = "not a video, and it never ends\n".repeat(2000).getBytes(StandardCharsets.US_ASCII);
        // Not media (415, found in the body), and too large (413, from the declared length): sent without end.
        for (String[] attempt : List.of(new String[]{"text for ever, chunked", "Transfer-Encoding: chunked", "415"},
                new String[]{"declared 100 GB", "Content-Length: 107374182400", "413"})) {
            long before = stored();
            try (Socket socket = connect()) {
                OutputStream out = socket.getOutputStream();
                out.write(("PUT /videos/forever.mp4 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + attackerToken
                        + "\r\n" + attempt[1] + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                boolean chunked = attempt[1].startsWith("Transfer");
                Thread sender = sendForEver(out, chunked ? chunk(text) : text);
                long start = System.nanoTime();
                Answer answer = readAnswer(socket);
                sender.interrupt();
                String got = answer.status() + ", closed after " + answer.closedAfter(start).toMillis() + " ms";
                record(attempt[0], attempt[2] + " then closed", got, true);
                assertThat(answer.status()).as(attempt[0]).isEqualTo(Integer.parseInt(attempt[2]));
                assertThat(answer.body()).as(attempt[0] + ": the JSON names the problem").contains("\"error\"");
                assertThat(answer.closed()).as(attempt[0] + ": the connection is closed").isTrue();
                assertThat(answer.closedAfter(start)).isLessThan(ANSWERED_WITHIN);
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                    assertThat(stored()).as(attempt[0] + " keeps nothing").isEqualTo(before));
        }
        bystander.isServed("refused bodies sent for ever");
    }

    @Test
    void aTrickledUploadIsCutOffWith408AndLeavesNothing() throws Exception {
        byte[] head = Arrays.copyOf(Files.readAllBytes(Media.mp4(8)), 300_000);
        long before = stored();
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write(("PUT /videos/trickle.mp4 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + attackerToken
                    + "\r\nContent-Length: 20000000\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(head);
            out.flush();
            AtomicBoolean trickling = new AtomicBoolean(true);
            Thread trickle = new Thread(() -> { // 1 KB a second: well inside the idle timeout, far below the rate
                try {
                    while (trickling.get()) {
                        Thread.sleep(1000);
                        out.write(new byte[1024]);
                        out.flush();
                    }
                } catch (IOException | InterruptedException stopped) {
                    // the gateway closed the connection, or the test is over
                }
            });
            trickle.start();
            long start = System.nanoTime();
            Duration served = bystander.isServed("a trickled upload");
            Answer answer = readAnswer(socket);
            trickling.set(false);
            record("upload trickled at 1 KB/s (min " + Pipeline.UPLOAD_MIN_BYTES_PER_SECOND / 1024 + " KiB/s over "
                    + Pipeline.UPLOAD_RATE_WINDOW_SECONDS + " s)", "408", answer.status() + " after "
                    + answer.closedAfter(start).toSeconds() + " s; bystander's slowest " + served.toMillis() + " ms", true);
            assertThat(answer.status()).isEqualTo(408);
            assertThat(answer.body()).contains("\"error\"");
        }
        // The bystander's clip is converted meanwhile; its video goes when its job ends.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                assertThat(stored()).as("the trickled upload's chunks and job are gone").isEqualTo(before));
    }

    @Test
    void downloadsThatNobodyReadsAreBoundedAndCutOff() throws Exception {
        // A 5-minute WAV that becomes a 12 MB MP3: more than the sockets' buffers, so a reader that reads nothing
        // really stalls the download.
        Path wav = TestMedia.audioOnly("slow-readers.wav", 300, "-ac", "1", "-ar", "8000");
        String jobId = Api.jobId(api.uploadRaw(attackerToken, "long.wav", wav, Map.of("bitrate", "320", "sampleRate", "44100")));
        JsonNode done = api.awaitEnd(attackerToken, jobId, Duration.ofSeconds(120));
        assertThat(done.path("status").asText()).isEqualTo("DONE");
        String request = "GET /jobs/" + jobId + "/mp3 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + attackerToken + "\r\n\r\n";
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < Pipeline.DOWNLOADS_PER_USER_AT_ONCE; i++) {
                Socket socket = new Socket();
                socket.setReceiveBufferSize(4096); // before connecting: the window the gateway may fill stays small
                socket.connect(new java.net.InetSocketAddress(api.base.getHost(), api.base.getPort()));
                socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
                sockets.add(socket);
            }
            // Once they all run, one more download of the same user's MP3s waits its turn.
            java.util.concurrent.atomic.AtomicReference<HttpResponse<String>> more = new java.util.concurrent.atomic.AtomicReference<>();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                more.set(api.get(attackerToken, "/jobs/" + jobId + "/mp3"));
                return more.get().statusCode() == 429;
            });
            assertThat(more.get().body()).contains("downloadsAtOnce");
            Duration served = bystander.isServed(Pipeline.DOWNLOADS_PER_USER_AT_ONCE + " downloads nobody reads");
            long start = System.nanoTime();
            // Past the stall timeout each stalled download is cut off: reading now drains what the buffers hold, then ends.
            int cut = 0;
            for (Socket socket : sockets) {
                socket.setSoTimeout((int) Duration.ofSeconds(Pipeline.DOWNLOAD_STALL_SECONDS + 30).toMillis());
                if (drainsToTheEnd(socket)) {
                    cut++;
                }
            }
            record(Pipeline.DOWNLOADS_PER_USER_AT_ONCE + " downloads of a 12 MB MP3 nobody reads, and one more",
                    "429 for the one more, others served, each cut off", more.get().statusCode() + "; bystander's slowest "
                            + served.toMillis() + " ms; " + cut + " cut off, the last after "
                            + Duration.ofNanos(System.nanoTime() - start).toSeconds() + " s", true);
            assertThat(cut).as("every stalled download is cut off").isEqualTo(Pipeline.DOWNLOADS_PER_USER_AT_ONCE);
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    @Test
    void eventStreamsPerUserAreBoundedAndEndWithTheirToken() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<HttpResponse<InputStream>> open = new ArrayList<>();
        try {
            HttpResponse<InputStream> refused = null;
            for (int i = 0; i <= Pipeline.EVENT_STREAMS_PER_USER; i++) {
                HttpResponse<InputStream> stream = client.send(HttpRequest.newBuilder(api.base.resolve("/jobs/events"))
                        .header("Authorization", "Bearer " + attackerToken).timeout(Duration.ofSeconds(30)).GET().build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                if (stream.statusCode() == 200) {
                    open.add(stream);
                } else {
                    refused = stream;
                    break;
                }
            }
            String refusal = refused == null ? "none" : refused.statusCode() + " " + new String(refused.body().readAllBytes(),
                    StandardCharsets.UTF_8);
            record((Pipeline.EVENT_STREAMS_PER_USER + 1) + " event streams of one user", "429 for the last", refusal, true);
            assertThat(open).hasSize(Pipeline.EVENT_STREAMS_PER_USER);
            assertThat(refused).isNotNull();
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refusal).contains(String.valueOf(Pipeline.EVENT_STREAMS_PER_USER));
            bystander.isServed("a user holding every event stream allowed");
        } finally {
            open.forEach(stream -> {
                try {
                    stream.body().close();
                } catch (IOException ignored) {
                    // already closed
                }
            });
        }
    }

    // ---------------------------------------------------------------------------------------------

    private record Answer(int status, String body, boolean closed, long closedAtNanos) {
        Duration closedAfter(long startNanos) {
            return Duration.ofNanos(closedAtNanos - startNanos);
        }
    }

    private static Socket connect() throws IOException {
        Socket socket = new Socket(api.base.getHost(), api.base.getPort());
        socket.setSoTimeout((int) ANSWERED_WITHIN.toMillis() * 3);
        return socket;
    }

    /** Reads the answer and waits for the close: a timeout means the gateway kept the connection. */
    private static Answer readAnswer(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        boolean closed;
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                answer.write(buffer, 0, n);
            }
            closed = true;
        } catch (SocketTimeoutException kept) {
            closed = false;
        } catch (IOException reset) {
            closed = true; // a reset after the answer is a close too
        }
        long at = System.nanoTime();
        String text = answer.toString(StandardCharsets.ISO_8859_1);
        assertThat(text).as("an HTTP answer").startsWith("HTTP/1.1 ");
        return new Answer(Integer.parseInt(text.substring(9, 12)), text.substring(text.indexOf("\r\n\r\n") + 4), closed, at);
    }

    private static boolean drainsToTheEnd(Socket socket) {
        try {
            socket.getInputStream().transferTo(OutputStream.nullOutputStream());
            return true; // the gateway closed it
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    private static Thread sendForEver(OutputStream out, byte[] piece) {
        Thread sender = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    out.write(piece);
                }
            } catch (IOException closed) {
                // the gateway closed the connection: what this test waits for
            }
        });
        sender.setDaemon(true);
        sender.start();
        return sender;
    }

    private static byte[] chunk(byte[] data) {
        byte[] head = (Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(head, head.length + data.length + 2);
        System.arraycopy(data, 0, out, head.length, data.length);
        out[out.length - 2] = '\r';
        out[out.length - 1] = '\n';
        return out;
    }

    /**
     * The attacker's jobs and videos, and every video chunk (a cut-off upload's chunks have no file document yet).
     * A bystander's clip adds chunks only until its job ends, so callers compare once jobs have settled.
     */
    private static long stored() throws IOException {
        String owner = Api.JSON.readTree(java.util.Base64.getUrlDecoder().decode(attackerToken.split("\\.")[1])).path("sub").asText();
        var db = pipeline.mongo();
        return db.getCollection("jobs").countDocuments(Filters.eq("owner", owner))
                + db.getCollection("videos.files").countDocuments(Filters.eq("metadata.owner", owner))
                + db.getCollection("videos.chunks").countDocuments();
    }

    private static void record(String name, Object expected, Object got, boolean keptNothing) {
        boolean healthy = pipeline.service(Pipeline.GATEWAY).healthy("ready");
        REPORT.row(name, expected, got, keptNothing ? "yes" : "NO", healthy ? "yes" : "NO");
        assertThat(healthy).as("gateway ready after: " + name).isTrue();
    }
}
