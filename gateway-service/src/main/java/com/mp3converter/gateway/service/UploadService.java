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
import org.bson.types.ObjectId;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Streams an upload into GridFS "videos" while hashing it, then records and queues the job.
 * Nothing is stored before the content is known to be a media container, and a refused, oversized
 * or interrupted upload removes every chunk it wrote.
 */
@ApplicationScoped
public class UploadService {

    private static final int COPY_BUFFER = 256 * 1024;
    private static final java.util.concurrent.Executor ABORTS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "upload-abort");
        t.setDaemon(true);
        return t;
    });
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
     * @param finalOptions validated options, asked for only after the body ended (multipart form
     *                     fields may follow the file); a refusal there removes the stored video.
     */
    public Job upload(InputStream body, String filename, Uploader uploader, String idempotencyKey,
                      Supplier<JobOptions> finalOptions) throws IOException {
        if (idempotencyKey != null && !VALID_KEY.matcher(idempotencyKey).matches()) {
            throw new ApiException(400, "Idempotency-Key must be 1 to 255 printable ASCII characters");
        }
        QuotaExceeded.Limit room;
        try {
            room = quotas.admit(uploader.userId());
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
            StoredVideo video = store(jobId, safeName, container, uploader, head, body, room);
            span.setAttribute("upload.bytes", video.size());
            metrics.summary("gateway.upload.bytes.per.second").record(video.size() / Math.max((System.nanoTime() - started) / 1e9, 1e-3));
            JobOptions options = optionsOrRelease(finalOptions, video);
            if (idempotencyKey != null) {
                Optional<Job> earlier = earlierUpload(uploader.userId(), idempotencyKey, jobId, video);
                if (earlier.isPresent()) {
                    return earlier.get();
                }
            }
            String traceId = span.getSpanContext().isValid() ? span.getSpanContext().getTraceId() : null;
            Job job = new Job(jobId, uploader.userId(), uploader.email(), safeName, container, video.id(), video.size(),
                    video.sha256(), options.conversion(), JobStatus.QUEUED, 0, null, Instant.now(), null, null, null, null, null, false,
                    traceId, options.callbackUrl());
            Optional<Job> fromEarlierMp3 = jobs.submitFromEarlierMp3(job);
            if (fromEarlierMp3.isPresent()) {
                return fromEarlierMp3.get();
            }
            jobs.submit(job);
            Log.infof("Job %s: stored %d bytes (%s) as video %s", jobId, video.size(), container, video.id());
            return job;
        }
    }

    private record StoredVideo(String id, long size, String sha256) {
    }

    /**
     * The job an earlier upload with this key made (the new copy of the video goes), or empty when the key
     * is new or its job was deleted. The same key with another body is refused.
     */
    private Optional<Job> earlierUpload(String owner, String key, String jobId, StoredVideo video) {
        Optional<UploadKeys.Earlier> earlier = keys.claim(owner, key, jobId, video.sha256());
        if (earlier.isEmpty()) {
            return Optional.empty();
        }
        Optional<Job> job = jobs.find(earlier.get().jobId(), owner);
        if (job.isPresent() && !earlier.get().sha256().equals(video.sha256())) {
            storage.deleteVideo(video.id());
            throw new ApiException(422, "this Idempotency-Key was already used for a different upload");
        }
        if (job.isPresent()) {
            storage.deleteVideo(video.id());
            Log.infof("Job %s: repeated upload (Idempotency-Key), nothing new stored", job.get().id());
            return job;
        }
        keys.replace(owner, key, jobId, video.sha256());
        return Optional.empty();
    }

    /** Streams the body into GridFS "videos", hashing it; a failure removes what was written. */
    private StoredVideo store(String jobId, String safeName, String container, Uploader uploader, byte[] head, InputStream body,
                              QuotaExceeded.Limit room) throws IOException {
        VideoUpload out = storage.openVideoUpload(safeName, new Document("jobId", jobId)
                .append("owner", uploader.userId()).append("originalFilename", safeName).append("container", container));
        MessageDigest sha256 = sha256();
        long size;
        try {
            size = copy(head, body, out, sha256, room);
            out.close();
        } catch (MongoException storageDown) {
            // The abort would wait for storage too (the caller would get no answer within the idle timeout):
            // answer now, remove the chunks in the background; the orphan sweep takes what that cannot.
            ABORTS.execute(() -> abortQuietly(out, storageDown));
            throw storageUnavailable(storageDown);
        } catch (IOException | RuntimeException e) {
            abortQuietly(out, e); // deletes the chunks written so far
            throw e;
        }
        return new StoredVideo(out.getObjectId().toHexString(), size, HexFormat.of().formatHex(sha256.digest()));
    }

    /**
     * The options the upload ended with (form fields may follow the file), the callback's address checked too;
     * refused, the video goes.
     */
    private JobOptions optionsOrRelease(Supplier<JobOptions> finalOptions, StoredVideo video) {
        try {
            JobOptions options = finalOptions.get();
            if (options.callbackUrl() != null) {
                webhookTargets.check(options.callbackUrl());
            }
            storage.completeVideoMetadata(new ObjectId(video.id()), video.sha256());
            return options;
        } catch (RuntimeException e) {
            storage.deleteVideo(video.id());
            throw e;
        }
    }

    /** If storage is down the abort fails too; the orphan-chunk sweep removes what it could not. */
    private static void abortQuietly(VideoUpload out, Exception cause) {
        try {
            out.abort();
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    private static ApiException storageUnavailable(MongoException e) {
        Log.warnf("Upload refused, storage unavailable: %s", e.getMessage());
        return new ApiException(503, "storage is unavailable for a moment; nothing was kept, please upload again shortly");
    }

    /** Stops with 413 past the size limit or the room left in the user's storage. */
    private long copy(byte[] head, InputStream body, VideoUpload out, MessageDigest sha256, QuotaExceeded.Limit room)
            throws IOException {
        long size = 0;
        byte[] buffer = head;
        int n = head.length;
        do {
            size += n;
            if (size > maxBytes) {
                throw new ApiException(413, "the file is larger than the limit of " + maxBytes + " bytes");
            }
            if (room.used() + size > room.max()) {
                throw Quotas.storedBytesExceeded(new QuotaExceeded.Limit(room.name(), room.max(), room.used() + size));
            }
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
