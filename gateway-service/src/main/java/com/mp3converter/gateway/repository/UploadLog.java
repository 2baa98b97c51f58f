package com.mp3converter.gateway.repository;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Sorts;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.bson.Document;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * When each user started uploads (collection "upload_log", kept an hour by a TTL index): the hourly quota
 * counts these, so deleting jobs does not give uploads back.
 */
@ApplicationScoped
public class UploadLog {

    public static final Duration WINDOW = Duration.ofHours(1);

    private final MongoCollection<Document> log;

    UploadLog(MongoClient mongo, @ConfigProperty(name = "quarkus.mongodb.database") String database) {
        this.log = mongo.getDatabase(database).getCollection("upload_log");
    }

    void createIndexes(@Observes StartupEvent start) {
        log.createIndex(Indexes.ascending("at"), new IndexOptions().expireAfter(WINDOW.toSeconds(), TimeUnit.SECONDS));
        log.createIndex(Indexes.ascending("owner", "at"));
    }

    public void record(String owner, Instant at) {
        log.insertOne(new Document("owner", owner).append("at", Date.from(at)));
    }

    public long countSince(String owner, Instant since) {
        return log.countDocuments(Filters.and(Filters.eq("owner", owner), Filters.gt("at", Date.from(since))));
    }

    /** The oldest upload still in the window: the next one is allowed an hour after it. */
    public Optional<Instant> oldestSince(String owner, Instant since) {
        Document oldest = log.find(Filters.and(Filters.eq("owner", owner), Filters.gt("at", Date.from(since))))
                .sort(Sorts.ascending("at")).first();
        return Optional.ofNullable(oldest).map(d -> d.getDate("at").toInstant());
    }
}
