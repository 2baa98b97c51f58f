package com.mp3converter.converter.service;

import com.mongodb.client.gridfs.model.GridFSFile;
import com.mp3converter.converter.config.ConverterConfig;
import com.mp3converter.converter.messaging.ConversionRequest;
import com.mp3converter.converter.messaging.EventPublisher;
import com.mp3converter.converter.messaging.JobEvent;
import com.mp3converter.converter.storage.MediaStorage;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.bson.Document;

import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One conversion: idempotency check, video to a private temp dir, ffmpeg, MP3 into GridFS, "done"
 * confirmed by the broker. Returns normally when the job reached an end (done or permanently failed,
 * event published) and throws IOException when it should be retried.
 */
@ApplicationScoped
public class ConversionService {

    private final MediaStorage storage;
    private final Ffmpeg ffmpeg;
    private final EventPublisher events;
    private final ConverterConfig config;
    private final MeterRegistry metrics;
    private final Timer conversionTime;

    ConversionService(MediaStorage storage, Ffmpeg ffmpeg, EventPublisher events, ConverterConfig config,
                      MeterRegistry metrics) {
        this.storage = storage;
        this.ffmpeg = ffmpeg;
        this.events = events;
        this.config = config;
        this.metrics = metrics;
        this.conversionTime = Timer.builder("converter.conversion.seconds")
                .description("ffmpeg wall time per job").register(metrics);
    }

    void clearWorkDir(@Observes StartupEvent start) throws IOException {
        deleteRecursively(config.workDir()); // leftovers of a killed process
        Files.createDirectories(config.workDir());
    }

    /** Stops every running ffmpeg; their jobs are not acked, so the broker hands them to another worker. */
    public void stopConversions() {
        ffmpeg.stopAll();
    }

    public void convert(ConversionRequest request) throws IOException {
        var existing = storage.findMp3OfJob(request.jobId());
        if (existing.isPresent()) {
            Log.infof("Job %s already has MP3 %s; announcing it again", request.jobId(), existing.get().getObjectId());
            events.publish(done(request, existing.get()));
            return;
        }
        publishQuietly(JobEvent.of(request, JobEvent.Type.STARTED));
        Path dir = Files.createTempDirectory(Files.createDirectories(config.workDir()), "job-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try (MediaStorage.Video video = storage.openVideo(request.videoId())) {
            Path mp3 = dir.resolve("output.mp3");
            long started = System.nanoTime();
            Ffmpeg.Input input = input(video, request.container(), dir);
            Log.infof("Job %s: converting (%s)", request.jobId(), input.stream() != null ? "streamed into ffmpeg" : "copied first");
            Ffmpeg.Result result = ffmpeg.toMp3(input, request.container(),
                    request.options() == null ? ConversionRequest.Options.DEFAULTS : request.options(), mp3,
                    new ProgressThrottle(request));
            long elapsed = System.nanoTime() - started;
            conversionTime.record(elapsed, TimeUnit.NANOSECONDS);
            if (result.durationSeconds() > 0) {
                metrics.summary("converter.realtime.factor").record(result.durationSeconds() / (elapsed / 1e9));
            }
            GridFSFile stored = storage.storeMp3(mp3, mp3Name(request.originalFilename()), new Document("jobId", request.jobId())
                    .append("owner", request.owner()).append("sourceVideoId", request.videoId())
                    .append("durationSeconds", result.durationSeconds()).append("bitrate", bitrateLabel(request)));
            events.publish(done(request, stored));
            metrics.counter("converter.jobs", "outcome", "done").increment();
            Log.infof("Job %s done: MP3 %s, %.1f s of audio in %.1f s", request.jobId(), stored.getObjectId(),
                    result.durationSeconds(), elapsed / 1e9);
        } catch (FileNotFoundException gone) {
            fail(request, "the uploaded video no longer exists (the job was deleted)");
        } catch (PermanentFailure e) {
            fail(request, e.getMessage());
        } finally {
            deleteRecursively(dir);
        }
    }

    /**
     * Streams the video into ffmpeg when it can be read front to back, so the download overlaps the
     * encode; otherwise copies it to the job's private temp dir first.
     */
    private static Ffmpeg.Input input(MediaStorage.Video video, String container, Path dir) throws IOException {
        byte[] head = video.content().readNBytes(StreamableMedia.HEAD_BYTES);
        InputStream whole = new SequenceInputStream(new ByteArrayInputStream(head), video.content());
        if (StreamableMedia.canStream(container, head)) {
            return Ffmpeg.Input.stream(whole, video.sizeBytes());
        }
        Path copy = dir.resolve("input");
        Files.copy(whole, copy);
        return Ffmpeg.Input.file(copy);
    }

    /** Ends the job as failed and tells everyone; used for permanent failures and exhausted retries. */
    public void fail(ConversionRequest request, String reason) throws IOException {
        Log.infof("Job %s failed: %s", request.jobId(), reason);
        events.publish(JobEvent.of(request, JobEvent.Type.FAILED).withReason(reason));
        metrics.counter("converter.jobs", "outcome", "failed").increment();
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

    private static String mp3Name(String original) {
        String name = original == null || original.isBlank() ? "audio" : original;
        int dot = name.lastIndexOf('.');
        return (dot > 0 ? name.substring(0, dot) : name) + ".mp3";
    }

    private static String bitrateLabel(ConversionRequest request) {
        var options = request.options() == null ? ConversionRequest.Options.DEFAULTS : request.options();
        return options.bitrateKbps() != null ? options.bitrateKbps() + "k"
                : "V" + (options.vbrQuality() != null ? options.vbrQuality() : 2);
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
