package com.mp3converter.notification;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.mongodb.client.MongoClients;
import com.mp3converter.devinfra.EmbeddedMongoProcess;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** GreenMail as the real SMTP server, the machine's RabbitMQ (test-only names), MongoDB in its own process. */
public class NotificationInfra implements QuarkusTestResourceLifecycleManager {

    static final String EXCHANGE = "notify-test";
    static final String QUEUE = "notify-test.job-finished";
    static final String VERIFIED_QUEUE = "notify-test.email-verified";

    static GreenMail smtp;
    static ServerSetup smtpSetup;
    static EmbeddedMongoProcess mongo;
    static Connection rabbit;

    @Override
    public Map<String, String> start() {
        try {
            int port;
            try (ServerSocket probe = new ServerSocket(0)) {
                port = probe.getLocalPort();
            }
            smtpSetup = new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
            startSmtp();
            mongo = EmbeddedMongoProcess.start();
            rabbit = new ConnectionFactory().newConnection("notification-test");
            try (Channel channel = rabbit.createChannel()) {
                channel.exchangeDeclare(EXCHANGE, "topic", true);
                channel.queueDelete(QUEUE);
                channel.queueDelete(QUEUE + ".dlq");
                channel.queueDelete(VERIFIED_QUEUE);
                channel.queueDelete(VERIFIED_QUEUE + ".dlq");
            }
            return Map.of(
                    "mp.messaging.incoming.email-verified.queue.name", VERIFIED_QUEUE,
                    "quarkus.mailer.host", "127.0.0.1",
                    "quarkus.mailer.port", String.valueOf(port),
                    "quarkus.mailer.start-tls", "DISABLED",
                    "quarkus.mongodb.connection-string", mongo.uri(),
                    "rabbitmq-exchange", EXCHANGE,
                    "mp.messaging.incoming.job-finished.queue.name", QUEUE,
                    "notification.gateway-url", "http://gateway.test:8080");
        } catch (Exception e) {
            throw new IllegalStateException("notification test infrastructure did not start", e);
        }
    }

    static void startSmtp() {
        smtp = new GreenMail(smtpSetup);
        smtp.start();
    }

    @Override
    public void stop() {
        try {
            smtp.stop();
            rabbit.close();
            mongo.close();
        } catch (Exception ignored) {
            // best effort
        }
    }

    static void publish(String routingKey, String json) throws Exception {
        try (Channel channel = rabbit.createChannel()) {
            channel.basicPublish(EXCHANGE, routingKey, null, json.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * What the gateway publishes once someone opened the address's verification link; returns when the notifier has
     * recorded it (job emails sent after that go to the address).
     */
    static void verified(String email) throws Exception {
        publish("account.email.verified", "{\"email\":\"%s\",\"verifiedAt\":\"%s\"}".formatted(email, java.time.Instant.now()));
        try (var client = MongoClients.create(mongo.uri())) {
            var records = client.getDatabase("mp3converter").getCollection("verified_emails");
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15))
                    .until(() -> records.find(new org.bson.Document("_id", email.toLowerCase(java.util.Locale.ROOT))).first() != null);
        }
    }

    static int deadLettered() throws Exception {
        return deadLettered(QUEUE);
    }

    /** Takes what was dead-lettered from {@code queue}, and says how many. */
    static int deadLettered(String queue) throws Exception {
        int count = 0;
        try (Channel channel = rabbit.createChannel()) {
            GetResponse response;
            while ((response = channel.basicGet(queue + ".dlq", true)) != null) {
                count++;
            }
        }
        return count;
    }
}
