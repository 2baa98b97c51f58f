package com.mp3converter.e2e;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Another user, going about their business while an attack runs: signs in, uploads a short clip, lists their
 * jobs and downloads an MP3 they converted before. Each call must answer within {@link #SERVED_WITHIN}: an attack
 * may cost its own requests, never everyone else's.
 */
final class Bystander {

    /** Generous for a busy 2-core machine: a call held by an attack waits for a timeout of 8 s or more. */
    static final Duration SERVED_WITHIN = Duration.ofSeconds(5);

    private final Api api;
    private final Path dir;
    private final String email;
    private final String password = "a bystander's long password";
    private final String mp3Path;
    private String token;
    private int uploads;

    Bystander(Pipeline pipeline, String email) throws Exception {
        this.api = pipeline.api();
        this.dir = pipeline.dir;
        this.email = email;
        this.token = api.tokenFor(email, password);
        String jobId = Api.jobId(api.uploadRaw(token, "bystander.mp4", Media.mp4(3)));
        JsonNode done = api.awaitEnd(token, jobId, Duration.ofSeconds(90));
        assertThat(done.path("status").asText()).isEqualTo("DONE");
        this.mp3Path = "/jobs/" + jobId + "/mp3";
    }

    /** Signs in, uploads, lists and downloads, each within {@link #SERVED_WITHIN}; returns the slowest call. */
    Duration isServed(String during) throws Exception {
        Duration slowest = Duration.ZERO;
        long start = System.nanoTime();
        HttpResponse<String> login = api.login(email, password);
        slowest = check(during, "sign-in", login.statusCode(), 200, start, slowest);
        token = login.body().trim(); // the course's curl gets the bare token

        start = System.nanoTime();
        HttpResponse<String> upload = api.uploadRaw(token, "bystander-during.mp4", Media.distinct(Media.mp4(3), 900_000 + uploads++));
        slowest = check(during, "upload", upload.statusCode(), 202, start, slowest);

        start = System.nanoTime();
        slowest = check(during, "job list", api.get(token, "/jobs").statusCode(), 200, start, slowest);

        start = System.nanoTime();
        Path target = Files.createTempFile(dir, "bystander", ".mp3");
        HttpResponse<Path> download = api.download(token, mp3Path, target);
        slowest = check(during, "download", download.statusCode(), 200, start, slowest);
        assertThat(Files.size(target)).as("the bystander's MP3 during " + during).isGreaterThan(1000);
        Files.delete(target);
        return slowest;
    }

    private static Duration check(String during, String call, int status, int expected, long start, Duration slowest) {
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(status).as("a bystander's %s during %s", call, during).isEqualTo(expected);
        assertThat(took).as("a bystander's %s during %s", call, during).isLessThan(SERVED_WITHIN);
        return took.compareTo(slowest) > 0 ? took : slowest;
    }
}
