package com.mp3converter.gateway.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mp3converter.gateway.repository.Job;
import com.mp3converter.gateway.service.ApiException;
import com.mp3converter.gateway.service.ConversionOptions;
import com.mp3converter.gateway.service.UploadService;
import com.mp3converter.gateway.service.Uploader;
import io.quarkus.logging.Log;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The two upload forms, as Vert.x routes so the body streams straight into GridFS instead of being
 * buffered or spooled to disk first:
 * <ul>
 *   <li>{@code POST /upload}, multipart/form-data with one part named {@code file} (the course's curl);</li>
 *   <li>{@code PUT|POST /videos/{filename}}, the raw body ({@code curl -T} or {@code --data-binary}).</li>
 * </ul>
 * Options come as query parameters or form fields. Authentication and the "user" group are enforced
 * by the HTTP security policy in application.properties, before these handlers run.
 */
@ApplicationScoped
public class UploadRoutes {

    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** JSON requests (registration, login) are tiny; nothing else but an upload needs a body. */
    private static final long API_BODY_MAX_BYTES = 64 * 1024;
    /** A form field is a conversion option: a few bytes. */
    private static final int MAX_FIELD_BYTES = 8 * 1024;
    /** How long an oversized body is read and dropped, after the 413, before the connection is closed. */
    private static final Duration OVERSIZE_DRAIN = Duration.ofSeconds(3);

    private final UploadService uploads;
    private final ObjectMapper json;
    private final ExecutorService workers;

    UploadRoutes(UploadService uploads, ObjectMapper json) {
        this.uploads = uploads;
        this.json = json;
        // Each upload holds a thread while it streams (blocking GridFS writes); Java 17 has no virtual threads.
        this.workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "upload");
            t.setDaemon(true);
            return t;
        });
    }

    void register(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::limitApiBodies);
        router.post("/upload").handler(this::multipart);
        router.put("/videos/:filename").handler(this::raw);
        router.post("/videos/:filename").handler(this::raw);
    }

    /**
     * Quarkus' own body limit answers a bare 413, so it is set far above everything (application.properties)
     * and the limits live here, with a JSON error: the upload routes enforce the upload limit while streaming,
     * every other endpoint takes small bodies of a declared length only.
     */
    private void limitApiBodies(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        HttpServerRequest request = ctx.request();
        if (path.equals("/upload") || path.startsWith("/videos/")) {
            ctx.next();
        } else if (request.headers().contains(HttpHeaders.TRANSFER_ENCODING, "chunked", true)) {
            refuseBeforeReading(ctx, new ApiException(411, "send a Content-Length with the request body"));
        } else if (request.getHeader(HttpHeaders.CONTENT_LENGTH) != null
                && Long.parseLong(request.getHeader(HttpHeaders.CONTENT_LENGTH)) > API_BODY_MAX_BYTES) {
            refuseBeforeReading(ctx, new ApiException(413, "the request body is larger than " + API_BODY_MAX_BYTES + " bytes"));
        } else {
            ctx.next();
        }
    }

    private void raw(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        Uploader uploader = uploader(ctx);
        ConversionOptions options;
        try {
            rejectDeclaredOversize(request);
            options = ConversionOptions.parse(request::getParam);
        } catch (ApiException e) {
            refuseBeforeReading(ctx, e);
            return;
        }
        String filename = ctx.pathParam("filename");
        BodyInputStream body = new BodyInputStream(request, Vertx.currentContext(), IDLE_TIMEOUT);
        request.connection().closeHandler(v -> body.fail(new IOException("client disconnected")));
        request.resume();
        process(ctx, body, uploader, () -> uploads.upload(body, filename, uploader, () -> options));
    }

    private void multipart(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        Uploader uploader = uploader(ctx);
        String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
        try {
            rejectDeclaredOversize(request);
            if (contentType == null || !contentType.toLowerCase().startsWith("multipart/form-data")) {
                throw new ApiException(400, "send the video as multipart/form-data with a part named 'file'"
                        + " (curl -F 'file=@video.mp4'), or PUT the raw body to /videos/{filename}");
            }
            ConversionOptions.parse(request::getParam); // query options: refuse before anything is stored
        } catch (ApiException e) {
            refuseBeforeReading(ctx, e);
            return;
        }
        BodyInputStream body = new BodyInputStream(request, Vertx.currentContext(), IDLE_TIMEOUT);
        request.connection().closeHandler(v -> body.fail(new IOException("client disconnected")));
        request.resume();
        process(ctx, body, uploader, () -> uploadForm(new MultipartReader(body, contentType), uploader, request));
    }

    /**
     * Stores the one part named "file"; the other parts are form fields, taken as conversion options
     * (query parameters win), and may come before or after the file.
     */
    private Job uploadForm(MultipartReader form, Uploader uploader, HttpServerRequest request) throws IOException {
        Map<String, String> fields = new HashMap<>();
        MultipartReader.Part part;
        while ((part = form.next()) != null) {
            if (part.filename() == null) {
                fields.putIfAbsent(part.name(), form.fieldValue(MAX_FIELD_BYTES));
            } else if (!"file".equals(part.name())) {
                throw new ApiException(400, "send exactly one file, in a part named 'file'");
            } else {
                return uploads.upload(form.content(), part.filename(), uploader, () -> {
                    readRemainingFields(form, fields);
                    return ConversionOptions.parse(name -> request.getParam(name) != null ? request.getParam(name) : fields.get(name));
                });
            }
        }
        throw new ApiException(400, "no file: send one part named 'file' (curl -F 'file=@video.mp4')");
    }

    private static void readRemainingFields(MultipartReader form, Map<String, String> fields) {
        try {
            MultipartReader.Part part;
            while ((part = form.next()) != null) {
                if (part.filename() != null) {
                    throw new ApiException(400, "send exactly one file, in a part named 'file'");
                }
                fields.putIfAbsent(part.name(), form.fieldValue(MAX_FIELD_BYTES));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What an upload route does on a worker thread once the body streams in. */
    @FunctionalInterface
    private interface Upload {
        Job run() throws IOException;
    }

    private void process(RoutingContext ctx, BodyInputStream body, Uploader uploader, Upload upload) {
        workers.execute(() -> {
            try {
                Job job = upload.run();
                respond(ctx, 202, JobView.of(job));
            } catch (ApiException e) {
                body.discardRest(() -> respondError(ctx, e));
            } catch (IOException | UncheckedIOException e) {
                Log.infof("Upload from %s abandoned, nothing kept: %s", uploader.userId(), e.getMessage());
                ctx.response().reset();
            } catch (RuntimeException e) {
                Log.error("Upload failed", e);
                respondError(ctx, new ApiException(500, "internal error"));
            }
        });
    }

    private void rejectDeclaredOversize(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        // Multipart framing adds a few hundred bytes; allow for it so a file of exactly the limit passes.
        if (length != null && Long.parseLong(length) > uploads.maxBytes() + 64 * 1024) {
            throw new ApiException(413, "the file is larger than the limit of " + uploads.maxBytes() + " bytes");
        }
    }

    private static Uploader uploader(RoutingContext ctx) {
        SecurityIdentity identity = ((QuarkusHttpUser) ctx.user()).getSecurityIdentity();
        JsonWebToken token = (JsonWebToken) identity.getPrincipal();
        return new Uploader(token.getSubject(), token.getName());
    }

    /**
     * Refuses before any byte is stored. A body declared too big is answered at once (curl sends "Expect:
     * 100-continue" for large bodies, so it gets the 413 before sending) and what the client still sends is
     * dropped for a short while before the connection is closed: closing on a client that is still sending
     * resets the connection, and the reset can destroy the answer before the client reads it. Otherwise the
     * body is read and dropped, and the answer follows.
     */
    private void refuseBeforeReading(RoutingContext ctx, ApiException e) {
        if (e.status() == 413) {
            HttpServerRequest request = ctx.request();
            request.handler(ignored -> { });
            long closeAnyway = ctx.vertx().setTimer(OVERSIZE_DRAIN.toMillis(), t -> request.connection().close());
            request.endHandler(end -> ctx.vertx().cancelTimer(closeAnyway));
            request.resume();
            respondError(ctx, e);
        } else {
            BodyInputStream.dropRestThen(ctx.request(), () -> respondError(ctx, e));
        }
    }

    private Future<Void> respondError(RoutingContext ctx, ApiException e) {
        if (e.status() == 503) {
            ctx.response().putHeader("Retry-After", String.valueOf(ErrorMapper.RETRY_AFTER_SECONDS));
        }
        return respond(ctx, e.status(), new ErrorMapper.ErrorBody(e.status(), e.getMessage()));
    }

    private Future<Void> respond(RoutingContext ctx, int status, Object body) {
        if (ctx.response().ended() || ctx.response().headWritten()) {
            return Future.succeededFuture();
        }
        try {
            return ctx.response().setStatusCode(status)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(json.writeValueAsString(body));
        } catch (IOException e) {
            return ctx.response().setStatusCode(500).end();
        }
    }
}
