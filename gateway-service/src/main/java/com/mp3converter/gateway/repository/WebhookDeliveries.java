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
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import com.mp3converter.gateway.config.GatewayConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Webhook deliveries (collection "webhook_deliveries"), one per job end, keyed by the event id so a redelivered
 * event enqueues nothing twice: the outbox. A delivery is claimed (with a token of its own) only when a sender is free
 * for it, for a lease its sender renews while the attempt runs, so what a gateway had in hand when it stopped is
 * taken up by the next one to look and an attempt in flight is never taken up twice. Records expire with the retention.
 */
@ApplicationScoped
public class WebhookDeliveries {

    public enum State { PENDING, DELIVERED, GAVE_UP }

    /** A delivery; {@code claim} names the claim it is held under (null before it is claimed). */
    public record Delivery(String id, String jobId, String owner, String url, String payload, Instant createdAt, int attempts,
                           String claim) {

        /** The receiver (host and port) it goes to: one attempt at a time per receiver. */
        public String receiver() {
            return WebhookDeliveries.receiver(url);
        }
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

    /** host:port of a callback URL, lower case (the URL was checked at upload, so it parses). */
    static String receiver(String url) {
        try {
            URI uri = new URI(url);
            int port = uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
            return String.valueOf(uri.getHost()).toLowerCase(Locale.ROOT) + ":" + port;
        } catch (URISyntaxException e) {
            return url;
        }
    }

    /** False if this event was enqueued already. */
    public boolean enqueue(Delivery delivery) {
        try {
            deliveries.insertOne(new Document("_id", delivery.id()).append("jobId", delivery.jobId()).append("owner", delivery.owner())
                    .append("url", delivery.url()).append("receiver", delivery.receiver()).append("payload", delivery.payload())
                    .append("createdAt", Date.from(delivery.createdAt()))
                    .append("attempts", 0).append("state", State.PENDING.name()).append("nextAttemptAt", Date.from(delivery.createdAt())));
            return true;
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                throw e;
            }
            return false;
        }
    }

    /**
     * Takes the longest-due delivery to a receiver not in {@code busyReceivers}, for an owner not in {@code busyOwners},
     * until {@code until}, under a new claim token (another gateway takes it after that, unless {@link #renew}ed).
     */
    public Optional<Delivery> claimDue(Instant now, Instant until, Set<String> busyReceivers, Set<String> busyOwners) {
        Document claimed = deliveries.findOneAndUpdate(
                Filters.and(Filters.eq("state", State.PENDING.name()), Filters.lte("nextAttemptAt", Date.from(now)),
                        Filters.nin("receiver", busyReceivers), Filters.nin("owner", busyOwners)),
                Updates.combine(Updates.set("nextAttemptAt", Date.from(until)), Updates.set("claim", UUID.randomUUID().toString())),
                new FindOneAndUpdateOptions().sort(Sorts.ascending("nextAttemptAt")).returnDocument(ReturnDocument.AFTER));
        return Optional.ofNullable(claimed).map(d -> new Delivery(d.getString("_id"), d.getString("jobId"), d.getString("owner"),
                d.getString("url"), d.getString("payload"), d.getDate("createdAt").toInstant(), d.getInteger("attempts", 0),
                d.getString("claim")));
    }

    /** Keeps the claim until {@code until} while its attempt runs; false if the claim was lost. */
    public boolean renew(Delivery delivery, Instant until) {
        return deliveries.updateOne(claimed(delivery), Updates.set("nextAttemptAt", Date.from(until))).getModifiedCount() == 1;
    }

    /** Gives the claim back unattempted: due again at {@code at}. */
    public void unclaim(Delivery delivery, Instant at) {
        deliveries.updateOne(claimed(delivery), Updates.combine(Updates.set("nextAttemptAt", Date.from(at)), Updates.unset("claim")));
    }

    public void delivered(Delivery delivery, int attempts, int status) {
        deliveries.updateOne(claimed(delivery), Updates.combine(Updates.set("state", State.DELIVERED.name()), Updates.unset("claim"),
                Updates.set("attempts", attempts), Updates.set("lastStatus", status), Updates.set("deliveredAt", new Date())));
    }

    public void failed(Delivery delivery, int attempts, String error, Instant nextAttemptAt) {
        deliveries.updateOne(claimed(delivery), Updates.combine(Updates.set("attempts", attempts), Updates.set("lastError", error),
                Updates.set("nextAttemptAt", Date.from(nextAttemptAt)), Updates.unset("claim")));
    }

    public void gaveUp(Delivery delivery, int attempts, String error) {
        deliveries.updateOne(claimed(delivery), Updates.combine(Updates.set("state", State.GAVE_UP.name()), Updates.unset("claim"),
                Updates.set("attempts", attempts), Updates.set("lastError", error)));
    }

    /** Only the holder of the claim writes an attempt's outcome. */
    private static Bson claimed(Delivery delivery) {
        return Filters.and(Filters.eq("_id", delivery.id()), Filters.eq("claim", delivery.claim()));
    }
}
