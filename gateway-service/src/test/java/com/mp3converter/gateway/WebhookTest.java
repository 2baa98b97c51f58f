package com.mp3converter.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.model.Filters;
import com.mp3converter.gateway.service.Webhooks;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedDeque;

import static com.mp3converter.gateway.GatewayTest.uniqueFakeMp4;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

/** A job's end POSTed to its callbackUrl: signed, retried, never redirected, never to an internal address. */
@QuarkusTest
@TestProfile(WebhookTest.ReceiverAllowed.class)
@QuarkusTestResource(value = GatewayInfra.class, restrictToAnnotatedClass = true)
class WebhookTest {

    record Received(String path, String eventId, String timestamp, String signature, String body) {
    }

    static final int PORT = freePort();
    static final List<Received> RECEIVED = Collections.synchronizedList(new ArrayList<>());
    /** What the receiver answers next (then 200). */
    static final Deque<Integer> ANSWERS = new ConcurrentLinkedDeque<>();
    static final HttpServer RECEIVER = receiver();
    /** A second receiver (another port, so another receiver to the gateway) that answers as late as it is told. */
    static final SlowReceiver SLOW = new SlowReceiver(1);
    /** A tarpit on many ports: many receivers to the gateway (as under many names of a wildcard domain), one server. */
    static final SlowReceiver TARPIT = new SlowReceiver(8);

