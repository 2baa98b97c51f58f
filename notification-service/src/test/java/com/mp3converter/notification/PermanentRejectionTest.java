package com.mp3converter.notification;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;

import static com.mp3converter.notification.NotificationTest.doneEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An SMTP server's permanent refusal (5xx) is final: one attempt, recorded, acked, never retried (in this profile a
 * retried email comes back within seconds: retry delays of 0.5 s to 2 s). A refusal for now (4xx) is retried.
 */
@QuarkusTest
@QuarkusTestResource(value = RefusingSmtpInfra.class, restrictToAnnotatedClass = true)
class PermanentRejectionTest {

    private static final Duration LONGER_THAN_SEVERAL_RETRIES = Duration.ofSeconds(8);

    @Test
    void aJobEmailToAMailboxThatDoesNotExistIsTriedOnceAndGivenUp() throws Exception {
        String email = "nobody-" + UUID.randomUUID() + "@example.com";
        String jobId = UUID.randomUUID().toString();
        NotificationInfra.verified(email);
        NotificationInfra.deadLettered();
        NotificationInfra.publish("conversion.event.done", doneEvent(jobId, email, "lost.mp4"));
        await().atMost(Duration.ofSeconds(15)).until(() -> RefusingSmtpInfra.refusing.attempts(email) == 1);
        Thread.sleep(LONGER_THAN_SEVERAL_RETRIES.toMillis());
        assertThat(RefusingSmtpInfra.refusing.attempts(email)).as("SMTP attempts").isEqualTo(1);
        assertThat(NotificationInfra.deadLettered()).as("dead-lettered").isZero();
        try (var client = com.mongodb.client.MongoClients.create(NotificationInfra.mongo.uri())) {
            var record = client.getDatabase("mp3converter").getCollection("sent_notifications")
                    .find(new org.bson.Document("_id", jobId)).first();
            assertThat(record).isNotNull();
            assertThat(record.getString("state")).isEqualTo("GIVEN_UP");
            assertThat(record.get("smtpReply", Number.class).intValue()).isEqualTo(550);
        }

        // Decided once: a redelivery of the event does not ask the server again.
        NotificationInfra.publish("conversion.event.done", doneEvent(jobId, email, "lost.mp4"));
        Thread.sleep(3000);
        assertThat(RefusingSmtpInfra.refusing.attempts(email)).as("SMTP attempts").isEqualTo(1);
    }

    @Test
    void aVerificationEmailToAMailboxThatDoesNotExistIsTriedOnceAndNotAgainWithinThePeriod() throws Exception {
        String email = "nobody-unverified-" + UUID.randomUUID() + "@example.com";
        NotificationInfra.publish("conversion.event.done", doneEvent(UUID.randomUUID().toString(), email, "a.mp4"));
        await().atMost(Duration.ofSeconds(15)).until(() -> RefusingSmtpInfra.refusing.attempts(email) == 1);
        Thread.sleep(LONGER_THAN_SEVERAL_RETRIES.toMillis());
        NotificationInfra.publish("conversion.event.done", doneEvent(UUID.randomUUID().toString(), email, "b.mp4"));
        Thread.sleep(3000);
        assertThat(RefusingSmtpInfra.refusing.attempts(email)).as("SMTP attempts").isEqualTo(1);
    }

    @Test
    void aRefusalForNowIsRetriedAndTheEmailGoesOutOnce() throws Exception {
        String email = "busy-" + UUID.randomUUID() + "@example.com";
        NotificationInfra.verified(email);
        NotificationInfra.publish("conversion.event.done", doneEvent(UUID.randomUUID().toString(), email, "later.mp4"));
        await().atMost(Duration.ofSeconds(30)).until(() -> RefusingSmtpInfra.refusing.accepted(email) == 1);
        assertThat(RefusingSmtpInfra.refusing.attempts(email)).as("SMTP attempts").isEqualTo(2);
        Thread.sleep(3000);
        assertThat(RefusingSmtpInfra.refusing.accepted(email)).isEqualTo(1);
    }
}
