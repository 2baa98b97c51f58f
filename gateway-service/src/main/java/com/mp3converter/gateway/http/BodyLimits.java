package com.mp3converter.gateway.http;

import com.mp3converter.gateway.config.GatewayConfig;
import com.mp3converter.gateway.service.ApiException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The body limits and how a refused request is answered. Quarkus' own body limit answers a bare 413, so
 * it is set far above everything (application.properties) and the limits live here, with a JSON error:
 * the upload routes enforce the upload limit while streaming, every other endpoint takes small bodies
 * of a declared length only.
 */
@ApplicationScoped
public class BodyLimits {

    /** Multipart framing adds a few hundred bytes; allowed for, so a file of exactly the limit passes. */
    private static final long MULTIPART_FRAMING_BYTES = 64 * 1024;

    private final JsonResponder responder;
    private final GatewayConfig.Http limits;

    BodyLimits(JsonResponder responder, GatewayConfig config) {
        this.responder = responder;
        this.limits = config.http();
    }

    void register(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::limitApiBodies);
    }

    private void limitApiBodies(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        HttpServerRequest request = ctx.request();
        if (path.equals("/upload") || path.startsWith("/videos/")) {
            ctx.next();
        } else if (request.headers().contains(HttpHeaders.TRANSFER_ENCODING, "chunked", true)) {
            refuse(ctx, new ApiException(411, "send a Content-Length with the request body"));
        } else if (request.getHeader(HttpHeaders.CONTENT_LENGTH) != null
                && Long.parseLong(request.getHeader(HttpHeaders.CONTENT_LENGTH)) > limits.apiBodyMaxBytes()) {
            refuse(ctx, new ApiException(413, "the request body is larger than " + limits.apiBodyMaxBytes() + " bytes"));
        } else {
            ctx.next();
        }
    }

    /** 413 before anything is read when the declared length is over {@code maxBytes}. */
    public void checkDeclaredUploadSize(HttpServerRequest request, long maxBytes) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && Long.parseLong(length) > maxBytes + MULTIPART_FRAMING_BYTES) {
            throw new ApiException(413, "the file is larger than the limit of " + maxBytes + " bytes");
        }
    }

    /**
     * Refuses before any byte is stored. A body declared too big, or one the gateway has no room for now (413,
     * 503), is answered at once (curl sends "Expect: 100-continue" for large bodies, so it gets the answer
     * before sending) and what the client still sends is dropped for a short while before the connection is
     * closed: closing on a client that is still sending resets the connection, and the reset can destroy the
     * answer before the client reads it. Otherwise the body is read and dropped, and the answer follows.
     * Call it on the request's event loop.
     */
    public void refuse(RoutingContext ctx, ApiException e) {
        if (e.status() == 413 || e.status() == 503) {
            HttpServerRequest request = ctx.request();
            request.handler(ignored -> { });
            long closeAnyway = ctx.vertx().setTimer(limits.oversizeDrain().toMillis(), t -> request.connection().close());
            request.endHandler(end -> ctx.vertx().cancelTimer(closeAnyway));
            request.resume();
            responder.error(ctx, e);
        } else {
            BodyInputStream.dropRestThen(ctx.request(), () -> responder.error(ctx, e));
        }
    }
}
