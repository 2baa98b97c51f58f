package com.mp3converter.notification.repository;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mp3converter.notification.config.NotificationConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.bson.Document;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Which addresses proved they read our mail, and for the others the verification in progress. Keyed by the address in
 * lower case (the form every method takes; see {@link #normalized}).
 * <ul>
 *   <li>{@code verified_emails}: one record per verified address, kept (as long as the account that uses it).</li>
 *   <li>{@code email_verifications}: per unverified address, when its last verification email was claimed
 *   ({@code mailedAt}, so one goes out per period) and the latest job event held for it ({@code held}, sent once the
 *   address is verified). It expires after the link's lifetime without a new job, with whatever it held.</li>
 * </ul>
 */
@ApplicationScoped
public class EmailAddresses {

    private final MongoCollection<Document> verified;
    private final MongoCollection<Document> pending;
    private final Duration linkTtl;

    EmailAddresses(MongoClient mongo, @ConfigProperty(name = "quarkus.mongodb.database") String database,
                   NotificationConfig config) {
        this.verified = mongo.getDatabase(database).getCollection("verified_emails");
        this.pending = mongo.getDatabase(database).getCollection("email_verifications");
        this.linkTtl = config.verification().linkTtl();
    }

    void createIndexes(@Observes StartupEvent start) {
        pending.createIndex(Indexes.ascending("heldAt"), new IndexOptions().expireAfter(linkTtl.toSeconds(), TimeUnit.SECONDS));
    }

    /** The form addresses are stored and compared in: what users type differs in case, mailboxes do not in practice. */
    public static String normalized(String email) {
        return email.strip().toLowerCase(Locale.ROOT);
    }

    public boolean isVerified(String email) {
        return verified.find(Filters.eq("_id", email)).first() != null;
    }

    /** Idempotent: a second verification of the same address changes nothing. */
    public void markVerified(String email) {
        try {
            verified.insertOne(new Document("_id", email).append("verifiedAt", new Date()));
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                throw e;
            }
        }
    }

    /** Keeps {@code event} (JSON) as the one job event held for the address, replacing an older one. */
    public void hold(String email, byte[] event) {
        pending.updateOne(Filters.eq("_id", email), Updates.combine(Updates.set("held", new String(event, StandardCharsets.UTF_8)),
                Updates.set("heldAt", new Date())), new UpdateOptions().upsert(true));
    }

    /** The job event held for the address, if any. */
    public Optional<byte[]> held(String email) {
        Document record = pending.find(Filters.eq("_id", email)).first();
        return Optional.ofNullable(record == null ? null : record.getString("held")).map(held -> held.getBytes(StandardCharsets.UTF_8));
    }

    /** Forgets the held event once it is on its way, unless a newer one replaced it meanwhile. */
    public void released(String email, byte[] event) {
        pending.updateOne(Filters.and(Filters.eq("_id", email), Filters.eq("held", new String(event, StandardCharsets.UTF_8))), Updates.unset("held"));
    }

    /**
     * Claims the address's verification email, unless one was claimed within {@code resendAfter}: the claim comes
     * before the send, so concurrent jobs of one address send one email. Needs the record {@link #hold} made.
     *
     * @return the claim's time, to {@link #releaseVerificationMail} it if sending fails; empty if not this caller's turn
     */
    public Optional<Date> claimVerificationMail(String email, Duration resendAfter) {
        Date now = new Date();
        Date before = Date.from(Instant.now().minus(resendAfter));
        long claimed = pending.updateOne(Filters.and(Filters.eq("_id", email),
                        Filters.or(Filters.exists("mailedAt", false), Filters.lt("mailedAt", before))),
                Updates.set("mailedAt", now)).getModifiedCount();
        return claimed == 1 ? Optional.of(now) : Optional.empty();
    }

    /** Sending failed for now: the next job (or this one's retry) may claim it at once. */
    public void releaseVerificationMail(String email, Date claimedAt) {
        pending.updateOne(Filters.and(Filters.eq("_id", email), Filters.eq("mailedAt", claimedAt)), Updates.unset("mailedAt"));
    }
}
