package com.mp3converter.converter.repository;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import com.mp3converter.converter.config.ConverterConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One document per job in "conversions": the lease of the worker converting it (holder, expiresAt) and,
 * once known, the job's outcome, decided once. Every delivery claims with its own token, so a redelivery
 * to the same process is as much a stranger to a running conversion as one to another process.
 */
@ApplicationScoped
public class JobLeases {

    /** CANCELLED: by the job's owner, or the video was removed (the job cancelled or deleted); nothing to announce. */
    public enum Outcome { DONE, FAILED, CANCELLED }

    /** What a delivery found when it asked for the job. */
    public sealed interface Claim {
        /** This delivery holds the lease; {@code awaitingUpload}: an earlier one let go of the job until its upload completes. */
        record Taken(String token, boolean awaitingUpload) implements Claim {
        }

        /** Another delivery holds it; it runs out after {@code remaining} unless renewed. */
        record HeldElsewhere(Duration remaining) implements Claim {
        }

        /** The job's outcome was decided already. */
        record Decided(Outcome outcome, String reason) implements Claim {
        }
    }

    /** Names this process in lease holders: host/pid. */
    private static final String PROCESS = ManagementFactory.getRuntimeMXBean().getName().replaceFirst("^(\\d+)@(.*)$", "$2/$1");

    private final MongoCollection<Document> conversions;
    private final Duration ttl;
    private final Duration retention;

    JobLeases(MongoClient mongo, @ConfigProperty(name = "quarkus.mongodb.database") String database, ConverterConfig config) {
        this.conversions = mongo.getDatabase(database).getCollection("conversions");
        this.ttl = config.lease().ttl();
        this.retention = config.outcomeRetention();
    }

    void createIndexes(@Observes StartupEvent start) {
        conversions.createIndex(Indexes.ascending("updatedAt"),
                new IndexOptions().expireAfter(retention.toSeconds(), TimeUnit.SECONDS));
    }

    /** Takes the lease unless another delivery holds a live one or the outcome is decided. */
    public Claim claim(String jobId) {
        String token = PROCESS + "#" + UUID.randomUUID();
        Date now = new Date();
        Bson free = Filters.and(Filters.eq("_id", jobId), Filters.exists("outcome", false), Filters.lt("expiresAt", now));
        Document taken = upsertReturning(free, Updates.combine(Updates.set("holder", token), Updates.set("expiresAt", expiry()),
                Updates.set("updatedAt", now)));
        if (taken != null) {
            return new Claim.Taken(token, taken.getBoolean("awaitingUpload", false));
        }
        return current(jobId);
    }

    /** Extends the lease; false when it is no longer this token's (taken over after it ran out). */
    public boolean renew(String jobId, String token) {
        return conversions.updateOne(held(jobId, token), Updates.combine(Updates.set("expiresAt", expiry()),
                Updates.set("updatedAt", new Date()))).getMatchedCount() == 1;
    }

    /** Gives the lease up at once (the job will be retried), so the retry need not wait for it to run out. */
    public void release(String jobId, String token) {
        conversions.updateOne(held(jobId, token), Updates.combine(Updates.unset("holder"),
                Updates.set("expiresAt", new Date(0)), Updates.set("updatedAt", new Date())));
    }

    /**
     * Gives the lease up at once and marks the job as waiting for its upload to complete: the next deliveries do
     * not wait on the upload again while it arrives.
     */
    public void releaseUntilUploaded(String jobId, String token) {
        conversions.updateOne(held(jobId, token), Updates.combine(Updates.unset("holder"), Updates.set("awaitingUpload", true),
                Updates.set("expiresAt", new Date(0)), Updates.set("updatedAt", new Date())));
    }

    /**
     * The MP3 is stored: the job is DONE for good, whatever was decided or held before, unless it was cancelled.
     * @return false if it was cancelled (the MP3 is not wanted)
     */
    public boolean decideDone(String jobId) {
        return upsert(Filters.and(Filters.eq("_id", jobId), Filters.ne("outcome", Outcome.CANCELLED.name())), decision(Outcome.DONE, null));
    }

    /** Cancels the job unless its outcome is decided already; true if it is CANCELLED now. */
    public boolean decideCancelled(String jobId, String reason) {
        return upsert(Filters.and(Filters.eq("_id", jobId), Filters.exists("outcome", false)), decision(Outcome.CANCELLED, reason))
                || current(jobId) instanceof Claim.Decided decided && decided.outcome() == Outcome.CANCELLED;
    }

    /**
     * Fails the job if no outcome exists yet and {@code token} holds the lease (null: if nobody holds a live
     * one). Returns what stands afterwards: this decision, an earlier one, or a live lease elsewhere.
     */
    public Claim decideFailed(String jobId, String token, String reason) {
        Bson undecided = Filters.and(Filters.eq("_id", jobId), Filters.exists("outcome", false));
        Bson mine = token != null ? Filters.eq("holder", token) : Filters.lt("expiresAt", new Date());
        if (upsert(Filters.and(undecided, mine), decision(Outcome.FAILED, reason))) {
            return new Claim.Decided(Outcome.FAILED, reason);
        }
        return current(jobId);
    }

    private Claim current(String jobId) {
        Document doc = conversions.find(Filters.eq("_id", jobId)).first();
        if (doc == null) {
            return new Claim.HeldElsewhere(Duration.ZERO); // released a moment ago: try again
        }
        if (doc.getString("outcome") != null) {
            return new Claim.Decided(Outcome.valueOf(doc.getString("outcome")), doc.getString("reason"));
        }
        Date expires = doc.getDate("expiresAt");
        return new Claim.HeldElsewhere(expires == null ? Duration.ZERO
                : Duration.ofMillis(Math.max(0, expires.getTime() - System.currentTimeMillis())));
    }

    /** Updates the document matching {@code filter}, or inserts it; false if it exists but does not match. */
    private boolean upsert(Bson filter, Bson update) {
        return upsertReturning(filter, update) != null;
    }

    /** The document after the update, or null if it exists but does not match. */
    private Document upsertReturning(Bson filter, Bson update) {
        try {
            return conversions.findOneAndUpdate(filter, update, new FindOneAndUpdateOptions().upsert(true).returnDocument(ReturnDocument.AFTER));
        } catch (MongoCommandException e) {
            if (ErrorCategory.fromErrorCode(e.getErrorCode()) == ErrorCategory.DUPLICATE_KEY) {
                return null;
            }
            throw e;
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
                return null;
            }
            throw e;
        }
    }

    private static Bson held(String jobId, String token) {
        return Filters.and(Filters.eq("_id", jobId), Filters.eq("holder", token), Filters.exists("outcome", false));
    }

    private static Bson decision(Outcome outcome, String reason) {
        return Updates.combine(Updates.set("outcome", outcome.name()), reason == null ? Updates.unset("reason") : Updates.set("reason", reason),
                Updates.unset("holder"), Updates.set("expiresAt", new Date(0)), Updates.set("updatedAt", new Date()));
    }

    private Date expiry() {
        return Date.from(Instant.now().plus(ttl));
    }
}
