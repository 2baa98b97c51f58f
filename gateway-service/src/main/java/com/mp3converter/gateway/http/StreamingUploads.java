package com.mp3converter.gateway.http;

import com.mp3converter.gateway.config.GatewayConfig;
import com.mp3converter.gateway.service.ApiException;
import com.mp3converter.gateway.service.QuotaExceeded;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Streams a request body to an upload running on its own thread (blocking GridFS writes; Java 17 has no
 * virtual threads), with backpressure, and answers: 202 with what the upload returned, the refusal it
 * threw (BodyLimits.refuse: at once, then the connection closes), 408 when the body arrives slower than
 * {@code gateway.upload.min-bytes-per-second}, or a reset when the client went away. At most
 * {@code gateway.upload.at-once} uploads are received at once, so the heap and threads they need are bounded: the
 * others wait their turn with their bodies unread and no thread, and one that waits too long is refused with 503
 * and Retry-After. One user has at most {@code gateway.upload.per-user-at-once} of them (received or waiting),
 * so one account cannot take every turn: one more is refused with 429 before its body is read.
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

    /** What a user over the per-user bound is told to wait: uploads take seconds to minutes. */
    private static final long PER_USER_RETRY_AFTER_SECONDS = 5;

    private final JsonResponder responder;
    private final BodyLimits limits;
    private final Duration idleTimeout;
    private final Turns turns;
    private final GatewayConfig.Upload config;
    /** Uploads received or waiting for a turn, per user; a user with none has no entry. */
    private final ConcurrentHashMap<String, Integer> perUser = new ConcurrentHashMap<>();
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
        this.config = config.upload();
    }

    /** @param userId the uploader: counted against the per-user bound, and named in the log of an abandoned upload */
    public void accept(RoutingContext ctx, String userId, Upload upload) {
        HttpServerRequest request = ctx.request();
        request.pause(); // until its turn: a waiting upload holds none of its body in memory, and no thread
        Runnable leave = enter(userId);
        if (leave == null) {
            limits.refuse(ctx, new QuotaExceeded(429, "you are sending " + config.perUserAtOnce()
                    + " uploads at once, the limit; nothing was kept, send this one when one of them is done",
                    new QuotaExceeded.Limit("uploadsAtOnce", config.perUserAtOnce(), config.perUserAtOnce()),
                    PER_USER_RETRY_AFTER_SECONDS));
            return;
        }
        io.vertx.core.Context eventLoop = Vertx.currentContext();
        BodyInputStream body = new BodyInputStream(request, eventLoop, idleTimeout,
                () -> BODIES_IN_MEMORY_BYTES / Math.max(1, turns.taken()));
        Context span = Context.current();
        Turns.Waiter waiter = turns.take(eventLoop,
                () -> receive(ctx, userId, upload, body, span, leave),
                () -> {
                    leave.run();
                    limits.refuse(ctx, new ApiException(503,
                            "the gateway is receiving as many uploads as it can; nothing was kept, please upload again shortly"));
                });
        request.connection().closeHandler(v -> {
            if (waiter.withdraw()) {
                leave.run();
            }
            body.fail(new IOException("client disconnected"));
        });
    }

    /** Counts an upload of {@code userId}; null when the user already has as many as allowed. Returns its leaving, idempotent. */
    private Runnable enter(String userId) {
        boolean[] admitted = {false};
        perUser.compute(userId, (user, count) -> {
            int now = count == null ? 0 : count;
            admitted[0] = now < config.perUserAtOnce();
            return admitted[0] ? now + 1 : count;
        });
        if (!admitted[0]) {
            return null;
        }
        AtomicBoolean left = new AtomicBoolean();
        return () -> {
            if (left.compareAndSet(false, true)) {
                perUser.computeIfPresent(userId, (user, count) -> count <= 1 ? null : count - 1);
            }
        };
    }

    /** With a turn, on the request's event loop: the upload runs on its own thread, and its turn ends with it. */
    private void receive(RoutingContext ctx, String who, Upload upload, BodyInputStream body, Context span, Runnable leave) {
        workers.execute(span.wrap(() -> { // the request's span stays current on the upload's thread
            try {
                responder.respond(ctx, 202, upload.run(body));
            } catch (ApiException e) {
                body.discardRest(() -> limits.refuse(ctx, e));
            } catch (IOException | UncheckedIOException e) {
                Throwable cause = e instanceof UncheckedIOException unchecked ? unchecked.getCause() : e;
                if (cause instanceof BodyInputStream.TooSlow slow) {
                    Log.infof("Upload from %s too slow, nothing kept: %s", who, slow.getMessage());
                    body.discardRest(() -> limits.refuse(ctx, slow.refusal));
                } else {
                    Log.infof("Upload from %s abandoned, nothing kept: %s", who, e.getMessage());
                    ctx.response().reset();
                }
            } catch (RuntimeException e) {
                Log.error("Upload failed", e);
                body.discardRest(() -> limits.refuse(ctx, new ApiException(500, "internal error")));
            } finally {
                body.finished();
                turns.release();
                leave.run();
            }
        }));
        body.watchRate(config.minBytesPerSecond(), config.rateWindow(), config.maxTime());
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
