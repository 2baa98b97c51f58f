package com.mp3converter.gateway;

import com.mp3converter.contracts.EmailVerificationTokens;
import com.mp3converter.gateway.service.EmailVerificationLinks;
import io.quarkus.arc.ClientProxy;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Semaphore;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

/**
 * /verify-email: opening the emailed link (GET) answers a form and changes nothing; submitting its token (POST) publishes
 * EmailVerified once; anything but a token the notifier signed is a 400 and publishes nothing.
 */
@QuarkusTest
@QuarkusTestResource(value = GatewayInfra.class, restrictToAnnotatedClass = true)
class EmailVerificationTest {

    /** Stands in for the notifier's queue. */
    private static final String QUEUE = "gw-test.email-verified";

    @Inject
    EmailVerificationLinks links;

    @BeforeAll
    static void bindNotifierQueue() throws Exception {
        try (Channel channel = GatewayInfra.rabbit.createChannel()) {
            channel.queueDelete(QUEUE);
            channel.queueDeclare(QUEUE, true, false, false, null);
            channel.queueBind(QUEUE, GatewayInfra.EXCHANGE, "account.email.verified");
        }
    }

    @AfterAll
    static void deleteNotifierQueue() throws Exception {
        try (Channel channel = GatewayInfra.rabbit.createChannel()) {
            channel.queueDelete(QUEUE);
        }
    }

    private static EmailVerificationTokens notifierSide() {
        return new EmailVerificationTokens(ConfigProvider.getConfig().getValue("gateway.download-link.key", String.class), List.of());
    }

    private static List<String> published() throws Exception {
        List<String> messages = new java.util.ArrayList<>();
        try (Channel channel = GatewayInfra.rabbit.createChannel()) {
            GetResponse response;
            while ((response = channel.basicGet(QUEUE, true)) != null) {
                messages.add(new String(response.getBody(), StandardCharsets.UTF_8));
            }
        }
        return messages;
    }

    private static String tokenFor(String email) {
        return notifierSide().sign(new EmailVerificationTokens.Verification(email, Instant.now().plus(Duration.ofDays(7))));
    }

    private static RequestSpecification submitted(String token) {
        return given().contentType("application/x-www-form-urlencoded").formParam("token", token);
    }

    @Test
    void openingTheLinkAnswersAPageWhoseFormSubmitsTheTokenAndVerifiesNothing() throws Exception {
        published();
        String email = "verify-" + UUID.randomUUID() + "@example.com";
        String token = tokenFor(email);
        String page = given().queryParam("token", token).when().get("/verify-email").then()
                .statusCode(200).contentType("text/html").header("Cache-Control", "no-store")
                .extract().asString();
        assertThat(page).contains(email)
                .contains("<form method=\"post\" action=\"verify-email\">")
                .contains("<input type=\"hidden\" name=\"token\" value=\"" + token + "\">")
                .doesNotContain("<script").doesNotContain("<style").doesNotContain("style=");
        assertThat(published()).as("a mail scanner opening the link verifies nothing").isEmpty();
    }

    @Test
    void submittingTheTokenVerifiesTheAddressTellsTheNotifierOnceAndAgainCostsNothing() throws Exception {
        published();
        String email = "verify-" + UUID.randomUUID() + "@example.com";
        String token = tokenFor(email);
        submitted(token).accept("application/json").when().post("/verify-email").then()
                .statusCode(200).contentType("application/json").header("Cache-Control", "no-store")
                .body("email", equalTo(email)).body("verified", equalTo(true));
        assertThat(published()).singleElement().satisfies(json -> assertThat(json).contains("\"email\":\"" + email + "\"")
                .contains("\"verifiedAt\":"));

        for (int replay = 0; replay < 3; replay++) {
            submitted(token).when().post("/verify-email").then()
                    .statusCode(200).contentType("text/html").header("Cache-Control", "no-store")
                    .body(containsString("Email address confirmed"), containsString(email));
        }
        assertThat(published()).as("a replayed token publishes nothing more").isEmpty();
    }

