package com.mp3converter.gateway.service;

import com.mongodb.MongoException;
import com.mongodb.client.gridfs.model.GridFSFile;
import com.mp3converter.contracts.ConversionCancelled;
import com.mp3converter.contracts.ConversionRequest;
import com.mp3converter.contracts.JobEvent;
import com.mp3converter.gateway.config.GatewayConfig;
import com.mp3converter.gateway.messaging.ConversionRequestPublisher;
import com.mp3converter.gateway.repository.Job;
import com.mp3converter.gateway.repository.JobRepository;
import com.mp3converter.gateway.repository.JobStatus;
import com.mp3converter.mediastore.MediaStore;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import jakarta.enterprise.context.ApplicationScoped;
import org.bson.Document;
import org.eclipse.microprofile.faulttolerance.Retry;

import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * Job lifecycle: submission (record, then publish; the sweeper republishes what the broker has not
 * confirmed), converter events, owner-only reads, deletion and retention.
 */
@ApplicationScoped
public class JobService {

    public record Mp3Download(Job job, GridFSFile file) {
    }

    private final JobRepository jobs;
    private final MediaStore storage;
    private final ConversionRequestPublisher publisher;
    private final GatewayConfig config;
    private final Webhooks webhooks;
    private final Object[] shareLocks = java.util.stream.Stream.generate(Object::new).limit(64).toArray();

    JobService(JobRepository jobs, MediaStore storage, ConversionRequestPublisher publisher, GatewayConfig config, Webhooks webhooks) {
        this.webhooks = webhooks;
        this.jobs = jobs;
        this.storage = storage;
        this.publisher = publisher;
        this.config = config;
    }

    /**
     * Records the job as pending and publishes it if its owner has room in the converters' hands; otherwise it
     * waits here until one of the owner's jobs ends (fair share). An unconfirmed publish is retried by the sweeper.
     */
    public void submit(Job job) {
        jobs.insert(job);
        publishWithinShare(job.owner());
    }

    /**
     * Records a job whose upload has begun. It is published at once (the converter reads the video as it arrives)
     * unless the owner already converted a video that begins with the same bytes, with the same options: a likely
     * repeat, answered at the upload's end with the earlier MP3, so it waits for {@link #release}.
     */
    public void submitArriving(Job job) {
        jobs.insert(job);
        if (jobs.hasDoneWithHead(job.owner(), job.headSha256(), job.options())) {
            jobs.hold(job.id(), Instant.now().plus(config.retention()));
        }
        publishWithinShare(job.owner());
    }

    /** A held job whose upload ended and was no repeat after all: published now, within its owner's share. */
    public void release(Job job) {
        jobs.releaseHold(job.id());
        publishWithinShare(job.owner());
    }

    /**
     * Publishes the owner's oldest pending jobs while fewer than {@code conversions-per-user} of theirs are queued
     * at the broker or converting. So one user's backlog waits here, not in the converters' queue, and another
     * user's job reaches a converter behind at most that many of theirs. Soft under a race between replicas.
     */
    private void publishWithinShare(String owner) {
        synchronized (shareLocks[Math.floorMod(owner.hashCode(), shareLocks.length)]) { // the sweeper and the events, here
            Instant now = Instant.now();
            long room = config.fairness().conversionsPerUser() - jobs.countInFlight(owner, now);
            for (Job job : room <= 0 ? List.<Job>of() : jobs.findPendingOf(owner, (int) room + 4)) { // spare: others may claim some
                // Claimed first (and so counted in flight), so with several gateway replicas one of them publishes it.
                if (room > 0 && jobs.claimPublication(job.id(), now, now.plus(config.publish().retryAfter()))) {
                    publish(job);
                    room--;
                }
            }
        }
    }

    /**
     * The same user uploading the same bytes with the same options again: the job is DONE at once with the earlier
     * job's MP3, shared (the MP3 goes only with the last job holding it: MediaStore#claimMp3), and the caller drops the new copy of the
     * video, so no ffmpeg runs or one that started stops. Its DONE event is announced as a converter would; if the
     * broker does not confirm it, the sweeper announces it again.
     * Empty when there is no such earlier job (or its MP3 was just deleted): convert as usual.
     */
    public Optional<Job> finishFromEarlierMp3(Job job) {
        for (Job earlier : jobs.findDoneOfVideo(job.owner(), job.sha256())) {
            // Claimed first: an MP3 some job holds is never deleted, and one being deleted cannot be claimed.
            Optional<GridFSFile> mp3 = earlier.options().equals(job.options())
                    ? storage.claimMp3(earlier.mp3Id(), job.id(), jobs::idsNamingMp3) : Optional.empty();
            if (mp3.isPresent()) {
                if (!jobs.markDone(job.id(), earlier.mp3Id(), mp3.get().getLength(), earlier.durationSeconds(), Instant.now(), false)) {
                    storage.releaseMp3s(job.id(), null, jobs::idsNamingMp3);
                    return Optional.empty(); // cancelled or deleted while arriving: the upload's completion answers that
                }
                Job done = jobs.find(job.id()).orElseThrow();
                Log.infof("Job %s: the same video and options as job %s; DONE with its MP3", job.id(), earlier.id());
                announceDone(done);
                webhooks.jobEnded(done);
                return Optional.of(done);
            }
        }
        return Optional.empty();
    }

