package com.mp3converter.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * The login and registration proxy: who auth-service is told the client is, and which of auth-service's answers
 * count against its circuit breaker. A stand-in auth-service answers what each test sets.
 */
@QuarkusTest
@QuarkusTestResource(value = AuthProxyTest.StandInAuth.class, restrictToAnnotatedClass = true)
class AuthProxyTest {

    /** The gateway's infrastructure, with auth-service replaced by a stand-in that records what reaches it. */
    public static class StandInAuth extends GatewayInfra {
        static HttpServer auth;
        static final List<String> forwardedFor = new CopyOnWriteArrayList<>();
        static volatile int status = 200;
        static volatile String body = "token";
        static volatile String retryAfter;

        @Override
        public Map<String, String> start() {
            Map<String, String> config = new java.util.HashMap<>(super.start());
            try {
                auth = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            auth.createContext("/login", StandInAuth::answer);
            auth.createContext("/users", StandInAuth::answer);
            auth.start();
            config.put("quarkus.rest-client.auth.url", "http://127.0.0.1:" + auth.getAddress().getPort());
            return config;
        }

        private static void answer(HttpExchange exchange) throws IOException {
            forwardedFor.add(String.join(" | ", exchange.getRequestHeaders().getOrDefault("X-Forwarded-For", List.of())));
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", status == 200 ? "text/plain" : "application/json");
            if (retryAfter != null) {
                exchange.getResponseHeaders().add("Retry-After", retryAfter);
            }
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        }

        @Override
        public void stop() {
            auth.stop(0);
            super.stop();
        }
    }

    @BeforeEach
    void answerOk() {
        StandInAuth.status = 200;
        StandInAuth.body = "token";
        StandInAuth.retryAfter = null;
        StandInAuth.forwardedFor.clear();
    }

    @Test
    void authServiceIsToldTheConnectionsAddressNeverTheOneTheClientClaims() {
        given().header("X-Forwarded-For", "203.0.113.7").auth().preemptive().basic("a@b.c", "pw").post("/login")
                .then().statusCode(200).body(equalTo("token"));
        StandInAuth.status = 201;
        StandInAuth.body = "{\"id\":\"1\"}";
        given().header("X-Forwarded-For", "203.0.113.7, 198.51.100.1").contentType("application/json")
                .body("{\"email\":\"x@y.z\",\"password\":\"a long password\"}").post("/users").then().statusCode(201);

        assertThat(StandInAuth.forwardedFor).containsExactly("127.0.0.1", "127.0.0.1");
    }

    @Test
    void aBurstOf429And503AnswersPassesThroughAndNeverOpensTheCircuitForOthers() {
        StandInAuth.status = 429;
        StandInAuth.retryAfter = "30";
        StandInAuth.body = "{\"status\":429,\"error\":\"too many failed sign-ins\",\"limit\":{\"name\":\"auth.login.free-attempts\",\"max\":5}}";
        for (int i = 0; i < 10; i++) {
            given().auth().preemptive().basic("victim@b.c", "guess-" + i).post("/login").then().statusCode(429)
                    .header("Retry-After", "30").body("limit.name", equalTo("auth.login.free-attempts"));
        }
        StandInAuth.status = 503;
        StandInAuth.retryAfter = "5";
        StandInAuth.body = "{\"status\":503,\"error\":\"too many sign-ins at once\",\"limit\":{\"name\":\"auth.hashing.queue-wait\",\"max\":2000}}";
        for (int i = 0; i < 10; i++) {
            given().auth().preemptive().basic("someone@b.c", "pw").post("/login").then().statusCode(503)
                    .header("Retry-After", "5").body("limit.name", equalTo("auth.hashing.queue-wait"));
            given().contentType("application/json").body("{\"email\":\"x@y.z\",\"password\":\"a long password\"}")
                    .post("/users").then().statusCode(503).header("Retry-After", "5");
        }

        answerOk();
        given().auth().preemptive().basic("a@b.c", "pw").post("/login").then().statusCode(200).body(equalTo("token"));
        assertThat(StandInAuth.forwardedFor).as("the circuit stayed closed: this sign-in reached auth-service").hasSize(1);
    }
}
