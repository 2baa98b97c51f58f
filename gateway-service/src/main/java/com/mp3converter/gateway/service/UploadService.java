package com.mp3converter.gateway.service;

import com.mongodb.MongoException;
import com.mp3converter.gateway.repository.UploadKeys;
import io.micrometer.core.instrument.MeterRegistry;
import com.mp3converter.messaging.TracedDelivery;
import io.opentelemetry.api.trace.Span;
import com.mp3converter.gateway.config.GatewayConfig;
import com.mp3converter.gateway.repository.Job;
import com.mp3converter.gateway.repository.JobStatus;
import com.mp3converter.mediastore.MediaStore;
import com.mp3converter.mediastore.VideoUpload;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import org.bson.Document;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Streams an upload into GridFS "videos" while hashing it, then records and queues the job.
 * Nothing is stored before the content is known to be a media container, and a refused, oversized
 * or interrupted upload removes every chunk it wrote.
 */
@ApplicationScoped
public class UploadService {

    private static final int COPY_BUFFER = 256 * 1024;
    /**
     * Clean-ups of uploads that storage failed, run after the 503 is answered. Bounded: with storage down each waits
     * for its timeout, and uploads retried meanwhile would otherwise add a thread each; one that finds the queue full
     * is left to the orphan-chunk sweep and the retention pass, which remove what it would have.
     */
    private static final ThreadPoolExecutor ABORTS = new ThreadPoolExecutor(2, 2,
            0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(256), r -> {
                Thread t = new Thread(r, "upload-abort");
                t.setDaemon(true);
                return t;
            }, (task, pool) -> Log.warn("Clean-up of a failed upload left to the sweeps: the clean-up queue is full"));
    private static final java.util.regex.Pattern VALID_KEY = java.util.regex.Pattern.compile("[\\x21-\\x7E]{1,255}");

    private final MediaStore storage;
    private final JobService jobs;
    private final long maxBytes;

    private final MeterRegistry metrics;
    private final UploadKeys keys;
    private final Quotas quotas;
    private final WebhookTargets webhookTargets;

    UploadService(MediaStore storage, JobService jobs, GatewayConfig config, MeterRegistry metrics, UploadKeys keys, Quotas quotas,
                  WebhookTargets webhookTargets) {
        this.webhookTargets = webhookTargets;
        this.metrics = metrics;
        this.keys = keys;
        this.quotas = quotas;
        this.storage = storage;
        this.jobs = jobs;
        this.maxBytes = config.upload().maxBytes();
    }

    public long maxBytes() {
        return maxBytes;
    }

    /**
     * Records and queues the job as soon as the head shows a media container, then stores the rest: a converter
     * may read the chunks while they arrive. The upload is complete for it only at the end, once the options and
     * the hash are known and nothing refused it; refused or cut short, the upload is aborted (the converter stops,
     * stores nothing) and the job goes.
     *
     * @param knownOptions the options known when the file begins (query parameters, form fields before the file)
     * @param finalOptions validated options, asked for only after the body ended (multipart form fields may follow
     *                     the file; the converter converts again if they differ)
     */
    public Job upload(InputStream body, String filename, Uploader uploader, String idempotencyKey, JobOptions knownOptions,
                      Supplier<JobOptions> finalOptions) throws IOException {
        if (idempotencyKey != null && !VALID_KEY.matcher(idempotencyKey).matches()) {
            throw new ApiException(400, "Idempotency-Key must be 1 to 255 printable ASCII characters");
        }
        try {
            quotas.admit(uploader.userId());
        } catch (MongoException storageDown) {
            throw storageUnavailable(storageDown); // before anything is read or stored
        }
        byte[] head = body.readNBytes(AudioTracks.PROBE_BYTES);
        if (head.length == 0) {
            throw new ApiException(400, "the file is empty");
        }
        String container = MediaSniffer.container(head, head.length).orElseThrow(() ->
                new ApiException(415, "not a video or audio file (its content matches no supported container)"));
        if (AudioTracks.present(container, head, head.length).equals(Optional.of(false))) {
            throw new ApiException(422, "the file has no audio track: there is nothing to convert to MP3");
        }
        String jobId = UUID.randomUUID().toString();
        String safeName = FileNames.sanitize(filename);
        Span span = Span.current().setAttribute("job.id", jobId).setAttribute("user.id", uploader.userId());
        try (TracedDelivery.LogContext log = TracedDelivery.LogContext.of(jobId)) {
            long started = System.nanoTime();
            VideoUpload out;
            try {
                out = storage.openVideoUpload(safeName, new Document("jobId", jobId)
                        .append("owner", uploader.userId()).append("originalFilename", safeName).append("container", container));
            } catch (MongoException storageDown) {
                throw storageUnavailable(storageDown);
            }
            String traceId = span.getSpanContext().isValid() ? span.getSpanContext().getTraceId() : null;
            Job job = Job.receiving(jobId, uploader.userId(), uploader.email(), safeName, container, out.getObjectId().toHexString(),
                    knownOptions.conversion(), Instant.now(), traceId, HexFormat.of().formatHex(sha256().digest(head)));
            try {
                jobs.submitArriving(job);
            } catch (MongoException storageDown) { // the upload's marker is kept alive and the job may be recorded: both go
                ABORTS.execute(() -> dropQuietly(out, job, storageDown));
                throw storageUnavailable(storageDown);
            }
            Quotas.Arrival arrival = quotas.arrival(jobId, uploader.userId());
            boolean storageDown = false;
            try {
                Arrived arrived = receive(out, head, body, arrival, finalOptions);
                span.setAttribute("upload.bytes", arrived.size());
                metrics.summary("gateway.upload.bytes.per.second").record(arrived.size() / Math.max((System.nanoTime() - started) / 1e9, 1e-3));
                Job uploaded = job.uploaded(arrived.size(), arrived.sha256(), arrived.options().conversion(),
                        arrived.options().callbackUrl(), Instant.now());
                jobs.recordUpload(uploaded);
                Optional<Job> answered = idempotencyKey == null ? Optional.empty()
                        : earlierUpload(uploader.userId(), idempotencyKey, uploaded);
                if (answered.isEmpty()) {
                    answered = jobs.finishFromEarlierMp3(uploaded);
                }
                if (answered.isPresent()) { // the video is not needed: dropped, and a conversion that started stops
                    abortQuietly(out, null);
                    if (!answered.get().id().equals(jobId)) {
                        jobs.discard(job);
                    }
                    return answered.get();
                }
                return complete(out, uploaded);
            } catch (MongoException e) {
                // The abort would wait for storage too (the caller would get no answer within the idle timeout):
                // answer now, clean up in the background; the sweeps take what that cannot.
                storageDown = true;
                ABORTS.execute(() -> {
                    dropQuietly(out, job, e);
                    arrival.end();
                });
                throw storageUnavailable(e);
            } catch (IOException | RuntimeException e) {
                dropQuietly(out, job, e); // a converter reading the chunks stops; the job goes
                throw e;
            } finally {
                if (!storageDown) {
                    arrival.end(); // after the job holds the bytes (recorded) or is gone
                }
            }
        }
    }

