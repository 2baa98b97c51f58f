package com.mp3converter.converter;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mp3converter.devinfra.EmbeddedMongoProcess;
import com.mp3converter.devinfra.TcpProxy;
import com.rabbitmq.client.AMQP;
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
 * MongoDB-protocol server in its own process behind a proxy the tests can cut, and the machine's real
 * RabbitMQ with test-only exchange and queue names. A test queue collects every event the converter publishes.
 */
public class ConverterInfra implements QuarkusTestResourceLifecycleManager {

    static final String EXCHANGE = "conv-test";
    static final String REQUESTS = "conv-test.requests";
    static final String EVENTS = "conv-test.events";

    /** The retry tiers of the test profile: 0.5 s doubling to 2 s. */
    static final List<String> RETRY_QUEUES = List.of(REQUESTS + ".retry.500ms", REQUESTS + ".retry.1000ms",
            REQUESTS + ".retry.2000ms");

    static EmbeddedMongoProcess mongoServer;
    static TcpProxy mongoProxy;
    static MongoClient mongo;
    static Connection rabbit;

    @Override
    public Map<String, String> start() {
        try {
            mongoServer = EmbeddedMongoProcess.start();
            mongoProxy = new TcpProxy("127.0.0.1", mongoServer.port());
            mongo = MongoClients.create(mongoServer.uri());
            rabbit = new ConnectionFactory().newConnection("converter-test");
            try (Channel channel = rabbit.createChannel()) {
                channel.exchangeDeclare(EXCHANGE, "topic", true);
                channel.queueDelete(EVENTS);
                channel.queueDeclare(EVENTS, true, false, false, null);
                channel.queueBind(EVENTS, EXCHANGE, "conversion.event.*");
                channel.queueDelete(REQUESTS);
                channel.queueDelete(REQUESTS + ".dlq");
                for (String retryQueue : RETRY_QUEUES) {
                    channel.queueDelete(retryQueue);
                }
            }
            return Map.of(
                    "quarkus.mongodb.connection-string", "mongodb://127.0.0.1:" + mongoProxy.port(),
                    "rabbitmq-exchange", EXCHANGE,
                    "mp.messaging.incoming.conversion-requests.queue.name", REQUESTS,
                    "converter.workers", "2");
        } catch (Exception e) {
            throw new IllegalStateException("converter test infrastructure did not start (RabbitMQ on 127.0.0.1:5672?)", e);
        }
    }

    @Override
    public void stop() {
        try {
            rabbit.close();
            mongo.close();
            mongoProxy.close();
            mongoServer.close();
        } catch (Exception ignored) {
            // best effort
        }
    }

    static MongoDatabase db() {
        return mongo.getDatabase("mp3converter");
    }

    static void publishRequest(String json) throws Exception {
        publishRequest(json, Map.of());
    }

    static void publishRequest(String json, Map<String, Object> headers) throws Exception {
        try (Channel channel = rabbit.createChannel()) {
            channel.basicPublish(EXCHANGE, "conversion.requested", new AMQP.BasicProperties.Builder().headers(headers).build(),
                    json.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** What the gateway sends when a job's owner cancels it. */
    static void publishCancellation(String jobId) throws Exception {
        try (Channel channel = rabbit.createChannel()) {
            channel.basicPublish(EXCHANGE, "conversion.cancelled", null,
                    ("{\"jobId\":\"" + jobId + "\"}").getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Messages waiting in a queue, 0 if it does not exist (yet). */
    static long waiting(String queue) throws Exception {
        try (Channel channel = rabbit.createChannel()) {
            return channel.queueDeclarePassive(queue).getMessageCount();
        } catch (java.io.IOException | com.rabbitmq.client.ShutdownSignalException notDeclared) {
            return 0;
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
