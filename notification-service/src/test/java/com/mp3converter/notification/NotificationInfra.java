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
            }
            return Map.of(
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

    static int deadLettered() throws Exception {
        int count = 0;
        try (Channel channel = rabbit.createChannel()) {
            GetResponse response;
            while ((response = channel.basicGet(QUEUE + ".dlq", true)) != null) {
                count++;
            }
        }
        return count;
    }
}