    public static class ReceiverAllowed implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            List<String> allowed = new ArrayList<>(List.of("127.0.0.1:" + PORT, "127.0.0.1:" + SLOW.port()));
            TARPIT.ports().forEach(port -> allowed.add("127.0.0.1:" + port));
            return Map.of("gateway.webhooks.allowed-hosts", String.join(",", allowed));
        }
    }

    @BeforeEach
    void reset() {
        RECEIVED.clear();
        ANSWERS.clear();
    }

    @AfterAll
    static void stopReceiver() throws IOException {
        RECEIVER.stop(0);
        SLOW.close();
        TARPIT.close();
    }

    @Test
    void aReceiverSlowerThanTheTimeoutHoldsOneSenderAndDelaysNoOtherReceiversWebhook() throws Exception {
        SLOW.answerAfter(Duration.ofHours(1));
        String token = newUser();
        List<String> slowJobs = new ArrayList<>();
        for (int i = 0; i < 12; i++) { // three times the senders
            String jobId = upload(token, "http://127.0.0.1:" + SLOW.port() + "/slow");
            GatewayInfra.publishEvent("{\"jobId\":\"" + jobId + "\",\"type\":\"FAILED\",\"reason\":\"x\"}");
            slowJobs.add(jobId);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> SLOW.posts().size() >= 2);

        String fastJob = upload(newUser(), "http://127.0.0.1:" + PORT + "/fast"); // the same user's waits its turn
        GatewayInfra.publishEvent("{\"jobId\":\"" + fastJob + "\",\"type\":\"FAILED\",\"reason\":\"x\"}");
        await("not queued behind the slow receiver's deliveries").atMost(Duration.ofSeconds(8))
                .until(() -> RECEIVED.stream().anyMatch(hook -> hook.eventId().equals(fastJob + ".failed")));
        assertThat(SLOW.mostAtOnce()).as("one attempt at a time at the slow receiver").isEqualTo(1);

        SLOW.answerAfter(Duration.ZERO);
        await("every delivery waited in the outbox, none dropped").atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(slowJobs).allSatisfy(jobId -> assertThat(GatewayInfra.db().getCollection("webhook_deliveries")
                        .find(Filters.eq("_id", jobId + ".failed")).first().getString("state")).isEqualTo("DELIVERED")));
        assertThat(SLOW.mostAtOnce()).isEqualTo(1);
    }

    @Test
    void oneUsersDeliveriesToATarpitUnderManyReceiversHoldOneSenderAndDelayNoOtherUsersWebhook() throws Exception {
        TARPIT.answerAfter(Duration.ofHours(1)); // held to the attempt's deadline, then cut off
        String attacker = newUser();
        List<String> tarpitted = new ArrayList<>();
        for (int i = 0; i < 32; i++) { // eight times the senders, over eight receivers: 16 s of them without the rule
            int port = TARPIT.ports().get(i % TARPIT.ports().size());
            String jobId = upload(attacker, "http://127.0.0.1:" + port + "/hold");
            GatewayInfra.publishEvent("{\"jobId\":\"" + jobId + "\",\"type\":\"FAILED\",\"reason\":\"x\"}");
            tarpitted.add(jobId);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> TARPIT.posts().size() >= 2);

        String other = upload(newUser(), "http://127.0.0.1:" + PORT + "/other-user");
        GatewayInfra.publishEvent("{\"jobId\":\"" + other + "\",\"type\":\"FAILED\",\"reason\":\"x\"}");
        await("not queued behind the tarpit's deliveries").atMost(Duration.ofSeconds(8))
                .until(() -> RECEIVED.stream().anyMatch(hook -> hook.eventId().equals(other + ".failed")));
        assertThat(TARPIT.mostAtOnce()).as("one of the user's deliveries in flight at a time, whatever the receiver").isEqualTo(1);

        TARPIT.answerAfter(Duration.ZERO);
        await("every delivery waited in the outbox, none dropped").atMost(Duration.ofSeconds(90)).untilAsserted(() ->
                assertThat(tarpitted).allSatisfy(jobId -> assertThat(GatewayInfra.db().getCollection("webhook_deliveries")
                        .find(Filters.eq("_id", jobId + ".failed")).first().getString("state")).isEqualTo("DELIVERED")));
        assertThat(TARPIT.mostAtOnce()).isEqualTo(1);
    }

    @Test
    void noDeliveryIsPostedAgainWhileItsAttemptIsInFlight() throws Exception {
        SLOW.answerAfter(Duration.ofMillis(1500)); // slow, but within the timeout (2 s): each attempt succeeds
        SLOW.reset();
        String token = newUser();
        List<String> eventIds = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String jobId = upload(token, "http://127.0.0.1:" + SLOW.port() + "/busy");
            GatewayInfra.publishEvent("{\"jobId\":\"" + jobId + "\",\"type\":\"FAILED\",\"reason\":\"x\"}");
            eventIds.add(jobId + ".failed");
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(eventIds).allSatisfy(id -> assertThat(
                GatewayInfra.db().getCollection("webhook_deliveries").find(Filters.eq("_id", id)).first().getString("state"))
                .isEqualTo("DELIVERED")));
        Thread.sleep(2000); // a second post, if any, would come now
        assertThat(SLOW.posts()).as("each POSTed once").containsExactlyInAnyOrderElementsOf(eventIds);
        assertThat(SLOW.mostAtOnce()).isEqualTo(1);
    }

    @Test
    void aDoneJobIsPostedOnceSignedWithTheOwnersSecretAndTheSignatureChecksOut() throws Exception {
        String token = newUser();
        String jobId = upload(token, "http://127.0.0.1:" + PORT + "/hooks/mp3");
        given().auth().oauth2(token).get("/jobs/" + jobId).then().body("callbackUrl", equalTo("http://127.0.0.1:" + PORT + "/hooks/mp3"));
        String mp3Id = GatewayTest.finishJobWithMp3(jobId, token, new byte[]{1, 2, 3});

        Received hook = awaitDeliveries(1).get(0);
        String secret = given().auth().oauth2(token).get("/users/me/webhook-secret").then().statusCode(200).extract().path("secret");
        assertThat(hook.path()).isEqualTo("/hooks/mp3");
        assertThat(hook.eventId()).isEqualTo(jobId + ".done");
        assertThat(Long.parseLong(hook.timestamp())).isCloseTo(Instant.now().getEpochSecond(), org.assertj.core.data.Offset.offset(60L));
        assertThat(hook.signature()).isEqualTo("v1=" + Webhooks.sign(secret, Long.parseLong(hook.timestamp()), hook.body()));
        JsonNode event = GatewayTest.JSON.readTree(hook.body());
        assertThat(event.path("type").asText()).isEqualTo("job.done");
        assertThat(event.path("id").asText()).isEqualTo(hook.eventId());
        assertThat(event.path("data").path("jobId").asText()).isEqualTo(jobId);
        assertThat(event.path("data").path("mp3Id").asText()).isEqualTo(mp3Id);

        GatewayInfra.publishEvent("{\"jobId\":\"" + jobId + "\",\"type\":\"DONE\",\"mp3Id\":\"" + mp3Id + "\"}"); // redelivered
        Thread.sleep(2000);
        assertThat(RECEIVED).as("one delivery per job end").hasSize(1);
    }

    @Test
    void aReceiverThatFailsGetsTheSameEventAgainUntilItAnswers2xxAndARedirectIsNotFollowed() throws Exception {
        ANSWERS.addAll(List.of(500, 302, 503));
        String token = newUser();
        String jobId = upload(token, "http://127.0.0.1:" + PORT + "/flaky");
        GatewayInfra.publishEvent("{\"jobId\":\"" + jobId + "\",\"type\":\"FAILED\",\"reason\":\"the file has no audio track\"}");

        List<Received> attempts = awaitDeliveries(4);
        assertThat(attempts).extracting(Received::eventId).containsOnly(jobId + ".failed");
        assertThat(attempts).extracting(Received::path).as("the 302's Location was never fetched").containsOnly("/flaky");
        assertThat(GatewayTest.JSON.readTree(attempts.get(3).body()).path("data").path("reason").asText())
                .isEqualTo("the file has no audio track");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(GatewayInfra.db().getCollection("webhook_deliveries")
                .find(Filters.eq("_id", jobId + ".failed")).first().getString("state")).isEqualTo("DELIVERED"));
    }

    @Test
    void aRotatedSecretSignsTheNextDeliveries() throws Exception {
        String token = newUser();
        String before = given().auth().oauth2(token).get("/users/me/webhook-secret").then().extract().path("secret");
        String after = given().auth().oauth2(token).post("/users/me/webhook-secret").then().statusCode(200).extract().path("secret");
        assertThat(after).isNotEqualTo(before).startsWith("whsec_");
        String jobId = upload(token, "http://127.0.0.1:" + PORT + "/rotated");
        GatewayTest.finishJobWithMp3(jobId, token, new byte[]{4});
        Received hook = awaitDeliveries(1).get(0);
        assertThat(hook.signature()).isEqualTo("v1=" + Webhooks.sign(after, Long.parseLong(hook.timestamp()), hook.body()));
    }

    @Test
    void hostileCallbackUrlsAreRefusedAtUploadAndNothingIsKept() {
        String token = newUser();
        Map<String, Integer> hostile = Map.of(
                "ftp://example.com/x", 400,
                "http://user:password@example.com/", 400,
                "http://127.0.0.1:" + (PORT + 1) + "/", 422,
                "http://localhost:8080/", 422,
                "http://169.254.169.254/latest/meta-data/", 422,
                "http://10.1.2.3/", 422,
                "http://192.168.1.1:8443/", 422,
                "http://[::1]:8080/", 422,
                "http://[::ffff:127.0.0.1]/", 422,
                "http://100.64.0.1/", 422);
        hostile.forEach((url, status) -> given().auth().oauth2(token).multiPart("file", "a.mp4", uniqueFakeMp4(20_000), "video/mp4")
                .multiPart("callbackUrl", url).post("/upload").then().statusCode(status).body("error", startsWith("callbackUrl")));
        Map<String, Integer> reachingInside = Map.of(
                "http://[64:ff9b::7f00:1]:" + PORT + "/", 422, // NAT64 of 127.0.0.1
                "http://[2002:7f00:1::1]/", 422, // 6to4
                "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", 422, // Teredo
                "http://198.18.0.1/", 422,
                "http://2130706433:" + PORT + "/", 400, // 127.0.0.1 as one number
                "http://0x7f.1/", 400,
                "http://[fe80::1%25eth0]/", 400);
        reachingInside.forEach((url, status) -> given().auth().oauth2(token).multiPart("file", "a.mp4", uniqueFakeMp4(20_000), "video/mp4")
                .multiPart("callbackUrl", url).post("/upload").then().statusCode(status).body("error", startsWith("callbackUrl")));
        given().auth().oauth2(token).multiPart("file", "a.mp4", uniqueFakeMp4(20_000), "video/mp4")
                .post("/upload?callbackUrl=http://0.0.0.0:" + PORT + "/").then().statusCode(422);
        given().auth().oauth2(token).get("/jobs").then().body("total", equalTo(0));
        assertThat(GatewayInfra.db().getCollection("videos.files").countDocuments(Filters.eq("metadata.owner", ownerOf(token))))
                .as("no video kept").isZero();
    }

    private static String upload(String token, String callbackUrl) {
        return given().auth().oauth2(token).multiPart("file", "clip.mp4", uniqueFakeMp4(30_000), "video/mp4")
                .multiPart("callbackUrl", callbackUrl).post("/upload").then().statusCode(202).extract().path("jobId");
    }

    private static final Map<String, String> OWNERS = new java.util.concurrent.ConcurrentHashMap<>();

    private static String newUser() {
        String sub = "hooks-" + UUID.randomUUID();
        String token = GatewayInfra.token(Map.of("sub", sub));
        OWNERS.put(token, sub);
        return token;
    }

    private static String ownerOf(String token) {
        return OWNERS.get(token);
    }

    private static List<Received> awaitDeliveries(int count) {
        await().atMost(Duration.ofSeconds(20)).until(() -> RECEIVED.size() >= count);
        return List.copyOf(RECEIVED);
    }

    private static HttpServer receiver() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", PORT), 0);
            server.createContext("/", exchange -> {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                RECEIVED.add(new Received(exchange.getRequestURI().getPath(), exchange.getRequestHeaders().getFirst(Webhooks.EVENT_ID),
                        exchange.getRequestHeaders().getFirst(Webhooks.TIMESTAMP), exchange.getRequestHeaders().getFirst(Webhooks.SIGNATURE),
                        body));
                Integer answer = ANSWERS.poll();
                int status = answer == null ? 200 : answer;
                if (status == 302) {
                    exchange.getResponseHeaders().add("Location", "http://127.0.0.1:" + PORT + "/redirected-here");
                }
                exchange.sendResponseHeaders(status, -1);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Answers each POST after {@link #answerAfter} (or when the client hangs up), counting the connections open at
     * once: a connection the gateway cut off counts no longer.
     */
    static final class SlowReceiver implements java.io.Closeable {
        private final List<ServerSocket> servers = new ArrayList<>();
        private volatile long answerAfterMillis;
        private final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.concurrent.atomic.AtomicInteger mostAtOnce = new java.util.concurrent.atomic.AtomicInteger();
        private final List<String> posts = Collections.synchronizedList(new ArrayList<>());

        SlowReceiver(int ports) {
            for (int i = 0; i < ports; i++) {
                try {
                    servers.add(new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1")));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            servers.forEach(this::accept);
        }

        private void accept(ServerSocket server) {
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        java.net.Socket socket = server.accept();
                        Thread handler = new Thread(() -> handle(socket), "slow-receiver");
                        handler.setDaemon(true);
                        handler.start();
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "slow-receiver-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return servers.get(0).getLocalPort();
        }

        List<Integer> ports() {
            return servers.stream().map(ServerSocket::getLocalPort).toList();
        }

        void answerAfter(Duration delay) {
            answerAfterMillis = delay.toMillis();
        }

        void reset() {
            posts.clear();
            mostAtOnce.set(0);
        }

        List<String> posts() {
            return List.copyOf(posts);
        }

        int mostAtOnce() {
            return mostAtOnce.get();
        }

        private void handle(java.net.Socket socket) {
            int now = open.incrementAndGet();
            mostAtOnce.accumulateAndGet(now, Math::max);
            long start = System.currentTimeMillis();
            try (socket) {
                java.io.InputStream in = socket.getInputStream();
                String eventId = null;
                int length = 0;
                for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
                    String lower = line.toLowerCase(java.util.Locale.ROOT);
                    if (lower.startsWith(Webhooks.EVENT_ID.toLowerCase(java.util.Locale.ROOT) + ":")) {
                        eventId = line.substring(line.indexOf(':') + 1).trim();
                    } else if (lower.startsWith("content-length:")) {
                        length = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
                    }
                }
                in.readNBytes(length);
                posts.add(eventId);
                socket.setSoTimeout(50);
                while (System.currentTimeMillis() - start < answerAfterMillis) {
                    try {
                        if (in.read() < 0) {
                            return; // hung up on
                        }
                    } catch (java.net.SocketTimeoutException stillThere) {
                        // wait on
                    }
                }
                socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // the client went away
            } finally {
                open.decrementAndGet();
            }
        }

        private static String readLine(java.io.InputStream in) throws IOException {
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c >= 0; c = in.read()) {
                if (c == '\n') {
                    return line.toString().strip();
                }
                line.append((char) c);
            }
            return line.length() == 0 ? null : line.toString();
        }

        @Override
        public void close() throws IOException {
            for (ServerSocket server : servers) {
                server.close();
            }
        }
    }
}
