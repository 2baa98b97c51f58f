package com.mp3converter.gateway.rest;

import com.mongodb.MongoException;
import com.mongodb.client.gridfs.GridFSDownloadStream;
import com.mp3converter.contracts.Mp3Names;
import com.mp3converter.gateway.config.GatewayConfig;
import com.mp3converter.gateway.http.ByteRange;
import com.mp3converter.gateway.http.JsonResponder;
import com.mp3converter.gateway.service.ApiException;
import com.mp3converter.gateway.service.FileNames;
import com.mp3converter.gateway.service.JobService;
import com.mp3converter.mediastore.MediaStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * An MP3 streamed from GridFS, whole or by a byte range, named after the video it came from. No thread waits for a
 * slow client: each piece is read from GridFS on a worker, written through Vert.x, and the next is read only once
 * the connection took it (its write queue drained). A client that reads slower than
 * {@code gateway.download.min-bytes-per-second} on average, once {@code rate-grace} has passed, or takes nothing
 * for {@code stall-timeout}, is cut off, so a slow reader holds neither a thread nor its GridFS cursor for long.
 */
@ApplicationScoped
class Mp3Responses {

    /** What one read from GridFS takes, and so what one download holds in memory beside the socket's buffers. */
    private static final int PIECE_BYTES = 64 * 1024;
    private static final long RATE_CHECK_MILLIS = 1000;

    private final MediaStore storage;
    private final JsonResponder responder;
    private final GatewayConfig.Download limits;
    private final MeterRegistry metrics;
    private final DownloadSlots slots;

    Mp3Responses(MediaStore storage, JsonResponder responder, GatewayConfig config, MeterRegistry metrics, DownloadSlots slots) {
        this.slots = slots;
        this.storage = storage;
        this.responder = responder;
        this.limits = config.download();
        this.metrics = metrics;
    }

    /**
     * Answers with the MP3 {@code lookup} names (run on a worker: it reads the job), or its refusal as JSON.
     * Call it on the request's event loop.
     * @param noStore for a link that is the credential: no shared cache may keep the answer
     */
    void send(RoutingContext ctx, Callable<JobService.Mp3Download> lookup, boolean noStore) {
        String range = ctx.request().getHeader("Range");
        ctx.vertx().executeBlocking(() -> {
            JobService.Mp3Download mp3 = lookup.call();
            ByteRange byteRange = ByteRange.parse(range, mp3.file().getLength());
            DownloadSlots.Slot slot = slots.take(mp3.job().owner());
            GridFSDownloadStream in;
            try {
                in = storage.openMp3(mp3.file().getObjectId());
            } catch (RuntimeException e) {
                slot.release();
                throw e;
            }
            try {
                in.skip(byteRange.first());
            } catch (RuntimeException e) {
                in.close();
                slot.release();
                throw e;
            }
            return new Transfer(ctx.vertx(), ctx.response(), mp3, byteRange, in, ctx.request().method().name(), slot);
        }, false).onSuccess(transfer -> transfer.start(noStore)).onFailure(e -> refuse(ctx, e));
    }

    private void refuse(RoutingContext ctx, Throwable e) {
        if (e instanceof ApiException refusal) {
            responder.error(ctx, refusal);
        } else if (e instanceof MongoException) {
            Log.warnf("Download refused, storage unavailable: %s", e.getMessage());
            responder.error(ctx, new ApiException(503, "storage is unavailable for a moment; please try again shortly"));
        } else {
            Log.error("Download failed", e);
            responder.error(ctx, new ApiException(500, "internal error"));
        }
    }

    /** One download in progress; its state is touched on the request's event loop only. */
    private final class Transfer {
        private final Vertx vertx;
        private final HttpServerResponse response;
        private final JobService.Mp3Download mp3;
        private final ByteRange range;
        private final GridFSDownloadStream in;
        private final String method;
        private final DownloadSlots.Slot slot;
        private long remaining;
        private long sent;
        private long startedNanos;
        private long rateTimer = -1;
        private boolean reading;
        private boolean over;
        /** Since when the connection's queue is full and the next piece waits for the client to take some; 0: not. */
        private long waitingSinceNanos;

