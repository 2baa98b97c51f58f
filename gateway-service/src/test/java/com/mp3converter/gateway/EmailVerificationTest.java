package com.mp3converter.gateway;

import com.mp3converter.contracts.EmailVerificationTokens;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** GET /verify-email: a token the notifier signed publishes EmailVerified; anything else is a 400 and publishes nothing. */
@QuarkusTest
@QuarkusTestResource(value = GatewayInfra.class, restrictToAnnotatedClass = true)
class EmailVerificationTest {

    /** Stands in for the notifier's queue. */
    private static final String QUEUE = "gw-test.email-verified";

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

    @Test
    void aSignedLinkVerifiesItsAddressWithoutASignInAndTellsTheNotifier() throws Exception {
        published();
        String email = "verify-" + UUID.randomUUID() + "@example.com";
        String token = notifierSide().sign(new EmailVerificationTokens.Verification(email, Instant.now().plus(Duration.ofDays(7))));
        given().queryParam("token", token).when().get("/verify-email").then()
                .statusCode(200).contentType("application/json").header("Cache-Control", "no-store")
                .body("email", equalTo(email)).body("verified", equalTo(true));
        List<String> messages = published();
        assertThat(messages).singleElement().satisfies(json -> assertThat(json).contains("\"email\":\"" + email + "\"")
                .contains("\"verifiedAt\":"));
    }

    @Test
    void anAlteredExpiredForeignOrMissingTokenIsRefusedWithJsonAndPublishesNothing() throws Exception {
        published();
        String email = "verify-" + UUID.randomUUID() + "@example.com";
        String good = notifierSide().sign(new EmailVerificationTokens.Verification(email, Instant.now().plus(Duration.ofDays(7))));
        String[] parts = good.split("\\.");
        String otherAddress = notifierSide().sign(new EmailVerificationTokens.Verification("victim@example.com",
                Instant.now().plus(Duration.ofDays(7)))).split("\\.")[0];
        List<String> bad = List.of(
                otherAddress + "." + parts[1] + "." + parts[2], // someone else's address under this signature
                parts[0] + "." + (Long.parseLong(parts[1]) + 86_400) + "." + parts[2], // a later expiry
                notifierSide().sign(new EmailVerificationTokens.Verification(email, Instant.now().minusSeconds(1))), // expired
                new EmailVerificationTokens("another-key-of-at-least-32-bytes-000", List.of())
                        .sign(new EmailVerificationTokens.Verification(email, Instant.now().plus(Duration.ofDays(7)))),
                "x".repeat(1000)); // past the token bound (longer request lines are refused by the HTTP server: 414)
        for (String token : bad) {
            given().queryParam("token", token).when().get("/verify-email").then()
                    .statusCode(400).contentType("application/json").body("status", equalTo(400))
                    .body("error", containsString("verification link is not valid"));
        }
        given().when().get("/verify-email").then().statusCode(400).contentType("application/json");
        assertThat(published()).isEmpty();
    }
}
