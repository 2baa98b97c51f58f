package com.mp3converter.gateway.rest;

import com.mp3converter.gateway.config.GatewayConfig;
import com.mp3converter.gateway.http.BodyLimits;
import com.mp3converter.gateway.http.MultipartReader;
import com.mp3converter.gateway.http.StreamingUploads;
import com.mp3converter.gateway.service.ApiException;
import com.mp3converter.gateway.service.JobOptions;
import com.mp3converter.gateway.service.UploadService;
import com.mp3converter.gateway.service.Uploader;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

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

    /** Repeating an upload with the same key within a day gives back the first one's job. */
    private static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private final UploadService uploads;
    private final BodyLimits limits;
    private final StreamingUploads streaming;
    private final MultipartReader.Limits formLimits;

    UploadRoutes(UploadService uploads, BodyLimits limits, StreamingUploads streaming, GatewayConfig config) {
        this.uploads = uploads;
        this.limits = limits;
        this.streaming = streaming;
        GatewayConfig.Http http = config.http();
        this.formLimits = new MultipartReader.Limits(http.formFieldsMax(), http.formFieldMaxBytes(), http.formFieldsMaxBytes());
    }

    void register(@Observes Router router) {
        router.post("/upload").handler(this::multipart);
        router.put("/videos/:filename").handler(this::raw);
        router.post("/videos/:filename").handler(this::raw);
    }

    private void raw(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        Uploader uploader = uploader(ctx);
        JobOptions options;
        try {
            limits.checkDeclaredUploadSize(request, uploads.maxBytes());
            options = JobOptions.parse(request::getParam);
        } catch (ApiException e) {
            limits.refuse(ctx, e);
            return;
        }
        String filename = ctx.pathParam("filename");
        String key = request.getHeader(IDEMPOTENCY_KEY);
        streaming.accept(ctx, uploader.userId(), body -> JobView.of(uploads.upload(body, filename, uploader, key, options, () -> options)));
    }

    private void multipart(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        Uploader uploader = uploader(ctx);
        String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
        try {
            limits.checkDeclaredUploadSize(request, uploads.maxBytes());
            if (contentType == null || !contentType.toLowerCase().startsWith("multipart/form-data")) {
                throw new ApiException(400, "send the video as multipart/form-data with a part named 'file'"
                        + " (curl -F 'file=@video.mp4'), or PUT the raw body to /videos/{filename}");
            }
            JobOptions.parse(request::getParam); // query options: refuse before anything is stored
        } catch (ApiException e) {
            limits.refuse(ctx, e);
            return;
        }
        streaming.accept(ctx, uploader.userId(), body -> uploadForm(new MultipartReader(body, contentType, formLimits), uploader, request));
    }

    /**
     * Stores the one part named "file"; the other parts are form fields, taken as conversion options
     * (query parameters win), and may come before or after the file (the conversion starts with those
     * known when the file begins, and is redone if the rest change them). Every field counts against the
     * form limits, whatever its name (the reader refuses past them with 413); a refusal after the file began
     * aborts its upload, so nothing of the request is kept.
     */
    private JobView uploadForm(MultipartReader form, Uploader uploader, HttpServerRequest request) throws IOException {
        Map<String, String> fields = new HashMap<>();
        MultipartReader.Part part;
        while ((part = form.next()) != null) {
            if (part.filename() == null) {
                fields.putIfAbsent(part.name(), form.fieldValue());
            } else if (!"file".equals(part.name())) {
                throw new ApiException(400, "send exactly one file, in a part named 'file'");
            } else {
                Function<String, String> options = name -> request.getParam(name) != null ? request.getParam(name) : fields.get(name);
                return JobView.of(uploads.upload(form.content(), part.filename(), uploader, request.getHeader(IDEMPOTENCY_KEY),
                        JobOptions.parse(options), () -> {
                            readRemainingFields(form, fields);
                            return JobOptions.parse(options);
                        }));
            }
        }
        throw new ApiException(400, "no file: send one part named 'file' (curl -F 'file=@video.mp4')");
    }

    private void readRemainingFields(MultipartReader form, Map<String, String> fields) {
        try {
            MultipartReader.Part part;
            while ((part = form.next()) != null) {
                if (part.filename() != null) {
                    throw new ApiException(400, "send exactly one file, in a part named 'file'");
                }
                fields.putIfAbsent(part.name(), form.fieldValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Uploader uploader(RoutingContext ctx) {
        SecurityIdentity identity = ((QuarkusHttpUser) ctx.user()).getSecurityIdentity();
        JsonWebToken token = (JsonWebToken) identity.getPrincipal();
        return new Uploader(token.getSubject(), token.getName());
    }
}
