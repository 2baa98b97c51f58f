package com.mp3converter.gateway;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.sun.net.httpserver.HttpServer;
import com.mp3converter.devinfra.EmbeddedMongoProcess;
import com.mp3converter.devinfra.TcpProxy;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.jose4j.jwk.EcJwkGenerator;
import org.jose4j.jwk.EllipticCurveJsonWebKey;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.keys.EllipticCurves;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What the gateway talks to, for its tests: a MongoDB-protocol server in its own process (so its data is
 * not counted in the gateway's heap), the machine's real RabbitMQ behind a cuttable proxy (with
 * exchange and queue names of its own, so it never meets the real services' topology), a JWKS
 * endpoint with a test key, and a stand-in auth-service for the login proxy.
 */
public class GatewayInfra implements QuarkusTestResourceLifecycleManager {

    public static final String EXCHANGE = "gw-test";
    public static final String REQUEST_QUEUE = "gw-test.converter.requests";
    public static final String ISSUER = "https://mp3converter/auth";
    public static final String AUDIENCE = "mp3converter";
    public static final String STUB_TOKEN = "header.payload.signature";

    static EmbeddedMongoProcess mongoServer;
    static MongoClient mongo;
    static TcpProxy rabbitProxy;
    /** Between the gateway and MongoDB, to cut storage off. */
    static TcpProxy mongoProxy;
    static Connection rabbit;
    static EllipticCurveJsonWebKey signingKey;
    static HttpServer httpServer;
    /** In front of the stand-in auth-service: stopped, auth-service is down (connections refused). */
    static TcpProxy authProxy;
    /** While set, the stand-in auth-service takes logins but never answers them. */
    static volatile boolean authHangs;
    /** Logins that reached the stand-in auth-service. */
    static final java.util.concurrent.atomic.AtomicInteger authLogins = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public Map<String, String> start() {
        try {
            mongoServer = EmbeddedMongoProcess.start();
            String mongoUri = mongoServer.uri();
            mongo = MongoClients.create(mongoUri);
            mongoProxy = new TcpProxy("127.0.0.1", mongoServer.port());

            rabbitProxy = new TcpProxy("127.0.0.1", 5672);
            ConnectionFactory factory = new ConnectionFactory();
            factory.setHost("127.0.0.1");
            rabbit = factory.newConnection("gateway-test");
            try (Channel channel = rabbit.createChannel()) {
                channel.exchangeDeclare(EXCHANGE, "topic", true);
                channel.queueDelete(REQUEST_QUEUE);
                channel.queueDeclare(REQUEST_QUEUE, true, false, false, null);
                channel.queueBind(REQUEST_QUEUE, EXCHANGE, "conversion.requested");
                channel.queuePurge("gw-test.job-events");
            } catch (Exception ignored) {
                // the events queue does not exist before the first run
            }

            signingKey = EcJwkGenerator.generateJwk(EllipticCurves.P256);
            signingKey.setKeyId("test-key");
            httpServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            httpServer.createContext("/.well-known/jwks.json", exchange -> {
                byte[] body = new JsonWebKeySet(signingKey).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY)
                        .getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            httpServer.createContext("/login", exchange -> {
                authLogins.incrementAndGet();
                while (authHangs) {
                    sleepQuietly();
                }
                String auth = exchange.getRequestHeaders().getFirst("Authorization");
                boolean ok = ("Basic " + java.util.Base64.getEncoder().encodeToString("a@b.c:pw".getBytes())).equals(auth);
                byte[] body = (ok ? STUB_TOKEN : "{\"status\":401,\"error\":\"invalid email or password\"}").getBytes();
                exchange.getResponseHeaders().add("Content-Type", ok ? "text/plain" : "application/json");
                exchange.sendResponseHeaders(ok ? 200 : 401, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            httpServer.start();
            String http = "http://127.0.0.1:" + httpServer.getAddress().getPort();
            authProxy = new TcpProxy("127.0.0.1", httpServer.getAddress().getPort());

            Map<String, String> config = new HashMap<>();
            config.put("quarkus.mongodb.connection-string", "mongodb://127.0.0.1:" + mongoProxy.port());
            config.put("rabbitmq-port", String.valueOf(rabbitProxy.port()));
            config.put("rabbitmq-exchange", EXCHANGE);
            config.put("mp.messaging.incoming.job-events.queue.name", "gw-test.job-events");
            config.put("mp.jwt.verify.publickey.location", http + "/.well-known/jwks.json");
            config.put("quarkus.rest-client.auth.url", "http://127.0.0.1:" + authProxy.port());
            return config;
        } catch (Exception e) {
            throw new IllegalStateException("gateway test infrastructure did not start (RabbitMQ on 127.0.0.1:5672?)", e);
        }
    }

    @Override
    public void stop() {
        try {
            authHangs = false;
            authProxy.close();
            httpServer.stop(0);
            rabbit.close();
            rabbitProxy.close();
            mongoProxy.close();
            mongo.close();
            mongoServer.close();
        } catch (Exception ignored) {
            // best effort
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static MongoDatabase db() {
        return mongo.getDatabase("mp3converter");
    }

    /** A token as auth-service would sign it, for a fresh user unless claims say otherwise. */
    public static String token(Map<String, Object> overrides) {
        try {
            JwtClaims claims = new JwtClaims();
            claims.setIssuer(ISSUER);
            claims.setAudience(AUDIENCE);
            claims.setSubject(UUID.randomUUID().toString());
            claims.setClaim("upn", "user-" + UUID.randomUUID() + "@example.com");
            claims.setStringListClaim("groups", List.of("user"));
            claims.setIssuedAtToNow();
            claims.setExpirationTimeMinutesInTheFuture(60);
            claims.setGeneratedJwtId();
            overrides.forEach(claims::setClaim);
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(claims.toJson());
            jws.setKey(signingKey.getPrivateKey());
            jws.setKeyIdHeaderValue(signingKey.getKeyId());
            jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256);
            return jws.getCompactSerialization();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static String token() {
        return token(Map.of());
    }

    /** Takes every conversion request waiting in the test queue. */
    static List<String> drainRequests() throws Exception {
        List<String> bodies = new ArrayList<>();
        try (Channel channel = rabbit.createChannel()) {
            GetResponse response;
            while ((response = channel.basicGet(REQUEST_QUEUE, true)) != null) {
                bodies.add(new String(response.getBody(), StandardCharsets.UTF_8));
            }
        }
        return bodies;
    }

    static void publishEvent(String json) throws Exception {
        try (Channel channel = rabbit.createChannel()) {
            String type = json.replaceAll(".*\"type\"\\s*:\\s*\"([A-Z]+)\".*", "$1").toLowerCase();
            channel.basicPublish(EXCHANGE, "conversion.event." + type, null, json.getBytes(StandardCharsets.UTF_8));
        }
    }
}
