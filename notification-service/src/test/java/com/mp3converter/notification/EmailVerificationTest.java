package com.mp3converter.notification;

import com.mp3converter.contracts.EmailVerificationTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.mail.internet.MimeMessage;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.mp3converter.notification.NotificationTest.doneEvent;
import static com.mp3converter.notification.NotificationTest.mailsTo;
import static com.mp3converter.notification.NotificationTest.part;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Job emails go only to an address that opened its verification link; the EmailVerified message says it did. */
@QuarkusTest
@QuarkusTestResource(value = NotificationInfra.class, restrictToAnnotatedClass = true)
class EmailVerificationTest {

    @Test
    void anUnverifiedAddressGetsOneVerificationEmailAndAfterTheLinkTheLatestAndNextJobEmails() throws Exception {
        String email = "Unverified-" + UUID.randomUUID() + "@Example.com";
        String address = email.toLowerCase(java.util.Locale.ROOT);
        NotificationInfra.publish("conversion.event.done", doneEvent(UUID.randomUUID().toString(), email, "<b>first</b> attacker words.mp4"));
        await().atMost(Duration.ofSeconds(15)).until(() -> mailsTo(email).size() == 1);

        MimeMessage verification = mailsTo(email).get(0);
        assertThat(verification.getSubject()).isEqualTo("Confirm your email address for mp3converter");
        String text = part(verification, "text/plain");
        String html = part(verification, "text/html");
        assertThat(text + html).as("no text the uploader chose").doesNotContain("first", "attacker", ".mp4");
        Matcher link = Pattern.compile("http://gateway\\.test:8080/verify-email\\?token=(\\S+)").matcher(text);
        assertThat(link.find()).as(text).isTrue();
        assertThat(html).contains("href=\"" + link.group() + "\"");
        EmailVerificationTokens gatewaySide = new EmailVerificationTokens(
                ConfigProvider.getConfig().getValue("notification.download-link.key", String.class), List.of());
        assertThat(gatewaySide.verify(link.group(1), Instant.now())).as("the gateway accepts the link").hasValueSatisfying(v -> {
            assertThat(v.email()).isEqualTo(address);
            assertThat(v.expiresAt()).isBetween(Instant.now().plus(Duration.ofDays(6)), Instant.now().plus(Duration.ofDays(7)));
        });

        // Another job within the period: no second verification email, and still no job email.
        NotificationInfra.publish("conversion.event.done", doneEvent(UUID.randomUUID().toString(), email, "second.mp4"));
        Thread.sleep(2000); // so "latest" is well defined
        NotificationInfra.publish("conversion.event.failed", """
                {"jobId":"%s","type":"FAILED","ownerEmail":"%s","originalFilename":"third.mp4","reason":"no audio"}"""
                .formatted(UUID.randomUUID(), email));
        Thread.sleep(4000);
        assertThat(mailsTo(email)).hasSize(1);

        // The link was opened: the gateway publishes EmailVerified. The latest held job's email follows, only that one.
        NotificationInfra.verified(email);
        await().atMost(Duration.ofSeconds(20)).until(() -> mailsTo(email).size() == 2);
        assertThat(mailsTo(email).get(1).getSubject()).isEqualTo("We could not convert third.mp4");

        // From now on every job's email is delivered.
        NotificationInfra.publish("conversion.event.done", doneEvent(UUID.randomUUID().toString(), email, "fourth.mp4"));
        await().atMost(Duration.ofSeconds(15)).until(() -> mailsTo(email).size() == 3);
        assertThat(mailsTo(email).get(2).getSubject()).isEqualTo("Your MP3 is ready: fourth.mp4");
        Thread.sleep(2000);
        assertThat(subjects(email)).doesNotContain("Your MP3 is ready: second.mp4")
                .noneMatch(subject -> subject.contains("first"));
    }

    @Test
    void manyJobsEndingAtOnceForAnUnverifiedAddressSendOneVerificationEmail() throws Exception {
        String email = "burst-" + UUID.randomUUID() + "@example.com";
        for (int i = 0; i < 8; i++) {
            NotificationInfra.publish("conversion.event.done", doneEvent(UUID.randomUUID().toString(), email, "clip" + i + ".mp4"));
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> mailsTo(email).size() >= 1);
        Thread.sleep(3000);
        assertThat(subjects(email)).containsExactly("Confirm your email address for mp3converter");
    }

    @Test
    void aRedeliveredEmailVerifiedChangesNothing() throws Exception {
        String email = "again-" + UUID.randomUUID() + "@example.com";
        NotificationInfra.publish("conversion.event.done", doneEvent(UUID.randomUUID().toString(), email, "held.mp4"));
        await().atMost(Duration.ofSeconds(15)).until(() -> mailsTo(email).size() == 1);
        NotificationInfra.verified(email);
        NotificationInfra.verified(email);
        await().atMost(Duration.ofSeconds(20)).until(() -> mailsTo(email).size() == 2);
        Thread.sleep(3000);
        assertThat(subjects(email)).containsExactly("Confirm your email address for mp3converter", "Your MP3 is ready: held.mp4");
    }

    private static List<String> subjects(String email) throws Exception {
        List<String> subjects = new java.util.ArrayList<>();
        for (MimeMessage mail : mailsTo(email)) {
            subjects.add(mail.getSubject());
        }
        return subjects;
    }

    @Test
    void anUnreadableEmailVerifiedIsDeadLettered() throws Exception {
        NotificationInfra.publish("account.email.verified", "{\"email\":\"no-at-sign\"}");
        await().atMost(Duration.ofSeconds(15)).until(() -> NotificationInfra.deadLettered(NotificationInfra.VERIFIED_QUEUE) == 1);
    }
}