        Transfer(Vertx vertx, HttpServerResponse response, JobService.Mp3Download mp3, ByteRange range, GridFSDownloadStream in,
                 String method, DownloadSlots.Slot slot) {
            this.slot = slot;
            this.vertx = vertx;
            this.response = response;
            this.mp3 = mp3;
            this.range = range;
            this.in = in;
            this.method = method;
            this.remaining = range.length();
        }

        void start(boolean noStore) {
            if (response.closed()) {
                stop();
                return;
            }
            long length = mp3.file().getLength();
            response.setStatusCode(range.partial() ? 206 : 200)
                    .putHeader("Content-Type", "audio/mpeg")
                    .putHeader("Accept-Ranges", "bytes")
                    .putHeader("Content-Length", String.valueOf(range.length()))
                    .putHeader("Content-Disposition", FileNames.attachment(Mp3Names.of(mp3.job().originalFilename())))
                    .putHeader("ETag", '"' + mp3.file().getObjectId().toHexString() + '"');
            if (range.partial()) {
                response.putHeader("Content-Range", "bytes " + range.first() + "-" + range.last() + "/" + length);
            }
            if (noStore) {
                response.putHeader("Cache-Control", "private, no-store");
            }
            if ("HEAD".equals(method)) { // HEAD: the headers alone
                response.end();
                stop();
                return;
            }
            response.closeHandler(v -> stop()); // the client went away, or was cut off
            startedNanos = System.nanoTime();
            rateTimer = vertx.setPeriodic(RATE_CHECK_MILLIS, t -> checkRate());
            next();
        }

        /** Reads the next piece on a worker, then writes it; called again once the connection has room. */
        private void next() {
            if (over || reading) {
                return;
            }
            if (remaining == 0) {
                response.end();
                stop();
                return;
            }
            reading = true;
            vertx.executeBlocking(() -> Buffer.buffer(in.readNBytes((int) Math.min(PIECE_BYTES, remaining))), false)
                    .onComplete(read -> {
                        reading = false;
                        if (over) {
                            closeStream();
                        } else if (read.failed() || read.result().length() == 0) {
                            Log.warnf("Download of MP3 %s broken off: %s", mp3.file().getObjectId(),
                                    read.failed() ? read.cause().getMessage() : "the file ended early");
                            response.reset();
                            stop();
                        } else {
                            write(read.result());
                        }
                    });
        }

        private void write(Buffer piece) {
            remaining -= piece.length();
            sent += piece.length();
            response.write(piece);
            if (response.writeQueueFull()) {
                waitingSinceNanos = System.nanoTime();
                response.drainHandler(v -> {
                    response.drainHandler(null); // it would fire again at every later drain: one read at a time
                    waitingSinceNanos = 0;
                    next();
                });
            } else {
                next();
            }
        }

        /**
         * Cuts off a client that took nothing for the stall timeout, or (past the grace) reads slower than the minimum
         * on average: bytes still in the socket's buffers count as sent, so the average alone would let a reader that
         * never reads hold its download until the kernel's buffer (megabytes) is "paid" at the minimum rate.
         */
        private void checkRate() {
            if (over) {
                return;
            }
            long now = System.nanoTime();
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(now - startedNanos);
            long bytesPerSecond = sent * 1000 / Math.max(1, elapsedMillis);
            boolean stalled = waitingSinceNanos != 0 && now - waitingSinceNanos > limits.stallTimeout().toNanos();
            if (stalled || (elapsedMillis >= limits.rateGrace().toMillis() && bytesPerSecond < limits.minBytesPerSecond())) {
                Log.infof("Download of MP3 %s cut off: %s", mp3.file().getObjectId(), stalled
                        ? "the client took nothing for " + limits.stallTimeout().toSeconds() + " s"
                        : "the client read " + bytesPerSecond + " bytes/s, below the minimum of " + limits.minBytesPerSecond());
                metrics.counter("gateway.downloads.cut.off", "reason", stalled ? "stalled" : "slow").increment();
                response.reset();
                stop();
            }
        }

        /** Ends the transfer (done, failed, or the client gone); the GridFS stream closes once no read is running. */
        private void stop() {
            if (over) {
                return;
            }
            over = true;
            slot.release();
            vertx.cancelTimer(rateTimer);
            if (!reading) {
                closeStream();
            }
        }

        private void closeStream() {
            vertx.executeBlocking(() -> {
                in.close();
                return null;
            }, false);
        }
    }
}