    private record Arrived(long size, String sha256, JobOptions options) {
    }

    /** Stores the body while hashing it, and takes the final options (the callback's address checked too). */
    private Arrived receive(VideoUpload out, byte[] head, InputStream body, Quotas.Arrival arrival,
                            Supplier<JobOptions> finalOptions) throws IOException {
        MessageDigest sha256 = sha256();
        long size = copy(head, body, out, sha256, arrival);
        arrival.ended(size);
        JobOptions options = finalOptions.get();
        if (options.callbackUrl() != null) {
            webhookTargets.check(options.callbackUrl());
        }
        return new Arrived(size, HexFormat.of().formatHex(sha256.digest()), options);
    }

    /** Completes the upload: from then on the converter may store the MP3. A job cancelled meanwhile keeps no video. */
    private Job complete(VideoUpload out, Job uploaded) throws IOException {
        Job current = jobs.find(uploaded.id(), uploaded.owner()).orElseThrow(() ->
                new ApiException(409, "the job was deleted while its video was arriving"));
        if (current.status() == JobStatus.CANCELLED) {
            abortQuietly(out, null);
            return current;
        }
        out.complete(new Document("sha256", uploaded.sha256()).append("options", uploaded.options()));
        jobs.release(uploaded); // published now if it was held as a likely repeat
        Log.infof("Job %s: stored %d bytes (%s) as video %s", uploaded.id(), uploaded.size(), uploaded.container(), uploaded.videoId());
        return jobs.find(uploaded.id(), uploaded.owner()).orElse(current);
    }

    /** An upload that will not complete: its chunks go (a converter reading them stops) and so does its job. */
    private void dropQuietly(VideoUpload out, Job job, Exception cause) {
        abortQuietly(out, cause);
        discardQuietly(job);
    }

    private void discardQuietly(Job job) {
        try {
            jobs.discard(job);
        } catch (RuntimeException e) {
            Log.warnf("Job %s of a failed upload not removed (the sweep removes it): %s", job.id(), e.getMessage());
        }
    }

    /**
     * The job an earlier upload with this key made, or empty when the key is new or its job was deleted. The same
     * key with another body is refused.
     */
    private Optional<Job> earlierUpload(String owner, String key, Job job) {
        Optional<UploadKeys.Earlier> earlier = keys.claim(owner, key, job.id(), job.sha256());
        if (earlier.isEmpty()) {
            return Optional.empty();
        }
        Optional<Job> earlierJob = jobs.find(earlier.get().jobId(), owner);
        if (earlierJob.isPresent() && !earlier.get().sha256().equals(job.sha256())) {
            throw new ApiException(422, "this Idempotency-Key was already used for a different upload");
        }
        if (earlierJob.isPresent()) {
            Log.infof("Job %s: repeated upload (Idempotency-Key), nothing new stored", earlierJob.get().id());
            return earlierJob;
        }
        keys.replace(owner, key, job.id(), job.sha256());
        return Optional.empty();
    }

    /** If storage is down the abort fails too; the orphan-chunk sweep removes what it could not. */
    private static void abortQuietly(VideoUpload out, Exception cause) {
        try {
            out.abort();
        } catch (IOException | RuntimeException e) {
            if (cause != null) {
                cause.addSuppressed(e);
            }
        }
    }

    private static ApiException storageUnavailable(MongoException e) {
        Log.warnf("Upload refused, storage unavailable: %s", e.getMessage());
        return new ApiException(503, "storage is unavailable for a moment; nothing was kept, please upload again shortly");
    }

    /** Stops with 413 past the size limit or the room left in the user's storage (other uploads arriving included). */
    private long copy(byte[] head, InputStream body, VideoUpload out, MessageDigest sha256, Quotas.Arrival arrival)
            throws IOException {
        long size = 0;
        byte[] buffer = head;
        int n = head.length;
        do {
            size += n;
            if (size > maxBytes) {
                throw new ApiException(413, "the file is larger than the limit of " + maxBytes + " bytes");
            }
            arrival.stored(size);
            out.write(buffer, 0, n);
            sha256.update(buffer, 0, n);
            if (buffer == head) {
                buffer = new byte[COPY_BUFFER];
            }
        } while ((n = body.read(buffer)) > 0);
        return size;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
