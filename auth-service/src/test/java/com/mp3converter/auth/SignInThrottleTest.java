package com.mp3converter.auth;

import com.mp3converter.auth.config.AuthConfig;
import com.mp3converter.auth.service.HashTurns;
import com.mp3converter.auth.service.PasswordHasher;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

/**
 * Sign-in and registration cannot be raced or turned against their owner. Locks here last long (30 s), so what
 * a test sees does not depend on how fast a busy machine answers.
 */
@QuarkusTest
@TestProfile(SignInThrottleTest.LongLocks.class)
@QuarkusTestResource(value = MariaDbResource.class, restrictToAnnotatedClass = true)
class SignInThrottleTest {

    public static class LongLocks implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // An account-wide allowance above every other test's failures, low enough to reach quickly.
            return Map.of("auth.login.initial-lock", "PT30S", "auth.login.max-lock", "PT1M",
                    "auth.login.account-free-attempts", "12",
                    "auth.hashing.queue-wait", "PT5S", "auth.hashing.at-once", "2", "auth.hashing.max-waiting", "4");
        }
    }

    static final String PASSWORD = "correct horse battery";
    /** The gateway's timeout for a call to auth-service: an answer must come well before it. */
    static final Duration GATEWAY_TIMEOUT = Duration.ofSeconds(10);

    @Inject
    AuthConfig config;

    @Inject
    MeterRegistry metrics;

    @Inject
    PasswordHasher hasher;

    @TestHTTPResource("/login")
    URI loginUri;

    /** A client address nobody else in the suite uses (as the gateway forwards it in X-Forwarded-For). */
    static String newAddress() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return "10." + random.nextInt(256) + "." + random.nextInt(256) + "." + (1 + random.nextInt(254));
    }

    static String newUser() {
        String email = "user-" + UUID.randomUUID() + "@example.com";
        AuthServiceTest.register(email, PASSWORD);
        return email;
    }

    static Response signIn(String email, String password, String from) {
        return given().header("X-Forwarded-For", from).auth().preemptive().basic(email, password).post("/login");
    }

    @Test
    void twentyParallelWrongGuessesAreAllCountedAndThoseBeyondTheAllowanceAreRefusedUnchecked() throws Exception {
        String victim = newUser();
        String attacker = newAddress();
        double hashesBefore = hashes();

        List<Integer> statuses = inParallel(20, i -> rawSignIn(victim, "guess-" + i, attacker));

        int allowance = config.login().freeAttempts();
        assertThat(statuses).as("every guess is either checked and counted (401) or refused (429)")
                .containsOnly(401, 429);
        assertThat(statuses.stream().filter(s -> s == 401).count()).as("checked guesses").isEqualTo(allowance);
        assertThat(statuses.stream().filter(s -> s == 429).count()).isEqualTo(20 - allowance);
        assertThat(hashes() - hashesBefore).as("a refused guess costs no hash").isEqualTo(allowance);

        signIn(victim, PASSWORD, attacker).then().statusCode(429)
                .header("Retry-After", notNullValue())
                .body("limit.name", equalTo("auth.login.free-attempts"))
                .body("limit.max", equalTo(allowance));
    }

    @Test
    void theOwnerSignsInFromAnotherAddressWhileTheGuesserStaysLockedOut() {
        String victim = newUser();
        String attacker = newAddress();
        for (int i = 0; i < config.login().freeAttempts(); i++) {
            signIn(victim, "guess-" + i, attacker).then().statusCode(401);
        }
        signIn(victim, PASSWORD, attacker).then().statusCode(429).header("Retry-After", notNullValue())
                .body("error", equalTo("too many failed sign-ins to this account from your address; try again later"));

        String token = signIn(victim, PASSWORD, newAddress()).then().statusCode(200).extract().asString();
        assertThat(token.split("\\.")).hasSize(3);

        signIn(victim, "guess-again", attacker).then().statusCode(429);
    }

    @Test
    void oneAddressGuessingAcrossManyAccountsIsLockedOutOfAll() {
        String attacker = newAddress();
        for (int i = 0; i < config.login().clientFreeAttempts(); i++) {
            signIn("someone-" + i + "-" + UUID.randomUUID() + "@example.com", "guess", attacker).then().statusCode(401);
        }
        String victim = newUser();
        signIn(victim, PASSWORD, attacker).then().statusCode(429).header("Retry-After", notNullValue())
                .body("limit.name", equalTo("auth.login.client-free-attempts"));
        signIn(victim, PASSWORD, newAddress()).then().statusCode(200);
    }

    @Test
    void anAccountThatSignedInFromAnAddressStillSignsInThereWhileGuessesOnOtherAccountsLockTheAddress() {
        String office = newAddress();
        String regular = newUser();
        signIn(regular, PASSWORD, office).then().statusCode(200);
        String newcomer = newUser();

        for (int i = 0; i < config.login().clientFreeAttempts(); i++) {
            signIn("someone-" + i + "-" + UUID.randomUUID() + "@example.com", "guess", office).then().statusCode(401);
        }

        signIn(newcomer, PASSWORD, office).then().statusCode(429).header("Retry-After", notNullValue())
                .body("limit.name", equalTo("auth.login.client-free-attempts"));
        String token = signIn(regular, PASSWORD, office).then().statusCode(200).extract().asString();
        assertThat(token.split("\\.")).hasSize(3);
        // Known or not, the pair's own count still holds guesses at this account from this address.
        for (int i = 0; i < config.login().freeAttempts(); i++) {
            signIn(regular, "guess-" + i, office).then().statusCode(401);
        }
        signIn(regular, PASSWORD, office).then().statusCode(429)
                .body("limit.name", equalTo("auth.login.free-attempts"));
    }

    @Test
    void guessesFromManyAddressesPastTheAccountAllowanceRefuseNewAddressesButNotTheOwnersKnownOne() {
        String victim = newUser();
        String home = newAddress();
        signIn(victim, PASSWORD, home).then().statusCode(200);

        int allowance = config.login().accountFreeAttempts();
        for (int i = 0; i < allowance; i++) {
            signIn(victim, "guess-" + i, newAddress()).then().statusCode(401);
        }

        signIn(victim, PASSWORD, newAddress()).then().statusCode(429).header("Retry-After", notNullValue())
                .body("error", equalTo("too many failed sign-ins to this account from new addresses; try again later"))
                .body("limit.name", equalTo("auth.login.account-free-attempts"))
                .body("limit.max", equalTo(allowance));
        signIn(victim, PASSWORD, home).then().statusCode(200);
    }

    @Test
    void aRegistrationRefusedWith503DoesNotUseUpTheAddresssAllowance() {
        String taken = newUser();
        String from = newAddress();
        int limit = config.registration().perClient();

        int turns = HashTurns.takeAll(hasher);
        try {
            given().contentType(ContentType.JSON).header("X-Forwarded-For", from)
                    .body(Map.of("email", "busy-" + UUID.randomUUID() + "@example.com", "password", PASSWORD))
                    .post("/users").then().statusCode(503).header("Retry-After", notNullValue());
        } finally {
            HashTurns.giveBack(hasher, turns);
        }

        // The whole allowance is still there: each of these is counted and answered.
        for (int i = 0; i < limit; i++) {
            given().contentType(ContentType.JSON).header("X-Forwarded-For", from)
                    .body(Map.of("email", taken, "password", PASSWORD)).post("/users").then().statusCode(409);
        }
        given().contentType(ContentType.JSON).header("X-Forwarded-For", from)
                .body(Map.of("email", taken, "password", PASSWORD)).post("/users").then().statusCode(429)
                .body("limit.name", equalTo("auth.registration.per-client"));
    }

    @Test
    void registeringAnExistingEmailAnswers409WithoutComputingAHash() {
        String email = newUser();
        double before = hashes();

        given().contentType(ContentType.JSON).header("X-Forwarded-For", newAddress())
                .body(Map.of("email", email.toUpperCase(), "password", "another password"))
                .post("/users").then().statusCode(409).body("error", equalTo("a user with this email already exists"));

        assertThat(hashes()).as("hashes computed").isEqualTo(before);
    }

    @Test
    void aBurstOfRegistrationsFromOneAddressIsRefusedPastTheLimitAndKeepsNothing() throws Exception {
        String taken = newUser();
        String from = newAddress();
        int limit = config.registration().perClient();

        // A taken email costs no hash, so the burst measures the throttle alone.
        List<Integer> statuses = inParallel(limit + 5, i -> given().contentType(ContentType.JSON)
                .header("X-Forwarded-For", from).body(Map.of("email", taken, "password", PASSWORD))
                .post("/users").statusCode());

        assertThat(statuses.stream().filter(s -> s == 409).count()).as("counted and answered").isEqualTo(limit);
        assertThat(statuses.stream().filter(s -> s == 429).count()).as("refused").isEqualTo(5);
        String refused = "refused-" + UUID.randomUUID() + "@example.com";
        given().contentType(ContentType.JSON).header("X-Forwarded-For", from)
                .body(Map.of("email", refused, "password", PASSWORD))
                .post("/users").then().statusCode(429).header("Retry-After", notNullValue())
                .body("limit.name", equalTo("auth.registration.per-client")).body("limit.max", equalTo(limit));
        signIn(refused, PASSWORD, newAddress()).then().statusCode(401);
        // Another address registers as usual.
        newUser();
    }

    @Test
    void aFullHashQueueAnswers503WithRetryAfterWithinItsWaitAndTheAttemptDoesNotCount() {
        String owner = newUser();
        String from = newAddress();
        int taken = HashTurns.takeAll(hasher);
        long started = System.nanoTime();
        try {
            signIn(owner, PASSWORD, from).then().statusCode(503).header("Retry-After", notNullValue())
                    .body("limit.name", equalTo("auth.hashing.queue-wait"));
        } finally {
            HashTurns.giveBack(hasher, taken);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(took).as("answered after the queue's wait, before the gateway gives up")
                .isGreaterThanOrEqualTo(config.hashing().queueWait().minusMillis(100))
                .isLessThan(GATEWAY_TIMEOUT);

        for (int i = 0; i < config.login().freeAttempts() - 1; i++) {
            signIn(owner, "typo-" + i, from).then().statusCode(401);
        }
        // The unchecked attempt did not count: four typos leave the owner one attempt, and it is right.
        signIn(owner, PASSWORD, from).then().statusCode(200);
    }

    @Test
    void beyondTheCallersAllowedToWaitForAHashTheRestAreRefusedAtOnce() throws Exception {
        String owner = newUser();
        int maxWaiting = config.hashing().maxWaiting();
        int taken = HashTurns.takeAll(hasher);
        List<String> refusals;
        try {
            refusals = inParallel(maxWaiting + 3, i -> {
                Response response = signIn(owner, PASSWORD, newAddress());
                assertThat(response.statusCode()).isEqualTo(503);
                assertThat(response.header("Retry-After")).isNotBlank();
                return response.jsonPath().getString("limit.name");
            });
        } finally {
            HashTurns.giveBack(hasher, taken);
        }
        assertThat(refusals).containsOnly("auth.hashing.queue-wait", "auth.hashing.max-waiting");
        assertThat(refusals.stream().filter("auth.hashing.queue-wait"::equals).count())
                .as("callers that waited for a turn").isLessThanOrEqualTo(maxWaiting);
        assertThat(refusals).contains("auth.hashing.max-waiting");
    }

    private double hashes() {
        return metrics.get("auth.password.hashes").counter().count();
    }

    private int rawSignIn(String email, String password, String from) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String basic = Base64.getEncoder().encodeToString((email + ":" + password).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(loginUri).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Basic " + basic).header("X-Forwarded-For", from)
                .POST(HttpRequest.BodyPublishers.noBody()).build();
        try {
            return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs n calls at once (all released together) and returns their results in order. */
    private static <T> List<T> inParallel(int n, java.util.function.IntFunction<T> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            List<Future<T>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                results.add(pool.submit(() -> {
                    start.await();
                    return call.apply(index);
                }));
            }
            start.countDown();
            List<T> statuses = new ArrayList<>();
            for (Future<T> result : results) {
                statuses.add(result.get(60, java.util.concurrent.TimeUnit.SECONDS));
            }
            return statuses;
        } finally {
            pool.shutdownNow();
        }
    }
}
