package com.mp3converter.gateway.http;

import com.mp3converter.gateway.config.GatewayConfig;
import com.mp3converter.gateway.service.ApiException;
import io.vertx.core.http.HttpConnection;
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
        // An answer that goes out before its request's body ended says the connection closes, so no client reuses a
        // connection that is closed once the rest is drained; said in the headers, as only they can say it.
        boolean[] closing = {false};
        ctx.addHeadersEndHandler(v -> {
            if (!request.isEnded()) {
                closing[0] = true;
                ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
            }
        });
        ctx.addEndHandler(answered -> {
            if (answered.succeeded() && closing[0]) {
                drainThenClose(ctx);
            }
        });
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
     * Answers a refused request at once, and says its connection closes: most HTTP clients read no answer while they
     * are still sending, and closing on a client that is still sending resets the connection, which can destroy the
     * answer before it is read. So once the answer is out, what the client still sends is read and dropped for a
     * bounded time and byte count, then the connection is closed ({@link #drainThenClose}). curl sends
     * "Expect: 100-continue" for large bodies, so a refusal before the body gets to it before it sends anything.
     * Call it on the request's event loop.
     */
    public void refuse(RoutingContext ctx, ApiException e) {
        responder.error(ctx, e); // Connection: close, and the drain, come with the headers if the body has not ended
    }

    /**
     * For every answer sent before its request's body ended (a refusal of ours, a 401 of the security layer...):
     * what the client still sends is read and dropped for at most {@code gateway.http.refusal-drain} and
     * {@code refusal-drain-max-bytes}, and the connection closed once the body ended or at either bound, whatever
     * the client keeps sending. On the request's event loop, so the body cannot end between the check and the
     * handlers (the check is the request's own: it counts as ended once the last byte arrived, even while its end
     * event waits behind a pause).
     */
    private void drainThenClose(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        HttpConnection connection = request.connection();
        ctx.vertx().setTimer(limits.refusalDrain().toMillis(), t -> connection.close());
        long[] dropped = {0};
        request.handler(buffer -> {
            dropped[0] += buffer.length();
            if (dropped[0] > limits.refusalDrainMaxBytes()) {
                request.pause();
                connection.close();
            }
        });
        request.endHandler(end -> connection.close());
        request.exceptionHandler(failure -> connection.close());
        request.resume();
    }
}
