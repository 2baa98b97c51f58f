package com.mp3converter.converter;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mp3converter.devinfra.EmbeddedMongoProcess;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * MongoDB-protocol server in its own process, and the machine's real RabbitMQ with test-only
 * exchange and queue names. A test queue collects every event the converter publishes.
 */
public class ConverterInfra implements QuarkusTestResourceLifecycleManager {

    static final String EXCHANGE = "conv-test";
    static final String REQUESTS = "conv-test.requests";
    static final String EVENTS = "conv-test.events";

    static EmbeddedMongoProcess mongoServer;
    static MongoClient mongo;
    static Connection rabbit;

    @Override
    public Map<String, String> start() {
        try {
            mongoServer = EmbeddedMongoProcess.start();
            mongo = MongoClients.create(mongoServer.uri());
            rabbit = new ConnectionFactory().newConnection("converter-test");
            try (Channel channel = rabbit.createChannel()) {
                channel.exchangeDeclare(EXCHANGE, "topic", true);
                channel.queueDelete(EVENTS);
                channel.queueDeclare(EVENTS, true, false, false, null);
                channel.queueBind(EVENTS, EXCHANGE, "conversion.event.*");
                channel.queueDelete(REQUESTS);
                channel.queueDelete(REQUESTS + ".dlq");
            }
            return Map.of(
                    "quarkus.mongodb.connection-string", mongoServer.uri(),
                    "converter.exchange", EXCHANGE,
                    "mp.messaging.incoming.conversion-requests.queue.name", REQUESTS,
                    "mp.messaging.incoming.conversion-requests.max-outstanding-messages", "2");
        } catch (Exception e) {
            throw new IllegalStateException("converter test infrastructure did not start (RabbitMQ on 127.0.0.1:5672?)", e);
        }
    }

    @Override
    public void stop() {
        try {
            rabbit.close();
            mongo.close();
            mongoServer.close();
        } catch (Exception ignored) {
            // best effort
        }
    }

    static MongoDatabase db() {
        return mongo.getDatabase("mp3converter");
    }

    static void publishRequest(String json) throws Exception {
        try (Channel channel = rabbit.createChannel()) {
            channel.basicPublish(EXCHANGE, "conversion.requested", null, json.getBytes(StandardCharsets.UTF_8));
        }
    }

    static List<String> drain(String queue) throws Exception {
        List<String> bodies = new ArrayList<>();
        try (Channel channel = rabbit.createChannel()) {
            GetResponse response;
            while ((response = channel.basicGet(queue, true)) != null) {
                bodies.add(new String(response.getBody(), StandardCharsets.UTF_8));
            }
        }
        return bodies;
    }
}
