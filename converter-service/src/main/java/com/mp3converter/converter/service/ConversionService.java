package com.mp3converter.converter.service;

import com.mongodb.client.gridfs.model.GridFSFile;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mp3converter.contracts.ConversionOptions;
import com.mp3converter.contracts.ConversionRequest;
import com.mp3converter.contracts.JobEvent;
import com.mp3converter.contracts.Mp3Names;
import com.mp3converter.converter.config.ConverterConfig;
import com.mp3converter.converter.messaging.EventPublisher;
import com.mp3converter.converter.repository.JobLeases;
import com.mp3converter.mediastore.MediaStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.bson.Document;
import org.bson.types.ObjectId;

import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One delivery of a conversion request: claim the job's lease, convert, store the MP3, decide the outcome
 * once and announce it. A job with an MP3 is DONE for good; FAILED is decided only by the lease holder
 * (or, when retries ran out, by nobody holding one) and only while no MP3 exists. Redeliveries of a
 * decided job re-announce the decision, so the gateway and the notifier always hear the same outcome.
 */
@ApplicationScoped
public class ConversionService {

    private final MediaStore storage;
    private final Cancellations cancellations;
    private final JobLeases leases;
    private final Ffmpeg ffmpeg;
    private final EventPublisher events;
    private final ConverterConfig config;
    private final MeterRegistry metrics;
    private final Tracer tracer;
    private final Timer conversionTime;
    private final ObjectMapper json;
    /** Renews leases and ends waits on arriving uploads: short tasks only. */
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lease-renewal-and-arrival-alarms");
        t.setDaemon(true);
        return t;
    });

    ConversionService(MediaStore storage, JobLeases leases, Ffmpeg ffmpeg, EventPublisher events, ConverterConfig config,
                      MeterRegistry metrics, Tracer tracer, Cancellations cancellations, ObjectMapper json) {
        this.json = json;
        this.cancellations = cancellations;
        this.storage = storage;
        this.leases = leases;
        this.ffmpeg = ffmpeg;
        this.events = events;
        this.config = config;
        this.metrics = metrics;
        this.tracer = tracer;
        this.conversionTime = Timer.builder("converter.conversion").description("ffmpeg wall time per job").register(metrics);
    }

    void clearWorkDir(@Observes StartupEvent start) throws IOException {
        deleteRecursively(config.workDir()); // leftovers of a killed process
        Files.createDirectories(config.workDir());
    }

    /** Stops every running ffmpeg; their jobs are not acked, so the broker hands them to another worker. */
    public void stopConversions() {
        ffmpeg.stopAll();
    }

    /**
     * The owner cancelled the job: decided CANCELLED unless it ended already, and its ffmpeg, if it runs here,
     * stops at the watchdog's next look (within a second). Nothing is announced: the gateway decided it.
     */
    public void cancel(String jobId) {
        cancellations.add(jobId);
        if (leases.decideCancelled(jobId, "cancelled by its owner")) {
            Log.infof("Job %s cancelled by its owner", jobId);
        }
    }

    /** Converts the job unless another delivery holds it or its outcome is known. Never throws. */
    public Next process(ConversionRequest request) {
        try {
            JobLeases.Claim claim = leases.claim(request.jobId());
            if (claim instanceof JobLeases.Claim.Taken taken) {
                return convertHolding(request, taken.token(), taken.awaitingUpload());
            }
            return announce(request, claim);
        } catch (IOException | RuntimeException e) {
            return new Next.Retry(e.getMessage());
        }
    }

    /**
     * The retry budget is spent: DONE if an MP3 exists after all, else FAILED unless a live lease elsewhere
     * is still converting it.
     */
    public Next giveUp(ConversionRequest request) {
        try {
            Optional<GridFSFile> mp3 = storage.findMp3OfJob(request.jobId());
            if (mp3.isPresent()) {
                return leases.decideDone(request.jobId()) ? announce(request, new JobLeases.Claim.Decided(JobLeases.Outcome.DONE, null))
                        : unwanted(request.jobId());
            }
            return fail(request, null, "the conversion kept failing for reasons on our side for "
                    + config.retry().budget().toMinutes() + " minutes; please upload the video again");
        } catch (IOException | RuntimeException e) {
            return new Next.Retry(e.getMessage()); // storage still down: nothing can be decided yet
        }
    }

    private Next convertHolding(ConversionRequest request, String token, boolean awaitingUpload) throws IOException {
        String jobId = request.jobId();
        try (LeaseKeeper lease = new LeaseKeeper(leases, jobId, token, config.lease().ttl().dividedBy(3), timers)) {
            Optional<GridFSFile> existing = storage.findMp3OfJob(jobId);
            if (existing.isPresent()) {
                Log.infof("Job %s already has MP3 %s; announcing it again", jobId, existing.get().getObjectId());
            } else {
                if (awaitingUpload) {
                    requireUploadComplete(request); // STARTED was announced when a worker first took it
                } else {
                    publishQuietly(JobEvent.of(request, JobEvent.Type.STARTED));
                    if (request.requestedAt() != null) { // published -> conversion started
                        metrics.timer("converter.queue.wait").record(Duration.between(request.requestedAt(), Instant.now()));
                    }
                }
                existing = Optional.of(convert(request, lease));
                metrics.counter("converter.jobs", "outcome", "done").increment();
            }
            if (!leases.decideDone(jobId)) {
                return unwanted(jobId);
            }
            events.publish(done(request, existing.get()));
            return Next.FINISHED;
        } catch (FileNotFoundException gone) {
            // Only a cancel, a delete, a failed upload or a repeat the gateway answered itself (with an earlier MP3)
            // removes a job's video: the gateway decided the job, nobody is to hear of it from here.
            return leases.decideCancelled(jobId, "the video was removed: the upload failed, or the job was cancelled or deleted")
                    ? Next.FINISHED : new Next.Retry("decided meanwhile; announcing what stands");
        } catch (UploadStillArriving slow) {
            // Not the file's failure nor ours: the job waits in the broker, without a worker, until the upload is complete.
            leases.releaseUntilUploaded(jobId, token);
            Log.infof("Job %s: %s; converting once it is complete (looking again every %s)", jobId, slow.getMessage(),
                    config.arrival().recheck());
            return new Next.AwaitUpload(config.arrival().recheck());
        } catch (PermanentFailure e) {
            return fail(request, token, e.getMessage());
        } catch (IOException | RuntimeException e) {
            releaseQuietly(jobId, token);
            if (cancellations.contains(jobId)) {
                Log.infof("Job %s: conversion stopped, the job was cancelled", jobId);
                return Next.FINISHED;
            }
            throw e;
        }
    }

    /**
     * A job let go while its upload arrived: still arriving, it waits on in the broker (no worker held, no ffmpeg
     * started), and fails once the upload has lasted longer than any upload may.
     */
    private void requireUploadComplete(ConversionRequest request) throws IOException, PermanentFailure {
        try (MediaStore.Video video = storage.openVideo(request.videoId())) {
            if (!video.arriving()) {
                return;
            }
        }
        Duration limit = config.arrival().maxUploadTime();
        if (new ObjectId(request.videoId()).getDate().toInstant().plus(limit).isBefore(Instant.now())) {
            throw new PermanentFailure("the upload did not complete within " + limit.toMinutes() + " minutes of its start");
        }
        throw new UploadStillArriving("the upload is still arriving");
    }

    private GridFSFile convert(ConversionRequest request, LeaseKeeper lease) throws IOException, PermanentFailure {
        Path dir = Files.createTempDirectory(Files.createDirectories(config.workDir()), "job-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path mp3 = dir.resolve("output.mp3");
        try {
            long started = System.nanoTime();
            ConversionOptions options = request.optionsOrDefaults();
            Ffmpeg.Result result;
            ConversionOptions finalOptions;
            ArrivalWait arrival = new ArrivalWait(config.arrival(), timers);
            try (MediaStore.Video video = storage.openVideo(request.videoId())) {
                boolean arriving = video.arriving();
                try {
                    result = encode(request, options, video, dir, mp3, lease, arrival);
                } catch (PermanentFailure badMedia) {
                    awaitComplete(video, arriving, arrival); // an upload refused or cut short meanwhile is not the file's failure
                    throw badMedia;
                }
                // No MP3 of a video that did not fully arrive.
                finalOptions = finalOptions(awaitComplete(video, arriving, arrival), options);
            }
            if (!finalOptions.equals(options)) { // form fields after the file changed them: encode the whole file again
                Log.infof("Job %s: the upload ended with other options; converting again with them", request.jobId());
                try (MediaStore.Video video = storage.openVideo(request.videoId())) {
                    result = encode(request, finalOptions, video, dir, mp3, lease, arrival);
                }
            }
            long elapsed = System.nanoTime() - started;
            if (!lease.held()) {
                throw new IOException("the lease on the job was lost while converting");
            }
            GridFSFile stored = store(request, finalOptions, mp3, result);
            Log.infof("Job %s done: MP3 %s, %.1f s of audio, ffmpeg took %d ms, storing the MP3 %d ms", request.jobId(),
                    stored.getObjectId(), result.durationSeconds(), TimeUnit.NANOSECONDS.toMillis(elapsed),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started - elapsed));
            return stored;
        } finally {
            deleteRecursively(dir);
        }
    }

    /** The upload's end: at once for a video stored when the job began, within the grace for one that was arriving. */
    private static Document awaitComplete(MediaStore.Video video, boolean wasArriving, ArrivalWait arrival) throws IOException {
        return wasArriving ? arrival.atMostTheGrace(video::awaitComplete) : video.awaitComplete();
    }

    /** The options the upload ended with (stored with the video), else those the request was sent with. */
    private ConversionOptions finalOptions(Document videoMetadata, ConversionOptions requested) {
        Document stored = videoMetadata.get("options", Document.class);
        return stored == null ? requested : json.convertValue(stored, ConversionOptions.class);
    }

    /** ffmpeg's run, as a span with the media's length and the realtime factor. */
    private Ffmpeg.Result encode(ConversionRequest request, ConversionOptions options, MediaStore.Video video, Path dir, Path mp3,
                                 LeaseKeeper lease, ArrivalWait arrival) throws IOException, PermanentFailure {
        Span span = tracer.spanBuilder("ffmpeg").setAttribute("job.id", request.jobId())
                .setAttribute("upload.arriving", video.arriving()).startSpan();
        long started = System.nanoTime();
        try (Scope scope = span.makeCurrent()) {
            Ffmpeg.Input input = input(request.jobId(), video, request.container(), dir, arrival);
            Ffmpeg.Result result = ffmpeg.toMp3(input, request.container(), options, mp3,
                    new ProgressThrottle(request), () -> lease.held() && !cancellations.contains(request.jobId()));
            long elapsed = System.nanoTime() - started;
            conversionTime.record(elapsed, TimeUnit.NANOSECONDS);
            span.setAttribute("media.bytes", video.sizeBytes());
            span.setAttribute("media.seconds", result.durationSeconds());
            if (result.durationSeconds() > 0) {
                double realtime = result.durationSeconds() / (elapsed / 1e9);
                metrics.summary("converter.realtime.factor").record(realtime);
                span.setAttribute("ffmpeg.realtime_factor", realtime);
            }
            return result;
        } catch (IOException | PermanentFailure | RuntimeException e) {
            span.setStatus(StatusCode.ERROR, e.getMessage());
            throw e;
        } finally {
            span.end();
        }
    }

    private GridFSFile store(ConversionRequest request, ConversionOptions options, Path mp3, Ffmpeg.Result result) throws IOException {
        Span span = tracer.spanBuilder("store mp3").setAttribute("job.id", request.jobId())
                .setAttribute("mp3.bytes", Files.size(mp3)).startSpan();
        try (Scope scope = span.makeCurrent()) {
            return storage.storeMp3(mp3, Mp3Names.of(request.originalFilename()), new Document("jobId", request.jobId())
                    .append("owner", request.owner()).append("sourceVideoId", request.videoId())
                    .append("durationSeconds", result.durationSeconds()).append("bitrate", options.bitrateLabel()));
        } finally {
            span.end();
        }
    }

    /**
     * Streams the video into ffmpeg when it can be read front to back, so the download (and the upload, while
     * it arrives) overlaps the encode. An MP4/MOV with its index at the end is streamed too, once its upload is
     * complete, with the index read first and moved to the front; only what cannot be streamed is copied to the
     * job's private temp dir first.
     */
    private Ffmpeg.Input input(String jobId, MediaStore.Video video, String container, Path dir, ArrivalWait arrival)
            throws IOException, PermanentFailure {
        boolean arriving = video.arriving();
        byte[] head = arriving ? arrival.atMostTheGrace(() -> video.head(StreamableMedia.HEAD_BYTES)) : video.head(StreamableMedia.HEAD_BYTES);
        if (StreamableMedia.canStream(container, head)) {
            if (arriving) {
                Log.infof("Job %s: converting (streamed into ffmpeg while its upload arrives)", jobId);
                return Ffmpeg.Input.arriving(video.content(), video::sizeBytes, video::arriving, () -> arrival.overdue(video.sizeBytes()));
            }
            Log.infof("Job %s: converting (streamed into ffmpeg)", jobId);
            return Ffmpeg.Input.stream(video.content(), video::sizeBytes);
        }
        if (arriving) { // nothing to do before the upload's last byte (an index at the end, or a copy to make)
            arrival.atMostTheGrace(video::awaitComplete);
        }
        if (container.equals("mov")) {
            Mp4Faststart.Ranges headFirst = (from, to) -> to <= head.length // the atoms before the data are in the head
                    ? new ByteArrayInputStream(head, (int) from, (int) (to - from)) : storage.openVideoRange(video.id(), from, to);
            ConverterConfig.Media bounds = config.media();
            Optional<InputStream> relocated = Mp4Faststart.relocated(headFirst, video.sizeBytes(), Mp4Faststart.Limits.of(
                    bounds.maxBoxes(), bounds.readBudgetFactor(), bounds.readBudgetExtraBytes(), video.sizeBytes()));
            if (relocated.isPresent()) {
                Log.infof("Job %s: converting (streamed, its index read from the end first)", jobId);
                return Ffmpeg.Input.stream(relocated.get(), video::sizeBytes);
            }
        }
        Log.infof("Job %s: converting (copied first: it cannot be read front to back)", jobId);
        Path copy = dir.resolve("input");
        Files.copy(video.content(), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return Ffmpeg.Input.file(copy);
    }

    /** Decides FAILED as the lease holder (token null: if no live lease exists); announces whatever stands then. */
    private Next fail(ConversionRequest request, String token, String reason) throws IOException {
        JobLeases.Claim decided = leases.decideFailed(request.jobId(), token, reason);
        if (decided instanceof JobLeases.Claim.Decided d && d.outcome() == JobLeases.Outcome.FAILED && reason.equals(d.reason())) {
            Log.infof("Job %s failed: %s", request.jobId(), reason);
            metrics.counter("converter.jobs", "outcome", "failed").increment();
        }
        return announce(request, decided);
    }

    /** Publishes a decided outcome again (redelivery); a job held elsewhere is looked at later. */
    private Next announce(ConversionRequest request, JobLeases.Claim claim) throws IOException {
        if (claim instanceof JobLeases.Claim.HeldElsewhere held) {
            return new Next.Defer(held.remaining());
        }
        if (claim instanceof JobLeases.Claim.Decided decided) {
            if (decided.outcome() == JobLeases.Outcome.CANCELLED) {
                Log.infof("Job %s was cancelled; nothing to convert or announce", request.jobId());
            } else if (decided.outcome() == JobLeases.Outcome.FAILED) {
                events.publish(JobEvent.of(request, JobEvent.Type.FAILED).withReason(decided.reason()));
            } else {
                Optional<GridFSFile> mp3 = storage.findMp3OfJob(request.jobId());
                if (mp3.isPresent()) {
                    events.publish(done(request, mp3.get()));
                } else {
                    Log.infof("Job %s was DONE and its MP3 is gone (job deleted); nothing to announce", request.jobId());
                }
            }
            return Next.FINISHED;
        }
        throw new IllegalStateException("a lease taken is not an outcome");
    }

    /** An MP3 stored for a job cancelled meanwhile: removed, and nothing announced. */
    private Next unwanted(String jobId) {
        storage.deleteMp3sOfJob(jobId);
        Log.infof("Job %s was cancelled while converting; its MP3 is removed", jobId);
        return Next.FINISHED;
    }

    private void releaseQuietly(String jobId, String token) {
        try {
            leases.release(jobId, token);
        } catch (RuntimeException e) {
            Log.debugf("Job %s: lease not released (it runs out by itself): %s", jobId, e.getMessage());
        }
    }

    private static JobEvent done(ConversionRequest request, GridFSFile mp3) {
        Number duration = mp3.getMetadata() == null ? null : (Number) mp3.getMetadata().get("durationSeconds");
        return JobEvent.of(request, JobEvent.Type.DONE)
                .withMp3(mp3.getObjectId().toHexString(), mp3.getLength(), duration == null ? 0 : duration.doubleValue());
    }

    private void publishQuietly(JobEvent event) {
        try {
            events.publish(event);
        } catch (IOException e) {
            Log.debugf("Progress event for job %s not delivered: %s", event.jobId(), e.getMessage());
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Publishes progress at most once per configured step and interval: a short job sends none, a long one
     * a few per second at most (each event is a broker confirm and a job update in the gateway).
     */
    private final class ProgressThrottle implements java.util.function.IntConsumer {
        private final ConversionRequest request;
        private int lastSent;
        private long lastSentAt = System.nanoTime();

        ProgressThrottle(ConversionRequest request) {
            this.request = request;
        }

        @Override
        public synchronized void accept(int percent) {
            long now = System.nanoTime();
            if (percent >= lastSent + config.progressStep() && now - lastSentAt >= config.progressInterval().toNanos()) {
                lastSent = percent;
                lastSentAt = now;
                publishQuietly(JobEvent.of(request, JobEvent.Type.PROGRESS).withProgress(percent));
            }
        }
    }
}
