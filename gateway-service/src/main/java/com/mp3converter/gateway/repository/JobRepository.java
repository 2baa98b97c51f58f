package com.mp3converter.gateway.repository;

import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mp3converter.contracts.ConversionOptions;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import org.bson.Document;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;

/**
 * Job records in MongoDB. Every read by a user goes through (id, owner), so another user's job is
 * indistinguishable from a missing one. Status changes are conditional updates, which makes the
 * event handlers idempotent and immune to out-of-order delivery.
 */
@ApplicationScoped
public class JobRepository {

    private final MongoCollection<Job> jobs;

    JobRepository(MongoClient mongo, @ConfigProperty(name = "quarkus.mongodb.database") String database) {
        // The driver's record codec maps Job and its options (nulls left out, unknown fields skipped).
        this.jobs = mongo.getDatabase(database).getCollection("jobs", Job.class)
                .withCodecRegistry(MongoClientSettings.getDefaultCodecRegistry());
    }

    void createIndexes(@Observes StartupEvent start) {
        jobs.createIndex(Indexes.compoundIndex(Indexes.ascending("owner"), Indexes.descending("createdAt")));
        jobs.createIndex(Indexes.ascending("mp3Id"), new IndexOptions().sparse(true));
        jobs.createIndex(Indexes.ascending("published", "createdAt"));
        jobs.createIndex(Indexes.ascending("owner", "published", "status"));
        jobs.createIndex(Indexes.ascending("owner", "sha256"));
    }

    public void insert(Job job) {
        jobs.insertOne(job);
    }

    public Optional<Job> find(String id) {
        return Optional.ofNullable(jobs.find(Filters.eq("_id", id)).first());
    }

    public Optional<Job> findOwned(String id, String owner) {
        return Optional.ofNullable(jobs.find(Filters.and(Filters.eq("_id", id), Filters.eq("owner", owner))).first());
    }

    public Optional<Job> findOwnedByMp3Id(String mp3Id, String owner) {
        return Optional.ofNullable(jobs.find(Filters.and(Filters.eq("mp3Id", mp3Id), Filters.eq("owner", owner))).first());
    }

    /** The owner's DONE jobs of a video with these bytes (any options). */
    /** True if the owner has a DONE job whose upload began with the same bytes and options. */
    public boolean hasDoneWithHead(String owner, String headSha256, ConversionOptions options) {
        return jobs.countDocuments(Filters.and(Filters.eq("owner", owner), Filters.eq("headSha256", headSha256),
                Filters.eq("status", JobStatus.DONE.name()), Filters.eq("options", options))) > 0;
    }

    /** Keeps a pending job from being published (claimed far ahead) until {@link #releaseHold}. */
    public void hold(String id, Instant until) {
        jobs.updateOne(Filters.eq("_id", id), Updates.set("publishClaimedUntil", Date.from(until)));
    }

    public void releaseHold(String id) {
        jobs.updateOne(Filters.eq("_id", id), Updates.unset("publishClaimedUntil"));
    }

    public List<Job> findDoneOfVideo(String owner, String sha256) {
        return jobs.find(Filters.and(Filters.eq("owner", owner), Filters.eq("sha256", sha256),
                Filters.eq("status", JobStatus.DONE.name()))).into(new ArrayList<>());
    }

    /** The owner's jobs, newest first. */
    public List<Job> listOwned(String owner, int page, int size) {
        return jobs.find(Filters.eq("owner", owner)).sort(Sorts.descending("createdAt"))
                .skip(page * size).limit(size).into(new ArrayList<>());
    }

    /** Jobs of every user waiting for a converter that were created before {@code createdAt}. */
    public long countQueuedBefore(Instant createdAt) {
        return jobs.countDocuments(Filters.and(Filters.eq("status", JobStatus.QUEUED.name()), Filters.lt("createdAt", Date.from(createdAt))));
    }

    /** The owner's jobs waiting for or in a conversion. */
    public long countActive(String owner) {
        return jobs.countDocuments(Filters.and(Filters.eq("owner", owner),
                Filters.in("status", JobStatus.QUEUED.name(), JobStatus.CONVERTING.name())));
    }

