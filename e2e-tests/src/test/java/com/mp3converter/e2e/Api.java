package com.mp3converter.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mp3converter.contracts.EmailVerificationTokens;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What a user's curl does against the gateway (or auth), with the answers parsed. */
final class Api {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final Set<String> ENDED = Set.of("DONE", "FAILED");

    final URI base;
    /** A W3C traceparent sent with every request, so they are all part of the caller's trace; null: none. */
    private final String traceparent;

    Api(URI base) {
        this(base, null);
    }

    private Api(URI base, String traceparent) {
        this.base = base;
        this.traceparent = traceparent;
    }

    Api inTrace(String traceparent) {
        return new Api(base, traceparent);
    }

    HttpResponse<String> register(String email, String password) {
        String body = JSON.createObjectNode().put("email", email).put("password", password).toString();
        return send(request("/users").header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    HttpResponse<String> login(String email, String password) {
        String basic = Base64.getEncoder().encodeToString((email + ":" + password).getBytes(StandardCharsets.UTF_8));
        return send(request("/login").header("Authorization", "Basic " + basic).POST(HttpRequest.BodyPublishers.noBody()));
    }

    /**
     * Registers (or reuses) a user and returns a token for it. A new address is verified as its emailed link would
     * (PipelineTest clicks the real link once), so the suites count one email per job.
     */
    String tokenFor(String email, String password) {
        HttpResponse<String> registered = register(email, password);
        assertThat(registered.statusCode()).as(registered.body()).isIn(201, 409);
        if (registered.statusCode() == 201) {
            verifyEmail(email, Pipeline.DOWNLOAD_LINK_KEY);
        }
        HttpResponse<String> login = login(email, password);
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        return login.body().trim();
    }

    /**
     * Submits the token of the verification link the notifier would email to {@code email}, signed with the services'
     * link key, as the link's page does (a form POST; opening the link alone verifies nothing).
     */
    void verifyEmail(String email, String linkKey) {
        String token = new EmailVerificationTokens(linkKey, List.of()).sign(new EmailVerificationTokens.Verification(
                email.toLowerCase(Locale.ROOT), Instant.now().plus(Duration.ofDays(1))));
        HttpResponse<String> verified = send(request(EmailVerificationTokens.PATH).header("Accept", "application/json")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + URLEncoder.encode(token, StandardCharsets.UTF_8))));
        assertThat(verified.statusCode()).as(verified.body()).isEqualTo(200);
        assertThat(json(verified).path("verified").asBoolean()).as(verified.body()).isTrue();
    }

    /** curl -F 'file=@name' (plus optional form fields such as bitrate). */
    HttpResponse<String> uploadMultipart(String token, String filename, byte[] content, Map<String, String> fields) {
        String boundary = "----e2e" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        fields.forEach((field, value) -> write(body, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field
                + "\"\r\n\r\n" + value + "\r\n"));
        write(body, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        body.writeBytes(content);
        write(body, "\r\n--" + boundary + "--\r\n");
        return send(authorized(request("/upload"), token).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
    }

    /** curl -T file /videos/name (the raw-body upload). */
    HttpResponse<String> uploadRaw(String token, String filename, Path file) {
        return uploadRaw(token, filename, file, Map.of());
    }

    /** curl -T file /videos/{filename}?options */
    HttpResponse<String> uploadRaw(String token, String filename, Path file, Map<String, String> options) {
        try {
            return put(token, videoPath(filename, options), HttpRequest.BodyPublishers.ofFile(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** /videos/{filename}?options, where a raw upload goes. */
    static String videoPath(String filename, Map<String, String> options) {
        StringBuilder query = new StringBuilder();
        options.forEach((name, value) -> query.append(query.isEmpty() ? "?" : "&").append(name).append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
        return "/videos/" + URLEncoder.encode(filename, StandardCharsets.UTF_8).replace("+", "%20") + query;
    }

    /** PUT, the body as the publisher sends it. */
    HttpResponse<String> put(String token, String path, HttpRequest.BodyPublisher body) {
        return send(authorized(request(path), token).PUT(body));
    }

    HttpResponse<String> get(String token, String path) {
        return send(authorized(request(path), token).GET());
    }

    HttpResponse<String> delete(String token, String path) {
        return send(authorized(request(path), token).DELETE());
    }

    HttpResponse<Path> download(String token, String path, Path target) {
        try {
            return HTTP.send(authorized(request(path), token).GET().build(), HttpResponse.BodyHandlers.ofFile(target));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    JsonNode job(String token, String jobId) {
        HttpResponse<String> response = get(token, "/jobs/" + jobId);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response);
    }

    /** Polls the job until it is DONE or FAILED. */
    JsonNode awaitEnd(String token, String jobId, Duration timeout) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(timeout).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> ENDED.contains((last[0] = job(token, jobId)).path("status").asText()));
        return last[0];
    }

    static String jobId(HttpResponse<String> upload) {
        assertThat(upload.statusCode()).as(upload.body()).isEqualTo(202);
        return json(upload).path("jobId").asText();
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    /** Sends bytes exactly as given (headers an HTTP client would refuse to send) and returns the raw answer. */
    String raw(String request) throws IOException {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
        return traceparent == null ? request : request.header("traceparent", traceparent);
    }

    private static HttpRequest.Builder authorized(HttpRequest.Builder request, String token) {
        return token == null ? request : request.header("Authorization", "Bearer " + token);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void write(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    }
}
