package com.mp3converter.gateway.repository;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import com.mp3converter.gateway.config.GatewayConfig;
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
 * Webhook deliveries (collection "webhook_deliveries"), one per job end, keyed by the event id so a redelivered
 * event enqueues nothing twice. Kept in MongoDB, so what a gateway had in hand when it stopped is taken up by
 * the next one to look (a claim lasts a few timeouts). Records expire with the retention.
 */
@ApplicationScoped
public class WebhookDeliveries {

    public enum State { PENDING, DELIVERED, GAVE_UP }

    public record Delivery(String id, String jobId, String owner, String url, String payload, Instant createdAt, int attempts) {
    }

    private final MongoCollection<Document> deliveries;
    private final Duration retention;

    WebhookDeliveries(MongoClient mongo, @ConfigProperty(name = "quarkus.mongodb.database") String database, GatewayConfig config) {
        this.deliveries = mongo.getDatabase(database).getCollection("webhook_deliveries");
        this.retention = config.retention();
    }

    void createIndexes(@Observes StartupEvent start) {
        deliveries.createIndex(Indexes.ascending("state", "nextAttemptAt"));
        deliveries.createIndex(Indexes.ascending("createdAt"), new IndexOptions().expireAfter(retention.toSeconds(), TimeUnit.SECONDS));
    }

    /** False if this event was enqueued already. */
    public boolean enqueue(Delivery delivery) {
        try {
            deliveries.insertOne(new Document("_id", delivery.id()).append("jobId", delivery.jobId()).append("owner", delivery.owner())
                    .append("url", delivery.url()).append("payload", delivery.payload()).append("createdAt", Date.from(delivery.createdAt()))
                    .append("attempts", 0).append("state", State.PENDING.name()).append("nextAttemptAt", Date.from(delivery.createdAt())));
            return true;
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                throw e;
            }
            return false;
        }
    }

    /** Takes one due delivery until {@code until} (another gateway takes it after that). */
    public Optional<Delivery> claimDue(Instant now, Instant until) {
        Document claimed = deliveries.findOneAndUpdate(
                Filters.and(Filters.eq("state", State.PENDING.name()), Filters.lte("nextAttemptAt", Date.from(now))),
                Updates.set("nextAttemptAt", Date.from(until)), new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER));
        return Optional.ofNullable(claimed).map(d -> new Delivery(d.getString("_id"), d.getString("jobId"), d.getString("owner"),
                d.getString("url"), d.getString("payload"), d.getDate("createdAt").toInstant(), d.getInteger("attempts", 0)));
    }

    public void delivered(String id, int attempts, int status) {
        deliveries.updateOne(Filters.eq("_id", id), Updates.combine(Updates.set("state", State.DELIVERED.name()),
                Updates.set("attempts", attempts), Updates.set("lastStatus", status), Updates.set("deliveredAt", new Date())));
    }

    public void failed(String id, int attempts, String error, Instant nextAttemptAt) {
        deliveries.updateOne(Filters.eq("_id", id), Updates.combine(Updates.set("attempts", attempts), Updates.set("lastError", error),
                Updates.set("nextAttemptAt", Date.from(nextAttemptAt))));
    }

    public void gaveUp(String id, int attempts, String error) {
        deliveries.updateOne(Filters.eq("_id", id), Updates.combine(Updates.set("state", State.GAVE_UP.name()),
                Updates.set("attempts", attempts), Updates.set("lastError", error)));
    }
}