    /** What the owner's jobs keep stored: the video while it waits or converts, then the MP3 (three fields read per job). */
    public long storedBytes(String owner) {
        long bytes = 0;
        for (Document job : jobs.withDocumentClass(Document.class).find(Filters.eq("owner", owner))
                .projection(Projections.include("status", "size", "mp3Size"))) {
            String field = switch (JobStatus.valueOf(job.getString("status"))) {
                case QUEUED, CONVERTING -> "size";
                case DONE -> "mp3Size";
                case FAILED, CANCELLED -> null;
            };
            if (field != null && job.get(field) instanceof Number stored) {
                bytes += stored.longValue();
            }
        }
        return bytes;
    }

    public long countConverting() {
        return jobs.countDocuments(Filters.eq("status", JobStatus.CONVERTING.name()));
    }

    /** The most recently finished conversions (DONE, with a start), newest first. */
    public List<Job> recentConversions(int limit) {
        return jobs.find(Filters.and(Filters.eq("status", JobStatus.DONE.name()), Filters.ne("startedAt", null)))
                .sort(Sorts.descending("finishedAt")).limit(limit).into(new ArrayList<>());
    }

    public long countOwned(String owner) {
        return jobs.countDocuments(Filters.eq("owner", owner));
    }

    public void markPublished(String id) {
        jobs.updateOne(Filters.eq("_id", id), Updates.set("published", true));
    }

    /** The owner's unfinished jobs whose request is at the broker, or being published (a live claim). */
    public long countInFlight(String owner, Instant now) {
        return jobs.countDocuments(Filters.and(Filters.eq("owner", owner),
                Filters.in("status", JobStatus.QUEUED.name(), JobStatus.CONVERTING.name()),
                Filters.or(Filters.eq("published", true), Filters.gt("publishClaimedUntil", Date.from(now)))));
    }

    /** The owner's waiting jobs whose request the broker has not confirmed (or that were held back), oldest first. */
    public List<Job> findPendingOf(String owner, int limit) {
        return jobs.find(Filters.and(Filters.eq("owner", owner), Filters.eq("published", false),
                Filters.eq("status", JobStatus.QUEUED.name()))).sort(Sorts.ascending("createdAt")).limit(limit).into(new ArrayList<>());
    }

    public List<String> ownersWithPending() {
        return jobs.distinct("owner", Filters.and(Filters.eq("published", false), Filters.eq("status", JobStatus.QUEUED.name())),
                String.class).into(new ArrayList<>());
    }

    /** DONE jobs (repeats answered from an earlier MP3) whose DONE event the broker has not confirmed. */
    public List<Job> findUnannouncedDone(Instant before, int limit) {
        return jobs.find(Filters.and(Filters.eq("published", false), Filters.eq("status", JobStatus.DONE.name()),
                Filters.lt("createdAt", Date.from(before)))).limit(limit).into(new ArrayList<>());
    }

    /** Takes the right to publish a pending job until {@code until}; false if another replica holds it. */
    public boolean claimPublication(String id, Instant now, Instant until) {
        return jobs.updateOne(Filters.and(Filters.eq("_id", id), Filters.eq("published", false),
                        Filters.or(Filters.exists("publishClaimedUntil", false), Filters.lt("publishClaimedUntil", Date.from(now)))),
                Updates.set("publishClaimedUntil", Date.from(until))).getModifiedCount() == 1;
    }

    public List<Job> findCreatedBefore(Instant before, int limit) {
        return jobs.find(Filters.lt("createdAt", Date.from(before))).limit(limit)
                .into(new ArrayList<>());
    }

    public void delete(String id) {
        jobs.deleteOne(Filters.eq("_id", id));
    }

    /** The jobs that serve this MP3 (a repeated upload shares its earlier job's). */
    public List<String> idsNamingMp3(String mp3Id) {
        return jobs.withDocumentClass(Document.class).find(Filters.eq("mp3Id", mp3Id)).projection(Projections.include("_id"))
                .map(job -> job.getString("_id")).into(new ArrayList<>());
    }

