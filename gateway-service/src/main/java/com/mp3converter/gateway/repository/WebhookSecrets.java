package com.mp3converter.gateway.repository;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import jakarta.enterprise.context.ApplicationScoped;
import org.bson.Document;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

/** Each user's webhook signing secret (collection "webhook_secrets"), made on first use, rotated on request. */
@ApplicationScoped
public class WebhookSecrets {

    public record Secret(String secret, Instant createdAt) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final MongoCollection<Document> secrets;

    WebhookSecrets(MongoClient mongo, @ConfigProperty(name = "quarkus.mongodb.database") String database) {
        this.secrets = mongo.getDatabase(database).getCollection("webhook_secrets");
    }

    public Secret of(String owner) {
        Document found = secrets.find(Filters.eq("_id", owner)).first();
        if (found != null) {
            return secret(found);
        }
        Document made = document(owner);
        try {
            secrets.insertOne(made);
            return secret(made);
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                throw e;
            }
            return of(owner); // made by a concurrent first use
        }
    }

    /** A new secret; deliveries from now on are signed with it only. */
    public Secret rotate(String owner) {
        Document made = document(owner);
        secrets.replaceOne(Filters.eq("_id", owner), made, new ReplaceOptions().upsert(true));
        return secret(made);
    }

    private static Document document(String owner) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return new Document("_id", owner).append("secret", "whsec_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes))
                .append("createdAt", new Date());
    }

    private static Secret secret(Document document) {
        return new Secret(document.getString("secret"), document.getDate("createdAt").toInstant());
    }
}
