package com.mp3converter.notification.repository;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import jakarta.enterprise.context.ApplicationScoped;
import org.bson.Document;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.Date;

/** Which (job, kind) emails went out; the key is the _id, so a second record cannot exist. */
@ApplicationScoped
public class SentNotifications {

    private final MongoCollection<Document> sent;

    SentNotifications(MongoClient mongo, @ConfigProperty(name = "quarkus.mongodb.database") String database) {
        this.sent = mongo.getDatabase(database).getCollection("sent_notifications");
    }

    public boolean alreadySent(String jobId, String kind) {
        return sent.countDocuments(Filters.eq("_id", key(jobId, kind))) > 0;
    }

    public void recordSent(String jobId, String kind, String recipient) {
        try {
            sent.insertOne(new Document("_id", key(jobId, kind)).append("recipient", recipient).append("sentAt", new Date()));
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                throw e;
            }
        }
    }

    private static String key(String jobId, String kind) {
        return jobId + ":" + kind;
    }
}
