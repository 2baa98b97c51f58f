package com.mp3converter.gateway.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mp3converter.gateway.config.GatewayConfig;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/**
 * Publishes a conversion request and returns only once the broker has confirmed it: persistent,
 * mandatory (a request no queue would take comes back as a failure instead of being dropped) and
 * publisher-confirmed. Any failure throws, and the caller keeps the job pending for the sweeper.
 *
 * <p>This is the plain RabbitMQ client rather than a SmallRye emitter on purpose: across a broker
 * outage the emitter can hold a message without failing or confirming it, so the pending-job sweeper
 * could not tell whether to publish again; here every call ends in a yes or a no within seconds.
 */
@ApplicationScoped
public class ConversionRequestPublisher {

    static final String ROUTING_KEY = "conversion.requested";
    private static final long CONFIRM_TIMEOUT_MILLIS = 5000;

    private final ConnectionFactory factory = new ConnectionFactory();
    private final String exchange;
    private final ObjectMapper json;
    private final Set<String> returned = ConcurrentHashMap.newKeySet();
    private Connection connection;
    private Channel channel;

    ConversionRequestPublisher(GatewayConfig config, ObjectMapper json,
                               @ConfigProperty(name = "rabbitmq-host") String host,
                               @ConfigProperty(name = "rabbitmq-port") int port,
                               @ConfigProperty(name = "rabbitmq-username") String username,
                               @ConfigProperty(name = "rabbitmq-password") String password,
                               @ConfigProperty(name = "rabbitmq-virtual-host", defaultValue = "/") String virtualHost) {
        factory.setHost(host);
        factory.setPort(port);
        factory.setUsername(username);
        factory.setPassword(password);
        factory.setVirtualHost(virtualHost);
        factory.setConnectionTimeout(2000);
        factory.setAutomaticRecoveryEnabled(false); // a failed call reconnects on the next one
        this.exchange = config.publish().exchange();
        this.json = json;
    }

    public synchronized void publish(ConversionRequest request) throws IOException {
        try {
            Channel ch = channel();
            AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder()
                    .deliveryMode(2) // persistent
                    .contentType("application/json")
                    .messageId(request.jobId())
                    .build();
            ch.basicPublish(exchange, ROUTING_KEY, true, properties, json.writeValueAsBytes(request));
            ch.waitForConfirmsOrDie(CONFIRM_TIMEOUT_MILLIS);
        } catch (IOException | TimeoutException | InterruptedException | RuntimeException e) {
            closeQuietly();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("broker did not confirm: " + e.getMessage(), e);
        }
        if (returned.remove(request.jobId())) {
            throw new IOException("no queue takes conversion requests yet (is converter-service running?)");
        }
    }

    private Channel channel() throws IOException, TimeoutException {
        if (channel == null || !channel.isOpen()) {
            closeQuietly();
            connection = factory.newConnection("gateway-service-publisher");
            channel = connection.createChannel();
            channel.exchangeDeclare(exchange, "topic", true);
            channel.confirmSelect();
            channel.addReturnListener(message -> returned.add(message.getProperties().getMessageId()));
        }
        return channel;
    }

    private void closeQuietly() {
        try {
            if (connection != null) {
                connection.abort(1000);
            }
        } finally {
            connection = null;
            channel = null;
        }
    }

    synchronized void close(@Observes ShutdownEvent shutdown) {
        closeQuietly();
    }
}