    /** The upload's facts, known at its end; the status is the converter's to move meanwhile. */
    public void markUploaded(String id, long size, String sha256, ConversionOptions options, String callbackUrl, Instant at) {
        jobs.updateOne(Filters.eq("_id", id), Updates.combine(Updates.set("size", size), Updates.set("sha256", sha256),
                Updates.set("options", options), Updates.set("callbackUrl", callbackUrl), Updates.set("uploadedAt", Date.from(at))));
    }

    /** Jobs whose upload never ended (its process died midway), by video. */
    public void deleteUnfinishedUploads(List<String> videoIds) {
        jobs.deleteMany(Filters.and(Filters.in("videoId", videoIds), Filters.eq("uploadedAt", null)));
    }

    public void markStarted(String id, Instant at) {
        jobs.updateOne(Filters.and(Filters.eq("_id", id), Filters.eq("status", JobStatus.QUEUED.name())),
                Updates.combine(Updates.set("status", JobStatus.CONVERTING.name()), Updates.set("startedAt", Date.from(at)),
                        Updates.set("progress", 0), Updates.set("published", true)));
    }

    public void markProgress(String id, int progress) {
        jobs.updateOne(Filters.and(Filters.eq("_id", id), Filters.eq("status", JobStatus.CONVERTING.name()),
                        Filters.lt("progress", progress)),
                Updates.set("progress", progress));
    }

    /** Cancelled by its owner while waiting or converting; the cancellation is announced next (published false). */
    public boolean markCancelled(String id, Instant at) {
        return jobs.updateOne(Filters.and(Filters.eq("_id", id), Filters.in("status", JobStatus.QUEUED.name(), JobStatus.CONVERTING.name())),
                Updates.combine(Updates.set("status", JobStatus.CANCELLED.name()), Updates.set("reason", "cancelled by its owner"),
                        Updates.set("finishedAt", Date.from(at)), Updates.set("published", false))).getModifiedCount() == 1;
    }

    /** CANCELLED jobs whose cancellation the broker has not confirmed. */
    public List<Job> findUnannouncedCancelled(Instant before, int limit) {
        return jobs.find(Filters.and(Filters.eq("published", false), Filters.eq("status", JobStatus.CANCELLED.name()),
                Filters.lt("finishedAt", Date.from(before)))).limit(limit).into(new ArrayList<>());
    }

    /**
     * DONE stands against anything but a cancellation (a stored MP3 is the converters' final word); published
     * false when it is still to be announced.
     */
    public void markDone(String id, String mp3Id, long mp3Size, double durationSeconds, Instant at) {
        markDone(id, mp3Id, mp3Size, durationSeconds, at, true);
    }

    /** False if the job is gone or ended already (DONE, or CANCELLED by its owner). */
    public boolean markDone(String id, String mp3Id, long mp3Size, double durationSeconds, Instant at, boolean announced) {
        return jobs.updateOne(Filters.and(Filters.eq("_id", id), Filters.nin("status", JobStatus.DONE.name(), JobStatus.CANCELLED.name())),
                Updates.combine(Updates.set("status", JobStatus.DONE.name()), Updates.set("progress", 100),
                        Updates.set("mp3Id", mp3Id), Updates.set("mp3Size", mp3Size),
                        Updates.set("durationSeconds", durationSeconds), Updates.set("finishedAt", Date.from(at)),
                        Updates.unset("reason"), Updates.set("published", announced))).getModifiedCount() == 1;
    }

    public void markFailed(String id, String reason, Instant at) {
        jobs.updateOne(Filters.and(Filters.eq("_id", id),
                        Filters.in("status", JobStatus.QUEUED.name(), JobStatus.CONVERTING.name())),
                Updates.combine(Updates.set("status", JobStatus.FAILED.name()), Updates.set("reason", reason),
                        Updates.set("finishedAt", Date.from(at)), Updates.set("published", true)));
    }
}
