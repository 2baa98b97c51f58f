package com.mp3converter.notification.repository;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoException;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Updates;
import com.mp3converter.notification.config.NotificationConfig;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.bson.Document;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.faulttolerance.Retry;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.concurrent.TimeUnit;

/**
 * One record per job, keyed by _id so a second cannot exist: the job's one final email (DONE or FAILED,
 * whichever event came first), claimed (SENDING) by the delivery that sends it, then SENT. A claim whose
 * holder died is taken over once its lease ran out. A job whose email the SMTP server refused for good is GIVEN_UP.
 * Records expire after the retention.
 */
@ApplicationScoped
public class SentNotifications {

    public enum Claim {
        /** This delivery sends the email. */
        CLAIMED,
        /** It went out already. */
        SENT,
        /** The job's final email was of the other kind: a job gets one, never both. */
        OTHER_KIND_SENT,
        /** Another delivery is sending it right now. */
        IN_PROGRESS,
        /** The SMTP server refused it for good: it is never sent again. */
        GIVEN_UP
    }

    private static final String SENDING = "SENDING";
    private static final String SENT = "SENT";
    private static final String GIVEN_UP = "GIVEN_UP";

    private final MongoCollection<Document> records;
    private final Duration lease;
    private final Duration retention;

    SentNotifications(MongoClient mongo, @ConfigProperty(name = "quarkus.mongodb.database") String database,
                      NotificationConfig config) {
        this.records = mongo.getDatabase(database).getCollection("sent_notifications");
        this.lease = config.claimLease();
        this.retention = config.recordRetention();
    }

    void createIndexes(@Observes StartupEvent start) {
        records.createIndex(Indexes.ascending("claimedAt"), new IndexOptions().expireAfter(retention.toSeconds(), TimeUnit.SECONDS));
    }

    public Claim claim(String jobId, String kind, String recipient) {
        String id = jobId;
        Date now = new Date();
        try {
            records.insertOne(new Document("_id", id).append("kind", kind).append("state", SENDING).append("claimedAt", now)
                    .append("recipient", recipient));
            return Claim.CLAIMED;
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                throw e;
            }
        }
        Date expired = Date.from(Instant.now().minus(lease));
        if (records.updateOne(Filters.and(Filters.eq("_id", id), Filters.eq("kind", kind), Filters.eq("state", SENDING),
                        Filters.lt("claimedAt", expired)), Updates.set("claimedAt", now)).getModifiedCount() == 1) {
            return Claim.CLAIMED; // its holder died before it could send
        }
        Document record = records.find(Filters.eq("_id", id)).first();
        if (record == null) {
            return Claim.IN_PROGRESS; // released a moment ago: the caller tries again
        }
        if (!kind.equals(record.getString("kind"))) {
            return Claim.OTHER_KIND_SENT;
        }
        return switch (record.getString("state")) {
            case SENDING -> Claim.IN_PROGRESS;
            case GIVEN_UP -> Claim.GIVEN_UP;
            default -> Claim.SENT;
        };
    }

    /**
     * Retried on its own while storage is unreachable: the email is out, and retrying the whole notification
     * would send it again. Budget: {@code SentNotifications/markSent/Retry/maxDuration}.
     */
    @Retry(retryOn = MongoException.class, maxRetries = -1, delay = 500, jitter = 200, maxDuration = 15,
            durationUnit = ChronoUnit.MINUTES)
    @ExponentialBackoff(maxDelay = 30, maxDelayUnit = ChronoUnit.SECONDS)
    public void markSent(String jobId) {
        records.updateOne(Filters.eq("_id", jobId), Updates.combine(Updates.set("state", SENT),
                Updates.set("sentAt", new Date())));
    }

    /**
     * The SMTP server refused the email for good: decided, like a sent one, so no redelivery tries again. Retried on
     * its own like {@link #markSent}.
     */
    @Retry(retryOn = MongoException.class, maxRetries = -1, delay = 500, jitter = 200, maxDuration = 15,
            durationUnit = ChronoUnit.MINUTES)
    @ExponentialBackoff(maxDelay = 30, maxDelayUnit = ChronoUnit.SECONDS)
    public void markGivenUp(String jobId, int replyCode) {
        records.updateOne(Filters.eq("_id", jobId), Updates.combine(Updates.set("state", GIVEN_UP),
                Updates.set("smtpReply", replyCode), Updates.set("givenUpAt", new Date())));
    }

    /** Sending failed: the next delivery (of either kind) may claim it at once. */
    public void release(String jobId) {
        records.deleteOne(Filters.and(Filters.eq("_id", jobId), Filters.eq("state", SENDING)));
    }
}