    @Test
    void thePagesShowAnAddressAsTextNotAsMarkup() throws Exception {
        String email = "\"<script>\"@x.example";
        String token = tokenFor(email);
        String escapedEmail = "&quot;&lt;script&gt;&quot;@x.example";
        assertThat(given().queryParam("token", token).when().get("/verify-email").then().statusCode(200).extract().asString())
                .contains(escapedEmail).doesNotContain("<script");
        assertThat(submitted(token).when().post("/verify-email").then().statusCode(200).extract().asString())
                .contains(escapedEmail).doesNotContain("<script");
        published();
    }

    @Test
    void anAlteredExpiredForeignOrMissingTokenIsRefusedOnBothAndPublishesNothing() throws Exception {
        published();
        String email = "verify-" + UUID.randomUUID() + "@example.com";
        String good = tokenFor(email);
        String[] parts = good.split("\\.");
        String otherAddress = tokenFor("victim@example.com").split("\\.")[0];
        List<String> bad = List.of(
                otherAddress + "." + parts[1] + "." + parts[2], // someone else's address under this signature
                parts[0] + "." + (Long.parseLong(parts[1]) + 86_400) + "." + parts[2], // a later expiry
                notifierSide().sign(new EmailVerificationTokens.Verification(email, Instant.now().minusSeconds(1))), // expired
                new EmailVerificationTokens("another-key-of-at-least-32-bytes-000", List.of())
                        .sign(new EmailVerificationTokens.Verification(email, Instant.now().plus(Duration.ofDays(7)))),
                "x".repeat(1000)); // past the token bound (longer request lines are refused by the HTTP server: 414)
        for (String token : bad) {
            given().queryParam("token", token).accept("application/json").when().get("/verify-email").then()
                    .statusCode(400).contentType("application/json").body("status", equalTo(400))
                    .body("error", containsString("verification link is not valid"));
            given().queryParam("token", token).when().get("/verify-email").then()
                    .statusCode(400).contentType("text/html").body(containsString("verification link is not valid"));
            submitted(token).accept("application/json").when().post("/verify-email").then()
                    .statusCode(400).contentType("application/json").body("status", equalTo(400))
                    .body("error", containsString("verification link is not valid"));
            submitted(token).when().post("/verify-email").then()
                    .statusCode(400).contentType("text/html").header("Cache-Control", "no-store")
                    .body(containsString("verification link is not valid"));
        }
        given().accept("application/json").when().get("/verify-email").then().statusCode(400).contentType("application/json");
        given().contentType("application/x-www-form-urlencoded").body("").accept("application/json").when().post("/verify-email")
                .then().statusCode(400).contentType("application/json");
        assertThat(published()).isEmpty();
    }

    @Test
    void whileTwoVerificationsWaitForTheBrokerAThirdIsAnswered503WithRetryAfter() throws Exception {
        published();
        String token = tokenFor("verify-" + UUID.randomUUID() + "@example.com");
        // Stands in for two publishes stuck on a slow broker: both turns taken.
        Semaphore turns = publishTurns();
        turns.acquire(2);
        try {
            submitted(token).accept("application/json").when().post("/verify-email").then()
                    .statusCode(503).contentType("application/json").header("Retry-After", notNullValue())
                    .body("status", equalTo(503)).body("limit.name", equalTo("concurrentVerificationPublishes"))
                    .body("limit.max", equalTo(2));
        } finally {
            turns.release(2);
        }
        assertThat(published()).isEmpty();
        submitted(token).accept("application/json").when().post("/verify-email").then().statusCode(200);
        assertThat(published()).hasSize(1);
    }

    private Semaphore publishTurns() throws ReflectiveOperationException {
        Field field = EmailVerificationLinks.class.getDeclaredField("publishing");
        field.setAccessible(true);
        return (Semaphore) field.get(ClientProxy.unwrap(links));
    }
}
