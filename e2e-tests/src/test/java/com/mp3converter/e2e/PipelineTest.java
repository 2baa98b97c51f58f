package com.mp3converter.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.mp3converter.devinfra.TestMedia;
import jakarta.mail.internet.MimeMessage;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import ws.schild.jave.info.MultimediaInfo;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/** What a user does, against the four services running as separate processes. */
@ExtendWith(SharedPipeline.class)
class PipelineTest {

    @Test
    void aNewUserConvertsVideosUploadedBothWaysAndGetsOneEmailAndAPlayableMp3PerJob(Pipeline pipeline) throws Exception {
        Api api = pipeline.api();
        String email = "new.user@e2e.example";
        assertThat(api.register(email, "a long enough password").statusCode()).isEqualTo(201);
        api.verifyEmail(email, Pipeline.DOWNLOAD_LINK_KEY); // as its emailed link would: the next test clicks the real one
        String token = api.tokenFor(email, "a long enough password");

        Path mp4 = Media.mp4(8);
        Path webm = Media.webm(5);
        String formJob = Api.jobId(api.uploadMultipart(token, "holiday clip.mp4", Files.readAllBytes(mp4), Map.of("bitrate", "192")));
        String rawJob = Api.jobId(api.uploadRaw(token, "talk.webm", webm));

        Map<String, Double> expectedSeconds = Map.of(formJob, 8.0, rawJob, 5.0);
        for (var job : expectedSeconds.entrySet()) {
            JsonNode done = api.awaitEnd(token, job.getKey(), Duration.ofSeconds(90));
            assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("DONE");
            String mp3Id = done.path("mp3Id").asText();

            Path mp3 = pipeline.dir.resolve(job.getKey() + ".mp3");
            HttpResponse<Path> download = api.download(token, "/download?fid=" + mp3Id, mp3);
            assertThat(download.statusCode()).isEqualTo(200);
            assertThat(download.headers().firstValue("Content-Type")).hasValue("audio/mpeg");
            MultimediaInfo info = Media.probe(mp3);
            assertThat(info.getFormat()).isEqualTo("mp3");
            assertThat(info.getAudio().getDecoder()).startsWith("mp3");
            assertThat(info.getDuration() / 1000.0).isCloseTo(job.getValue(), within(0.5));
        }
        assertThat(Media.probe(pipeline.dir.resolve(formJob + ".mp3")).getAudio().getBitRate()).as("the bitrate asked for")
                .isEqualTo(192_000);

        List<MimeMessage> mails = awaitMails(pipeline, email, 2);
        assertThat(mails).extracting(MimeMessage::getSubject)
                .containsExactlyInAnyOrder("Your MP3 is ready: holiday clip.mp4", "Your MP3 is ready: talk.webm");
        String text = TestMail.text(mails.get(0)) + TestMail.text(mails.get(1));
        for (String jobId : expectedSeconds.keySet()) {
            assertThat(text).contains("/download?fid=" + api.job(token, jobId).path("mp3Id").asText());
        }
        Thread.sleep(2000); // a duplicate would arrive within this time: redeliveries are immediate
        assertThat(pipeline.smtp.getReceivedMessagesForDomain(email)).as("exactly one email per job").hasSize(2);

        for (MimeMessage mail : mails) {
            Matcher link = Pattern.compile("http://\\S+/links/\\S+").matcher(TestMail.text(mail));
            assertThat(link.find()).as("a one-click link in: " + TestMail.text(mail)).isTrue();
            Path clicked = pipeline.dir.resolve("clicked-" + mails.indexOf(mail) + ".mp3");
            HttpResponse<Path> noToken = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(link.group())).build(),
                    HttpResponse.BodyHandlers.ofFile(clicked));
            assertThat(noToken.statusCode()).as("the link from the email, without a token").isEqualTo(200);
            assertThat(Media.probe(clicked).getFormat()).isEqualTo("mp3");
        }
    }

    @Test
    void everySupportedFormatUploadedThroughTheGatewayBecomesAnMp3OfItsLength(Pipeline pipeline) throws Exception {
        Api api = pipeline.api();
        String token = api.tokenFor("formats.user@e2e.example", "a long enough password");
        double seconds = 4;
        Map<String, Path> sources = new LinkedHashMap<>(); // job id -> uploaded file
        for (TestMedia.Sample sample : TestMedia.everyFormat(seconds)) {
            sources.put(Api.jobId(api.uploadRaw(token, sample.file().getFileName().toString(), sample.file())), sample.file());
        }

        SoftAssertions softly = new SoftAssertions();
        for (var job : sources.entrySet()) {
            String name = job.getValue().getFileName().toString();
            JsonNode end = api.awaitEnd(token, job.getKey(), Duration.ofSeconds(90));
            softly.assertThat(end.path("status").asText()).as(name + ": " + end).isEqualTo("DONE");
            if (end.path("status").asText().equals("DONE")) {
                Path mp3 = pipeline.dir.resolve(job.getKey() + ".mp3");
                api.download(token, "/download?fid=" + end.path("mp3Id").asText(), mp3);
                MultimediaInfo info = Media.probe(mp3);
                softly.assertThat(info.getFormat()).as(name).isEqualTo("mp3");
                softly.assertThat(info.getDuration() / 1000.0).as(name).isCloseTo(seconds, within(0.5));
            }
        }
        softly.assertAll();
    }

    @Test
    void aVideoThatCannotBeDecodedEndsFailedAndTheUserIsToldWhy(Pipeline pipeline) throws Exception {
        Api api = pipeline.api();
        String email = "unlucky.user@e2e.example";
        String token = api.tokenFor(email, "another long password");
        // Passes the gateway's sniffing (an MP4 header) but has no index: ffmpeg cannot read it.
        byte[] whole = Files.readAllBytes(Media.mp4(8));
        Path broken = TestMedia.file("e2e-cut.mp4", Arrays.copyOf(whole, whole.length / 2));

        String jobId = Api.jobId(api.uploadRaw(token, "broken.mp4", broken));
        JsonNode failed = api.awaitEnd(token, jobId, Duration.ofSeconds(60));
        assertThat(failed.path("status").asText()).isEqualTo("FAILED");
        assertThat(failed.path("reason").asText()).isNotBlank();

        List<MimeMessage> mails = awaitMails(pipeline, email, 1);
        assertThat(mails.get(0).getSubject()).isEqualTo("We could not convert broken.mp4");
        assertThat(TestMail.text(mails.get(0))).contains(failed.path("reason").asText());
        assertThat(api.get(token, "/jobs/" + jobId + "/mp3").statusCode()).as("no MP3 to download").isEqualTo(409);
        assertThat(pipeline.mongo().getCollection("mp3s.files").countDocuments(new org.bson.Document("metadata.jobId", jobId)))
                .isZero();
    }

    @Test
    void theSameVideoUploadedAgainIsDoneAtOnceWithoutFfmpegAndMailedLikeAnyOther(Pipeline pipeline) throws Exception {
        Api api = pipeline.api();
        String email = "repeat.user@e2e.example";
        String token = api.tokenFor(email, "a long enough password");
        Path video = Media.distinct(Media.mp4(8), 1001);
        String first = Api.jobId(api.uploadRaw(token, "lecture.mp4", video));
        assertThat(api.awaitEnd(token, first, Duration.ofSeconds(90)).path("status").asText()).isEqualTo("DONE");

        HttpResponse<String> again = api.uploadRaw(token, "lecture again.mp4", video);
        JsonNode repeat = Api.json(again);
        assertThat(again.statusCode()).isEqualTo(202);
        assertThat(repeat.path("status").asText()).as("DONE in the upload's answer").isEqualTo("DONE");
        String second = repeat.path("jobId").asText();
        assertThat(pipeline.service(Pipeline.CONVERTER).logSinceStart()).as("no conversion of the repeat")
                .contains("Job " + first + ": converting").doesNotContain("Job " + second + ": converting");

        List<MimeMessage> mails = awaitMails(pipeline, email, 2);
        assertThat(mails).extracting(MimeMessage::getSubject).contains("Your MP3 is ready: lecture again.mp4");
        Path mp3 = pipeline.dir.resolve(second + ".mp3");
        assertThat(api.download(token, "/jobs/" + second + "/mp3", mp3).statusCode()).isEqualTo(200);
        assertThat(Media.probe(mp3).getDuration() / 1000.0).isCloseTo(8.0, within(0.5));

        assertThat(api.delete(token, "/jobs/" + first).statusCode()).isEqualTo(204);
        assertThat(api.download(token, "/jobs/" + second + "/mp3", pipeline.dir.resolve(second + "-after.mp3")).statusCode())
                .as("the repeat keeps its MP3 when the first job is deleted").isEqualTo(200);
    }

    @Test
    void anotherUsersJobStartsWithinOneConversionOfAWorkerFreeingUpNotAfterABacklogOfTwenty(Pipeline pipeline) throws Exception {
        Api api = pipeline.api();
        String busy = api.tokenFor("backlog.user@e2e.example", "a long enough password");
        List<Path> parts = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            parts.add(Media.distinct(Media.mp4(60), 2000 + i));
        }
        Path mineFile = Media.distinct(Media.mp4(60), 3000);
        // All 20 at once, as a script would send them, then the other user's one.
        List<String> backlog = parts.parallelStream().map(part -> Api.jobId(api.uploadRaw(busy, part.getFileName().toString(), part)))
                .toList();
        String other = api.tokenFor("other.user@e2e.example", "a long enough password");
        String single = Api.jobId(api.uploadRaw(other, "mine.mp4", mineFile));

        JsonNode mine = api.awaitEnd(other, single, Duration.ofSeconds(120));
        List<JsonNode> theirs = new java.util.ArrayList<>();
        for (String jobId : backlog) {
            theirs.add(api.awaitEnd(busy, jobId, Duration.ofSeconds(300)));
        }
        double longestConversion = theirs.stream().mapToDouble(job -> seconds(job.path("startedAt"), job.path("finishedAt"))).max().orElseThrow();
        double waited = seconds(mine.path("createdAt"), mine.path("startedAt"));
        long startedAfterIt = theirs.stream().filter(job -> seconds(mine.path("startedAt"), job.path("startedAt")) > 0).count();
        System.out.printf("Fair share: the other user's job waited %.2f s (longest conversion %.2f s); %d of the backlog's 20 started after it%n",
                waited, longestConversion, startedAfterIt);
        assertThat(waited).as("waited for one worker to free up (longest conversion %.1f s)", longestConversion)
                .isLessThanOrEqualTo(longestConversion + 1.0);
        assertThat(startedAfterIt).as("of the backlog's 20 jobs, started after it").isGreaterThanOrEqualTo(10);
    }

    private static double seconds(JsonNode from, JsonNode to) {
        return Duration.between(java.time.Instant.parse(from.asText()), java.time.Instant.parse(to.asText())).toMillis() / 1000.0;
    }

    @Test
    void aJobWithACallbackUrlIsPostedToItsReceiverSignedWithTheOwnersSecret(Pipeline pipeline) throws Exception {
        Api api = pipeline.api();
        String token = api.tokenFor("hooked.user@e2e.example", "a long enough password");
        String callback = "http://" + pipeline.webhooks.hostAndPort() + "/mp3-ready";
        String jobId = Api.jobId(api.uploadRaw(token, "podcast.mp4", Media.distinct(Media.mp4(5), 4000), Map.of("callbackUrl", callback)));
        String mp3Id = api.awaitEnd(token, jobId, Duration.ofSeconds(90)).path("mp3Id").asText();

        await().atMost(Duration.ofSeconds(20)).until(() -> pipeline.webhooks.received().stream().anyMatch(r -> (jobId + ".done").equals(r.eventId())));
        WebhookReceiver.Received hook = pipeline.webhooks.received().stream().filter(r -> (jobId + ".done").equals(r.eventId())).findFirst().orElseThrow();
        String secret = Api.json(api.get(token, "/users/me/webhook-secret")).path("secret").asText();
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = java.util.HexFormat.of().formatHex(mac.doFinal((hook.timestamp() + "." + hook.body())
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(hook.path()).isEqualTo("/mp3-ready");
        assertThat(hook.signature()).as("the receiver's own check of the signature").isEqualTo("v1=" + expected);
        JsonNode event = Api.json(api.get(token, "/jobs/" + jobId)); // the job still names its callback
        assertThat(event.path("callbackUrl").asText()).isEqualTo(callback);
        assertThat(hook.body()).contains("\"type\":\"job.done\"").contains(mp3Id);
    }

    @Test
    void jobEmailsReachAnAddressOnlyOnceItsEmailedLinkWasOpened(Pipeline pipeline) throws Exception {
        Api api = pipeline.api();
        String email = "unverified.user@e2e.example";
        assertThat(api.register(email, "a long enough password").statusCode()).isEqualTo(201);
        HttpResponse<String> login = api.login(email, "a long enough password");
        String token = login.body().trim();

        String jobId = Api.jobId(api.uploadRaw(token, "first clip.mp4", Media.distinct(Media.mp4(3), 7001)));
        assertThat(api.awaitEnd(token, jobId, Duration.ofSeconds(90)).path("status").asText())
                .as("an unverified account still converts").isEqualTo("DONE");
        MimeMessage verification = awaitMails(pipeline, email, 1).get(0);
        String text = TestMail.text(verification);
        assertThat(text).as("the verification email carries no user text but the address").doesNotContain("first clip");
        assertThat(verification.getSubject()).doesNotContain("first clip");

        Matcher link = Pattern.compile("http://\\S+/verify-email\\?token=\\S+").matcher(text);
        assertThat(link.find()).as("a verification link in: " + text).isTrue();
        HttpClient browser = HttpClient.newHttpClient();
        HttpResponse<String> opened = browser.send(HttpRequest.newBuilder(URI.create(link.group())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(opened.statusCode()).as(opened.body()).isEqualTo(200);
        Matcher form = Pattern.compile("<form method=\"post\" action=\"([^\"]+)\">\\s*<input type=\"hidden\" name=\"token\" value=\"([^\"]+)\">")
                .matcher(opened.body());
        assertThat(form.find()).as("the link's page asks to confirm, with a form: " + opened.body()).isTrue();
        Thread.sleep(2000); // the held email would follow a verification within this time
        assertThat(pipeline.smtp.getReceivedMessagesForDomain(email)).as("opening the link (as a mail scanner does) verifies nothing")
                .hasSize(1);

        HttpResponse<String> confirmed = browser.send(HttpRequest.newBuilder(URI.create(link.group()).resolve(form.group(1)))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("token=" + URLEncoder.encode(form.group(2), StandardCharsets.UTF_8)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(confirmed.statusCode()).as(confirmed.body()).isEqualTo(200);
        assertThat(confirmed.body()).contains("Email address confirmed");

        List<MimeMessage> mails = awaitMails(pipeline, email, 2);
        assertThat(mails.get(1).getSubject()).as("the held job's email follows the confirmation").isEqualTo("Your MP3 is ready: first clip.mp4");
    }

    static List<MimeMessage> awaitMails(Pipeline pipeline, String email, int count) {
        await().atMost(Duration.ofSeconds(30)).until(() -> pipeline.smtp.getReceivedMessagesForDomain(email).length >= count);
        return List.of(pipeline.smtp.getReceivedMessagesForDomain(email));
    }
}