    /** The facts an upload ended with: size, hash, final options and callback, and when. */
    public void recordUpload(Job job) {
        jobs.markUploaded(job.id(), job.size(), job.sha256(), job.options(), job.callbackUrl(), job.uploadedAt());
    }

    /**
     * A job whose upload did not end well (refused, cut short, a repeat): gone (with a claim it may have made on an
     * earlier MP3), and the owner's next job may go.
     */
    public void discard(Job job) {
        storage.releaseMp3s(job.id(), null, jobs::idsNamingMp3);
        jobs.delete(job.id());
        publishWithinShare(job.owner());
    }

    private void announceDone(Job job) {
        JobEvent event = new JobEvent(job.id(), JobEvent.Type.DONE, job.owner(), job.ownerEmail(), job.originalFilename(), 100,
                job.mp3Id(), job.mp3Size(), job.durationSeconds(), null, job.finishedAt());
        try {
            publisher.announce(event);
            jobs.markPublished(job.id());
        } catch (IOException e) {
            Log.warnf("Job %s: DONE not confirmed by the broker, the sweeper will publish it: %s", job.id(), e.getMessage());
        }
    }

    private void publish(Job job) {
        ConversionRequest request = new ConversionRequest(job.id(), job.videoId(), job.container(), job.owner(),
                job.ownerEmail(), job.originalFilename(), job.options(), Instant.now());
        try {
            publisher.publish(request);
            jobs.markPublished(job.id());
        } catch (IOException e) {
            Log.warnf("Job %s kept pending, the sweeper will publish it: %s", job.id(), e.getMessage());
        }
    }

    /**
     * Stops a waiting or converting job: CANCELLED (decided here, once), its video released, every converter told
     * (its ffmpeg stops within a second; a request still waiting finds the video gone and ends CANCELLED too), and
     * the owner's next job may go. Cancelling a cancelled job changes nothing; an ended one is 409.
     */
    public Job cancel(String jobId, String owner) {
        Job job = get(jobId, owner);
        if (jobs.markCancelled(jobId, Instant.now())) {
            storage.deleteVideo(job.videoId());
            announceCancel(jobId);
            publishWithinShare(owner);
            Log.infof("Job %s cancelled by its owner", jobId);
        } else if (job.status() == JobStatus.DONE || job.status() == JobStatus.FAILED) {
            throw new ApiException(409, "the job has ended already (" + job.status() + ")");
        }
        return get(jobId, owner);
    }

    private void announceCancel(String jobId) {
        try {
            publisher.cancel(new ConversionCancelled(jobId, Instant.now()));
            jobs.markPublished(jobId);
        } catch (IOException e) {
            Log.warnf("Job %s: cancellation not confirmed by the broker, the sweeper will send it: %s", jobId, e.getMessage());
        }
    }

    /** Jobs the broker did not confirm, and jobs held back for their owner's share that now have room. */
    @Scheduled(every = "${gateway.publish.sweep-every}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void publishPending() {
        whileStorageUp("Publishing pending jobs", () -> {
            Instant now = Instant.now();
            jobs.ownersWithPending().forEach(this::publishWithinShare);
            for (Job job : jobs.findUnannouncedDone(now.minus(config.publish().retryAfter()), 100)) {
                if (jobs.claimPublication(job.id(), now, now.plus(config.publish().retryAfter()))) {
                    announceDone(job);
                }
            }
            for (Job job : jobs.findUnannouncedCancelled(now.minus(config.publish().retryAfter()), 100)) {
                if (jobs.claimPublication(job.id(), now, now.plus(config.publish().retryAfter()))) {
                    announceCancel(job.id());
                }
            }
        });
    }

    /**
     * Applies a converter event. While storage is unreachable the event waits here, with a growing delay,
     * instead of going back to the broker at once (which would spend its delivery limit in seconds); the
     * consumer's other deliveries wait behind it. Budget: {@code JobService/apply/Retry/maxDuration}.
     */
    @Retry(retryOn = MongoException.class, maxRetries = -1, delay = 500, jitter = 200, maxDuration = 15,
            durationUnit = ChronoUnit.MINUTES)
    @ExponentialBackoff(maxDelay = 30, maxDelayUnit = ChronoUnit.SECONDS)
    public void apply(JobEvent event) {
        Instant at = event.occurredAt() == null ? Instant.now() : event.occurredAt();
        switch (event.type()) {
            case STARTED -> jobs.markStarted(event.jobId(), at);
            case PROGRESS -> jobs.markProgress(event.jobId(), event.progress() == null ? 0 : event.progress());
            case DONE -> {
                jobs.markDone(event.jobId(), event.mp3Id(), event.mp3Size() == null ? 0 : event.mp3Size(),
                        event.durationSeconds() == null ? 0 : event.durationSeconds(), at);
                ended(event.jobId());
            }
            case FAILED -> {
                jobs.markFailed(event.jobId(), event.reason() == null ? "conversion failed" : event.reason(), at);
                ended(event.jobId());
            }
        }
    }

