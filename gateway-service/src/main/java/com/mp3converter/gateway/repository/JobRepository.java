package com.mp3converter.gateway.repository;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import com.mp3converter.gateway.service.ConversionOptions;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.bson.Document;

import org.eclipse.microprofile.config.inject.ConfigProperty;

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

    private final MongoCollection<Document> jobs;

    JobRepository(MongoClient mongo, @ConfigProperty(name = "quarkus.mongodb.database") String database) {
        this.jobs = mongo.getDatabase(database).getCollection("jobs");
    }

    void createIndexes(@Observes StartupEvent start) {
        jobs.createIndex(Indexes.compoundIndex(Indexes.ascending("owner"), Indexes.descending("createdAt")));
        jobs.createIndex(Indexes.ascending("mp3Id"), new IndexOptions().sparse(true));
        jobs.createIndex(Indexes.ascending("published", "createdAt"));
    }

    public void insert(Job job) {
        jobs.insertOne(toDocument(job));
    }

    public Optional<Job> find(String id) {
        return Optional.ofNullable(jobs.find(Filters.eq("_id", id)).first()).map(JobRepository::fromDocument);
    }

    public Optional<Job> findOwned(String id, String owner) {
        return Optional.ofNullable(jobs.find(Filters.and(Filters.eq("_id", id), Filters.eq("owner", owner))).first())
                .map(JobRepository::fromDocument);
    }

    public Optional<Job> findOwnedByMp3Id(String mp3Id, String owner) {
        return Optional.ofNullable(jobs.find(Filters.and(Filters.eq("mp3Id", mp3Id), Filters.eq("owner", owner))).first())
                .map(JobRepository::fromDocument);
    }

    /** The owner's jobs, newest first. */
    public List<Job> listOwned(String owner, int page, int size) {
        return jobs.find(Filters.eq("owner", owner)).sort(Sorts.descending("createdAt"))
                .skip(page * size).limit(size).map(JobRepository::fromDocument).into(new ArrayList<>());
    }

    public long countOwned(String owner) {
        return jobs.countDocuments(Filters.eq("owner", owner));
    }

    public void markPublished(String id) {
        jobs.updateOne(Filters.eq("_id", id), Updates.set("published", true));
    }

    /** Jobs whose conversion request the broker has not confirmed, created before the given instant. */
    public List<Job> findUnpublishedBefore(Instant before, int limit) {
        return jobs.find(Filters.and(Filters.eq("published", false), Filters.lt("createdAt", Date.from(before))))
                .sort(Sorts.ascending("createdAt")).limit(limit).map(JobRepository::fromDocument).into(new ArrayList<>());
    }

    /** Takes the right to publish a pending job until {@code until}; false if another replica holds it. */
    public boolean claimPublication(String id, Instant now, Instant until) {
        return jobs.updateOne(Filters.and(Filters.eq("_id", id), Filters.eq("published", false),
                        Filters.or(Filters.exists("publishClaimedUntil", false), Filters.lt("publishClaimedUntil", Date.from(now)))),
                Updates.set("publishClaimedUntil", Date.from(until))).getModifiedCount() == 1;
    }

    public List<Job> findCreatedBefore(Instant before, int limit) {
        return jobs.find(Filters.lt("createdAt", Date.from(before))).limit(limit)
                .map(JobRepository::fromDocument).into(new ArrayList<>());
    }

    public void delete(String id) {
        jobs.deleteOne(Filters.eq("_id", id));
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

    public void markDone(String id, String mp3Id, long mp3Size, double durationSeconds, Instant at) {
        jobs.updateOne(Filters.and(Filters.eq("_id", id), Filters.ne("status", JobStatus.DONE.name())),
                Updates.combine(Updates.set("status", JobStatus.DONE.name()), Updates.set("progress", 100),
                        Updates.set("mp3Id", mp3Id), Updates.set("mp3Size", mp3Size),
                        Updates.set("durationSeconds", durationSeconds), Updates.set("finishedAt", Date.from(at)),
                        Updates.unset("reason"), Updates.set("published", true)));
    }

    public void markFailed(String id, String reason, Instant at) {
        jobs.updateOne(Filters.and(Filters.eq("_id", id),
                        Filters.in("status", JobStatus.QUEUED.name(), JobStatus.CONVERTING.name())),
                Updates.combine(Updates.set("status", JobStatus.FAILED.name()), Updates.set("reason", reason),
                        Updates.set("finishedAt", Date.from(at)), Updates.set("published", true)));
    }

    private static Document toDocument(Job job) {
        ConversionOptions o = job.options();
        Document options = new Document();
        putIfSet(options, "bitrateKbps", o.bitrateKbps());
        putIfSet(options, "vbrQuality", o.vbrQuality());
        putIfSet(options, "sampleRate", o.sampleRate());
        putIfSet(options, "channels", o.channels());
        putIfSet(options, "startSeconds", o.startSeconds());
        putIfSet(options, "endSeconds", o.endSeconds());
        Document doc = new Document("_id", job.id())
                .append("owner", job.owner())
                .append("ownerEmail", job.ownerEmail())
                .append("originalFilename", job.originalFilename())
                .append("container", job.container())
                .append("videoId", job.videoId())
                .append("size", job.size())
                .append("sha256", job.sha256())
                .append("options", options)
                .append("status", job.status().name())
                .append("progress", job.progress())
                .append("createdAt", Date.from(job.createdAt()))
                .append("published", job.published());
        putIfSet(doc, "reason", job.reason());
        putIfSet(doc, "mp3Id", job.mp3Id());
        return doc;
    }

    private static Job fromDocument(Document d) {
        Document o = d.get("options", new Document());
        ConversionOptions options = new ConversionOptions(o.getInteger("bitrateKbps"), o.getInteger("vbrQuality"),
                o.getInteger("sampleRate"), o.getInteger("channels"), o.getDouble("startSeconds"), o.getDouble("endSeconds"));
        return new Job(d.getString("_id"), d.getString("owner"), d.getString("ownerEmail"),
                d.getString("originalFilename"), d.getString("container"), d.getString("videoId"),
                ((Number) d.get("size")).longValue(), d.getString("sha256"), options,
                JobStatus.valueOf(d.getString("status")), d.getInteger("progress", 0), d.getString("reason"),
                instant(d, "createdAt"), instant(d, "startedAt"), instant(d, "finishedAt"), d.getString("mp3Id"),
                d.get("mp3Size") == null ? null : ((Number) d.get("mp3Size")).longValue(),
                d.get("durationSeconds") == null ? null : ((Number) d.get("durationSeconds")).doubleValue(),
                d.getBoolean("published", false));
    }

    private static Instant instant(Document d, String key) {
        Date date = d.getDate(key);
        return date == null ? null : date.toInstant();
    }

    private static void putIfSet(Document doc, String key, Object value) {
        if (value != null) {
            doc.append(key, value);
        }
    }

}
