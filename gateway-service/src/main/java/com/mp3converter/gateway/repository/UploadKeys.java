package com.mp3converter.gateway.repository;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ReplaceOptions;
import com.mp3converter.gateway.config.GatewayConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.bson.Document;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.util.Date;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Idempotency-Key of uploads: one document per (user, key), naming the job it made and the sha256 of its
 * body, kept for the configured window (TTL index). The unique _id decides a race between two uploads
 * with the same key.
 */
@ApplicationScoped
public class UploadKeys {

    /** What the key stood for: the job it made and the body that made it. */
    public record Earlier(String jobId, String sha256) {
    }

    private final MongoCollection<Document> keys;
    private final Duration window;

    UploadKeys(MongoClient mongo, @ConfigProperty(name = "quarkus.mongodb.database") String database, GatewayConfig config) {
        this.keys = mongo.getDatabase(database).getCollection("upload_keys");
        this.window = config.upload().idempotencyWindow();
    }

    void createIndexes(@Observes StartupEvent start) {
        keys.createIndex(Indexes.ascending("createdAt"), new IndexOptions().expireAfter(window.toSeconds(), TimeUnit.SECONDS));
    }

    /** Records the key for this job, unless the user used it within the window: then what it was used for. */
    public Optional<Earlier> claim(String owner, String key, String jobId, String sha256) {
        try {
            keys.insertOne(document(owner, key, jobId, sha256));
            return Optional.empty();
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                throw e;
            }
        }
        Document earlier = keys.find(Filters.eq("_id", id(owner, key))).first();
        return earlier == null ? claim(owner, key, jobId, sha256)
                : Optional.of(new Earlier(earlier.getString("jobId"), earlier.getString("sha256")));
    }

    /** The key's job is gone (deleted): the key now stands for this one. */
    public void replace(String owner, String key, String jobId, String sha256) {
        keys.replaceOne(Filters.eq("_id", id(owner, key)), document(owner, key, jobId, sha256), new ReplaceOptions().upsert(true));
    }

    private static Document document(String owner, String key, String jobId, String sha256) {
        return new Document("_id", id(owner, key)).append("jobId", jobId).append("sha256", sha256).append("createdAt", new Date());
    }

    private static String id(String owner, String key) {
        return owner + "/" + key;
    }
}