    /**
     * A job that ended no longer needs its video (the MP3 is stored, and a redelivered request finds it and
     * converts nothing; or the video could not be converted), and leaves room for its owner's next job.
     * Idempotent, like the events.
     */
    private void ended(String jobId) {
        jobs.find(jobId).ifPresent(job -> {
            webhooks.jobEnded(job);
            storage.deleteVideo(job.videoId());
            if (job.status() == JobStatus.CANCELLED) {
                storage.deleteMp3sOfJob(jobId); // it finished in the instant it was cancelled: not wanted
            }
            publishWithinShare(job.owner());
        });
    }

    public Optional<Job> find(String jobId, String owner) {
        return jobs.findOwned(jobId, owner);
    }

    public Job get(String jobId, String owner) {
        return jobs.findOwned(jobId, owner).orElseThrow(ApiException::notFound);
    }

    public List<Job> list(String owner, int page, int size) {
        return jobs.listOwned(owner, page, size);
    }

    public long count(String owner) {
        return jobs.countOwned(owner);
    }

    /** The MP3 of a finished job, by MP3 id (the course's fid) or job id; 404 for other users' ids. */
    public Mp3Download mp3(String mp3OrJobId, String owner) {
        Job job = jobs.findOwnedByMp3Id(mp3OrJobId, owner)
                .or(() -> jobs.findOwned(mp3OrJobId, owner))
                .orElseThrow(ApiException::notFound);
        if (job.status() != JobStatus.DONE) {
            throw new ApiException(409, "the MP3 is not ready: job is " + job.status()
                    + (job.status() == JobStatus.FAILED ? " (" + job.reason() + ")" : ""));
        }
        GridFSFile file = storage.findMp3(job.mp3Id()).orElseThrow(ApiException::notFound);
        return new Mp3Download(job, file);
    }

    /** The MP3 of a DONE job if it is still that job's MP3 (a one-click link names both). */
    public Optional<Mp3Download> linkedMp3(String jobId, String mp3Id) {
        return jobs.find(jobId)
                .filter(job -> job.status() == JobStatus.DONE && mp3Id.equals(job.mp3Id()))
                .flatMap(job -> storage.findMp3(job.mp3Id()).map(file -> new Mp3Download(job, file)));
    }

    public void delete(String jobId, String owner) {
        Job job = get(jobId, owner);
        deleteWithFiles(job);
    }

    /**
     * The job's holds on MP3s go first (each MP3 with its last holder), then the video, then the record, so a failed
     * delete can simply be repeated; the retention pass takes the same path.
     */
    private void deleteWithFiles(Job job) {
        storage.releaseMp3s(job.id(), job.mp3Id(), jobs::idsNamingMp3);
        storage.deleteVideo(job.videoId());
        jobs.delete(job.id());
        Log.infof("Deleted job %s and its files", job.id());
    }

    @Scheduled(every = "${gateway.orphan-chunks.sweep-every}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void deleteOrphanChunks() {
        whileStorageUp("Orphan chunk sweep", () -> {
            List<String> dead = storage.deleteDeadUploads();
            if (!dead.isEmpty()) {
                jobs.deleteUnfinishedUploads(dead);
                Log.infof("Removed %d uploads (and their jobs) that a stopped gateway left unfinished", dead.size());
            }
            int deleted = storage.deleteAbandonedChunks(Instant.now().minus(config.orphanChunks().grace()));
            if (deleted > 0) {
                Log.infof("Removed the chunks of %d uploads that a stopped process left unfinished", deleted);
            }
            int unheld = storage.deleteUnheldMp3s();
            if (unheld > 0) {
                Log.infof("Removed %d MP3s whose last job was deleted midway", unheld);
            }
        });
    }

    @Scheduled(every = "${gateway.retention-pass-every}", delayed = "5m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void expireOldJobs() {
        whileStorageUp("Retention", () -> {
            List<Job> expired;
            do {
                expired = jobs.findCreatedBefore(Instant.now().minus(config.retention()), 100);
                expired.forEach(this::deleteWithFiles);
            } while (!expired.isEmpty());
        });
    }

    /** A scheduled pass that finds storage down is skipped with one line; the next pass tries again. */
    private static void whileStorageUp(String task, Runnable pass) {
        try {
            pass.run();
        } catch (MongoException e) {
            Log.warnf("%s skipped, storage unavailable: %s", task, e.getMessage());
        }
    }
}
