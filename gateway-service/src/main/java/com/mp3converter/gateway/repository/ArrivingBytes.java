package com.mp3converter.gateway.repository;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.bson.Document;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Instant;
import java.util.Date;
import java.util.concurrent.TimeUnit;

/**
 * Bytes of uploads still arriving, per upload (collection "arriving_bytes", keyed by job id), so the stored-bytes
 * quota counts them on every gateway replica: each upload adds what it stored, then reads the sum of its owner's.
 * A record not refreshed by {@code expiresAt} belongs to a gateway that died mid-upload: it no longer counts, and
 * MongoDB's TTL monitor removes it.
 */
@ApplicationScoped
public class ArrivingBytes {

    private final MongoCollection<Document> arriving;

    ArrivingBytes(MongoClient mongo, @ConfigProperty(name = "quarkus.mongodb.database") String database) {
        this.arriving = mongo.getDatabase(database).getCollection("arriving_bytes");
    }

    void createIndexes(@Observes StartupEvent start) {
        arriving.createIndex(Indexes.ascending("owner", "expiresAt"));
        arriving.createIndex(Indexes.ascending("expiresAt"), new IndexOptions().expireAfter(0L, TimeUnit.SECONDS));
    }

    /** Adds {@code bytes} to the upload's count (made on first use) and keeps it counted until {@code until}. */
    public void add(String jobId, String owner, long bytes, Instant until) {
        arriving.updateOne(Filters.eq("_id", jobId), Updates.combine(Updates.setOnInsert("owner", owner), Updates.inc("bytes", bytes),
                Updates.set("expiresAt", Date.from(until))), new UpdateOptions().upsert(true));
    }

    /** What the owner's uploads still arriving have stored, live records only. */
    public long sum(String owner, Instant now) {
        long bytes = 0;
        for (Document upload : arriving.find(Filters.and(Filters.eq("owner", owner), Filters.gt("expiresAt", Date.from(now))))) {
            if (upload.get("bytes") instanceof Number stored) {
                bytes += stored.longValue();
            }
        }
        return bytes;
    }

    /** The upload ended (its bytes now count as its job's, or were dropped). */
    public void remove(String jobId) {
        arriving.deleteOne(Filters.eq("_id", jobId));
    }
}
