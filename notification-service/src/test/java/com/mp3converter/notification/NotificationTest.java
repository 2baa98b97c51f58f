package com.mp3converter.notification;

import com.mp3converter.contracts.DownloadLinks;
import org.eclipse.microprofile.config.ConfigProvider;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import com.icegreen.greenmail.user.MessageDeliveryHandler;
import com.icegreen.greenmail.user.UserManager;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@QuarkusTest
@QuarkusTestResource(value = NotificationInfra.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NotificationTest {

    static String doneEvent(String jobId, String email, String filename) {
        return """
                {"jobId":"%s","type":"DONE","owner":"u1","ownerEmail":"%s","originalFilename":"%s",
                 "mp3Id":"6b0254924aa00a49a8b860d1","mp3Size":2411724,"durationSeconds":125.4}""".formatted(jobId, email, filename);
    }

    static List<MimeMessage> mailsTo(String email) {
        return Arrays.stream(NotificationInfra.smtp.getReceivedMessages()).filter(m -> {
            try {
                return Arrays.stream(m.getAllRecipients())
                        .anyMatch(a -> ((jakarta.mail.internet.InternetAddress) a).getAddress().equalsIgnoreCase(email));
            } catch (Exception e) {
                return false;
            }
        }).toList();
    }

    static String part(MimeMessage message, String type) throws Exception {
        MimeMultipart multipart = (MimeMultipart) message.getContent();
        for (int i = 0; i < multipart.getCount(); i++) {
            var bodyPart = multipart.getBodyPart(i);
            if (bodyPart.getContent() instanceof MimeMultipart nested) {
                for (int j = 0; j < nested.getCount(); j++) {
                    if (nested.getBodyPart(j).isMimeType(type)) {
                        return nested.getBodyPart(j).getContent().toString();
                    }
                }
            } else if (bodyPart.isMimeType(type)) {
                return bodyPart.getContent().toString();
            }
        }
        throw new AssertionError("no " + type + " part");
    }

    @Test
    void doneEmailNamesTheFileAndGivesAOneClickLinkAndAWorkingDownloadCommand() throws Exception {
        String email = "done-" + UUID.randomUUID() + "@example.com";
        NotificationInfra.verified(email); // job emails go only to verified addresses
        String jobId = UUID.randomUUID().toString();
        NotificationInfra.publish("conversion.event.done", doneEvent(jobId, email, "Holiday <2024> & more.mp4"));
        await().atMost(Duration.ofSeconds(15)).until(() -> mailsTo(email).size() == 1);

        MimeMessage mail = mailsTo(email).get(0);
        assertThat(mail.getSubject()).isEqualTo("Your MP3 is ready: Holiday <2024> & more.mp4");
        String text = part(mail, "text/plain");
        assertThat(text).contains("6b0254924aa00a49a8b860d1").contains("2.3 MB").contains("2:05")
                .contains("curl --output \"Holiday _2024_ _ more.mp3\" -H \"Authorization: Bearer $TOKEN\" "
                        + "\"http://gateway.test:8080/download?fid=6b0254924aa00a49a8b860d1\"");
        String html = part(mail, "text/html");
        assertThat(html).contains("Holiday &lt;2024&gt; &amp; more.mp4").doesNotContain("<2024>");

        Matcher link = Pattern.compile("http://gateway\\.test:8080/links/(\\S+)").matcher(text);
        assertThat(link.find()).as(text).isTrue();
        assertThat(html).contains("href=\"" + link.group() + "\"");
        DownloadLinks gatewaySide = new DownloadLinks(ConfigProvider.getConfig().getValue("notification.download-link.key", String.class),
                List.of());
        assertThat(gatewaySide.verify(link.group(1), Instant.now())).as("the gateway accepts the mailed link")
                .hasValueSatisfying(signed -> {
                    assertThat(signed.jobId()).isEqualTo(jobId);
                    assertThat(signed.mp3Id()).isEqualTo("6b0254924aa00a49a8b860d1");
                    assertThat(signed.expiresAt()).isBetween(Instant.now().plus(Duration.ofHours(23)), Instant.now().plus(Duration.ofHours(24)));
                });
        assertThat(text).contains("works for 24 h");
    }

    @Test
    void aFileNameCannotAddHeaderLinesReorderTextOrStretchTheSubject() throws Exception {
        String email = "hostile-name-" + UUID.randomUUID() + "@example.com";
        NotificationInfra.verified(email);
        // JSON escapes: CR LF and a fake header, a right-to-left override, a zero-width space, then 300 characters.
        String hostile = "invoice\\r\\nBcc: victim@example.org\\r\\n\\r\\nClick http://evil.example \\u202Egnp.exe\\u200B " + "x".repeat(300) + ".mp4";
        NotificationInfra.publish("conversion.event.done", doneEvent(UUID.randomUUID().toString(), email, hostile));
        await().atMost(Duration.ofSeconds(15)).until(() -> mailsTo(email).size() == 1);

        MimeMessage mail = mailsTo(email).get(0);
        assertThat(mail.getHeader("Bcc")).isNull();
        assertThat(mail.getAllRecipients()).hasSize(1);
        String subject = mail.getSubject();
        assertThat(subject).startsWith("Your MP3 is ready: invoice Bcc: victim@example.org Click http://evil.example gnp.exe x")
                .endsWith("\u2026").doesNotContain("\r", "\n", "\u202E", "\u200B");
        String name = subject.substring("Your MP3 is ready: ".length());
        assertThat(name.codePointCount(0, name.length())).as("the name's default bound").isEqualTo(80);
        String text = part(mail, "text/plain");
        assertThat(text).contains("\"" + name + "\"").doesNotContain("\u202E", "\u200B", "x".repeat(100), "\nBcc:", "\nClick");
        assertThat(part(mail, "text/html")).contains(name).doesNotContain("x".repeat(100));
    }

    @Test
    void failedEmailGivesTheReasonAndWhatToDo() throws Exception {
        String email = "failed-" + UUID.randomUUID() + "@example.com";
        NotificationInfra.verified(email); // job emails go only to verified addresses
        NotificationInfra.publish("conversion.event.failed", """
                {"jobId":"%s","type":"FAILED","ownerEmail":"%s","originalFilename":"silent.mp4",
                 "reason":"the file has no audio track"}""".formatted(UUID.randomUUID(), email));
        await().atMost(Duration.ofSeconds(15)).until(() -> mailsTo(email).size() == 1);
        MimeMessage mail = mailsTo(email).get(0);
        assertThat(mail.getSubject()).isEqualTo("We could not convert silent.mp4");
        assertThat(part(mail, "text/plain")).contains("Reason: the file has no audio track").contains("upload");
    }

    @Test
    void redeliveredEventSendsNoSecondEmail() throws Exception {
        String email = "twice-" + UUID.randomUUID() + "@example.com";
        NotificationInfra.verified(email); // job emails go only to verified addresses
        String event = doneEvent(UUID.randomUUID().toString(), email, "clip.mp4");
        for (int i = 0; i < 4; i++) { // delivered concurrently, as a broker redelivers after a lost ack
            NotificationInfra.publish("conversion.event.done", event);
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> mailsTo(email).size() >= 1);
        NotificationInfra.publish("conversion.event.done", event);
        NotificationInfra.publish("conversion.event.done", event);
        Thread.sleep(3000);
        assertThat(mailsTo(email)).hasSize(1);
    }

    @Test
    void anEmailClaimedByAProcessThatDiedIsSentOnceItsLeaseRunsOut() throws Exception {
        String email = "orphan-" + UUID.randomUUID() + "@example.com";
        NotificationInfra.verified(email); // job emails go only to verified addresses
        String jobId = UUID.randomUUID().toString();
        try (var client = com.mongodb.client.MongoClients.create(NotificationInfra.mongo.uri())) {
            client.getDatabase("mp3converter").getCollection("sent_notifications").insertOne(
                    new org.bson.Document("_id", jobId).append("kind", "DONE").append("state", "SENDING")
                            .append("claimedAt", java.util.Date.from(java.time.Instant.now().minus(Duration.ofHours(1)))));
        }
        NotificationInfra.publish("conversion.event.done", doneEvent(jobId, email, "orphan.mp4"));
        await().atMost(Duration.ofSeconds(15)).until(() -> mailsTo(email).size() == 1);
    }

    @Test
    void aJobGetsOneFinalEmailNeverBothDoneAndFailed() throws Exception {
        String email = "final-" + UUID.randomUUID() + "@example.com";
        NotificationInfra.verified(email); // job emails go only to verified addresses
        String jobId = UUID.randomUUID().toString();
        NotificationInfra.publish("conversion.event.done", doneEvent(jobId, email, "clip.mp4"));
        await().atMost(Duration.ofSeconds(15)).until(() -> mailsTo(email).size() == 1);
        NotificationInfra.publish("conversion.event.failed", """
                {"jobId":"%s","type":"FAILED","ownerEmail":"%s","originalFilename":"clip.mp4",
                 "reason":"the conversion kept failing"}""".formatted(jobId, email));
        Thread.sleep(3000);
        assertThat(mailsTo(email)).hasSize(1);
        assertThat(mailsTo(email).get(0).getSubject()).startsWith("Your MP3 is ready");
    }

    @Test
    void emailRecordsExpireAfterTheRetention() {
        try (var client = com.mongodb.client.MongoClients.create(NotificationInfra.mongo.uri())) {
            var indexes = client.getDatabase("mp3converter").getCollection("sent_notifications").listIndexes()
                    .into(new java.util.ArrayList<>());
            assertThat(indexes).filteredOn(index -> index.containsKey("expireAfterSeconds"))
                    .singleElement().satisfies(index -> assertThat(index.get("expireAfterSeconds", Number.class).longValue())
                            .isEqualTo(Duration.ofDays(7).toSeconds()));
        }
    }

    @Test
    void smtpOutageDelaysTheEmailAndDeliversItOnce() throws Exception {
        String email = "outage-" + UUID.randomUUID() + "@example.com";
        NotificationInfra.verified(email); // job emails go only to verified addresses
        NotificationInfra.smtp.stop();
        try {
            NotificationInfra.publish("conversion.event.done", doneEvent(UUID.randomUUID().toString(), email, "late.mp4"));
            Thread.sleep(4000);
        } finally {
            NotificationInfra.startSmtp();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> mailsTo(email).size() == 1);
        Thread.sleep(2000);
        assertThat(mailsTo(email)).hasSize(1);
    }

    @Test
    @Order(Integer.MAX_VALUE) // last: storage comes back empty
    void storageLostWhileTheEmailIsSentDoesNotSendItAgain() throws Exception {
        String email = "storage-" + UUID.randomUUID() + "@example.com";
        NotificationInfra.verified(email); // job emails go only to verified addresses
        UserManager users = NotificationInfra.smtp.getUserManager();
        MessageDeliveryHandler deliver = users.getMessageDeliveryHandler();
        CompletableFuture<Void> back = new CompletableFuture<>();
        users.setMessageDeliveryHandler((message, to) -> {
            if (to.getEmail().equals(email) && !back.isDone()) { // storage goes while the SMTP server takes the mail
                try {
                    NotificationInfra.mongo.stop();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                back.completeAsync(() -> {
                    try {
                        Thread.sleep(8000); // past the first attempt to record the send (5 s to find the server)
                        NotificationInfra.mongo.restart();
                        return null;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
            return deliver.handle(message, to);
        });
        try {
            NotificationInfra.publish("conversion.event.done", doneEvent(UUID.randomUUID().toString(), email, "lost.mp4"));
            back.get(60, TimeUnit.SECONDS);
            Thread.sleep(10_000); // a notification retried whole would claim the job afresh and send it again
            assertThat(mailsTo(email)).hasSize(1);
        } finally {
            users.setMessageDeliveryHandler(deliver);
        }
    }

    @Test
    void anSmtpOutageLongerThanTheDeliveryLimitAllowsWaitsInTheRetryQueuesAndTheEmailStillGoesOut() throws Exception {
        String email = "long-outage-" + UUID.randomUUID() + "@example.com";
        NotificationInfra.verified(email); // job emails go only to verified addresses
        NotificationInfra.deadLettered();
        NotificationInfra.smtp.stop();
        try {
            NotificationInfra.publish("conversion.event.done", doneEvent(UUID.randomUUID().toString(), email, "patient.mp4"));
            Thread.sleep(15_000); // several times the in-process SMTP retries, past the test queue's 3 handbacks
        } finally {
            NotificationInfra.startSmtp();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> mailsTo(email).size() == 1);
        assertThat(NotificationInfra.deadLettered()).as("dead-lettered").isZero();
    }

    @Test
    void unreadableEventsAreDeadLetteredNotRetried() throws Exception {
        NotificationInfra.deadLettered();
        NotificationInfra.publish("conversion.event.done", "this is not json");
        NotificationInfra.publish("conversion.event.done", "{\"jobId\":\"x\",\"type\":\"DONE\"}");
        AtomicInteger deadLettered = new AtomicInteger();
        await().atMost(Duration.ofSeconds(15)).until(() -> deadLettered.addAndGet(NotificationInfra.deadLettered()) >= 2);
    }
}
