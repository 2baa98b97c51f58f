package com.mp3converter.gateway.http;

import com.mp3converter.gateway.config.GatewayConfig;
import com.mp3converter.gateway.service.ApiException;
import io.opentelemetry.context.Context;
import io.quarkus.logging.Log;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Streams a request body to an upload running on its own thread (blocking GridFS writes; Java 17 has no
 * virtual threads), with backpressure, and answers: 202 with what the upload returned, the refusal it
 * threw (after the rest of the body), or a reset when the client went away. At most
 * {@code gateway.upload.at-once} uploads are received at once, so the heap and threads they need are bounded: the
 * others wait their turn with their bodies unread and no thread, and one that waits too long is refused with 503
 * and Retry-After.
 */
@ApplicationScoped
public class StreamingUploads {

    /** What a route does with the body, on the upload's thread; returns the 202's JSON body. */
    @FunctionalInterface
    public interface Upload {
        Object run(InputStream body) throws IOException;
    }

    /**
     * What the bodies of the uploads being received may hold in memory together (each at least 256 KiB, at most
     * 1 MiB): beside it each upload holds ~1.8 MB while it is stored (four chunk buffers, the driver's copy and
     * its encoding).
     */
    private static final long BODIES_IN_MEMORY_BYTES = 8 * 1024 * 1024;

    private final JsonResponder responder;
    private final BodyLimits limits;
    private final Duration idleTimeout;
    private final Turns turns;
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "upload");
        t.setDaemon(true);
        return t;
    });

    StreamingUploads(JsonResponder responder, BodyLimits limits, GatewayConfig config,
                     @ConfigProperty(name = "quarkus.http.idle-timeout") Duration idleTimeout) {
        this.responder = responder;
        this.limits = limits;
        this.idleTimeout = idleTimeout;
        this.turns = new Turns(config.upload().atOnce(), config.upload().turnWait());
    }

    /** @param who names the uploader in the log line of an abandoned upload */
    public void accept(RoutingContext ctx, String who, Upload upload) {
        HttpServerRequest request = ctx.request();
        request.pause(); // until its turn: a waiting upload holds none of its body in memory, and no thread
        io.vertx.core.Context eventLoop = Vertx.currentContext();
        BodyInputStream body = new BodyInputStream(request, eventLoop, idleTimeout,
                () -> BODIES_IN_MEMORY_BYTES / Math.max(1, turns.taken()));
        Context span = Context.current();
        Turns.Waiter waiter = turns.take(eventLoop,
                () -> receive(ctx, who, upload, body, span),
                () -> limits.refuse(ctx, new ApiException(503,
                        "the gateway is receiving as many uploads as it can; nothing was kept, please upload again shortly")));
        request.connection().closeHandler(v -> {
            waiter.withdraw();
            body.fail(new IOException("client disconnected"));
        });
    }

    /** With a turn, on the request's event loop: the upload runs on its own thread, and its turn ends with it. */
    private void receive(RoutingContext ctx, String who, Upload upload, BodyInputStream body, Context span) {
        workers.execute(span.wrap(() -> { // the request's span stays current on the upload's thread
            try {
                responder.respond(ctx, 202, upload.run(body));
            } catch (ApiException e) {
                body.discardRest(() -> responder.error(ctx, e));
            } catch (IOException | UncheckedIOException e) {
                Log.infof("Upload from %s abandoned, nothing kept: %s", who, e.getMessage());
                ctx.response().reset();
            } catch (RuntimeException e) {
                Log.error("Upload failed", e);
                responder.error(ctx, new ApiException(500, "internal error"));
            } finally {
                turns.release();
            }
        }));
        startReceiving(ctx.request());
    }

    private static void startReceiving(HttpServerRequest request) {
        if ("100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
            // Only now, past authentication, the route's checks and the wait for a turn: curl waits a whole second
            // for this before it sends a body over 1 MB, and a request refused earlier never sends its body at all.
            request.response().writeContinue();
        }
        request.resume();
    }
}
