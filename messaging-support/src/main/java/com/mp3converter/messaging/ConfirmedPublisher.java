package com.mp3converter.messaging;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import org.eclipse.microprofile.config.Config;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/**
 * Publishes JSON to a durable topic exchange and returns only once the broker has confirmed it:
 * persistent, mandatory (a message no queue takes comes back as a failure instead of being dropped),
 * publisher-confirmed, with the current W3C trace context in its headers. Every call ends in a yes or
 * an IOException within seconds, so callers know whether to ack their input or keep their work pending.
 *
 * <p>The services use this plain client rather than a SmallRye emitter for publishing because across
 * a broker outage the emitter can hold a message without failing or confirming it, and then a caller
 * can tell neither that it is safe to ack nor that it should publish again.
 */
public final class ConfirmedPublisher implements AutoCloseable {

    /**
     * RabbitMQ connection settings, as the SmallRye connector's rabbitmq-* properties give them, and the
     * exchange every service uses ({@code rabbitmq-exchange}, which the connector's channels reference too).
     */
    public record Settings(String host, int port, String username, String password, String virtualHost,
                           String exchange, String connectionName) {

        /** Reads the same rabbitmq-* properties the SmallRye connector uses, so both connect alike. */
        public static Settings fromConfig(Config config, String connectionName) {
            return new Settings(config.getValue("rabbitmq-host", String.class),
                    config.getValue("rabbitmq-port", Integer.class),
                    config.getValue("rabbitmq-username", String.class),
                    config.getValue("rabbitmq-password", String.class),
                    config.getOptionalValue("rabbitmq-virtual-host", String.class).orElse("/"),
                    config.getValue("rabbitmq-exchange", String.class),
                    connectionName);
        }
    }

    private static final long CONFIRM_TIMEOUT_MILLIS = 5000;

    private final ConnectionFactory factory = new ConnectionFactory();
    private final String exchange;
    private final String connectionName;
    private final Set<String> returned = ConcurrentHashMap.newKeySet();
    private Connection connection;
    private Channel channel;

    public ConfirmedPublisher(Settings settings) {
        factory.setHost(settings.host());
        factory.setPort(settings.port());
        factory.setUsername(settings.username());
        factory.setPassword(settings.password());
        factory.setVirtualHost(settings.virtualHost());
        factory.setConnectionTimeout(2000);
        factory.setAutomaticRecoveryEnabled(false); // a failed call reconnects on the next one
        this.exchange = settings.exchange();
        this.connectionName = settings.connectionName();
    }

    /**
     * Publishes to the exchange.
     *
     * @param messageId unique per logical message (used to match a broker return to this call)
     */
    public synchronized void publish(String routingKey, String messageId, byte[] json) throws IOException {
        send(exchange, routingKey, true, Map.of(), null, messageId, json);
    }

    /** Publishes to the exchange for whoever listens now (confirmed, not mandatory): nobody bound is not a failure. */
    public synchronized void broadcast(String routingKey, String messageId, byte[] json) throws IOException {
        send(exchange, routingKey, false, Map.of(), null, messageId, json);
    }

    /**
     * Declares {@code queue} (idempotent for the same arguments) and publishes straight to it through the
     * default exchange, with headers and a per-message expiration (null: none).
     */
    public synchronized void publishToQueue(String queue, Map<String, Object> arguments, String messageId,
                                            Map<String, Object> headers, Duration expiration, byte[] json) throws IOException {
        try {
            channel().queueDeclare(queue, true, false, false, arguments);
        } catch (IOException | TimeoutException | RuntimeException e) {
            closeQuietly();
            throw new IOException("could not declare queue " + queue + ": " + e.getMessage(), e);
        }
        send("", queue, true, headers, expiration, messageId, json);
    }

    private void send(String toExchange, String routingKey, boolean mandatory, Map<String, Object> headers, Duration expiration,
                      String messageId, byte[] json) throws IOException {
        String id = messageId + "/" + System.nanoTime();
        Map<String, Object> withTrace = new HashMap<>(headers);
        TracedDelivery.inject(withTrace); // the consumer's span continues this trace
        AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder().contentType("application/json").deliveryMode(2)
                .messageId(id).headers(withTrace).expiration(expiration == null ? null : String.valueOf(expiration.toMillis()))
                .build();
        try {
            Channel ch = channel();
            ch.basicPublish(toExchange, routingKey, mandatory, properties, json);
            ch.waitForConfirmsOrDie(CONFIRM_TIMEOUT_MILLIS);
        } catch (IOException | TimeoutException | InterruptedException | RuntimeException e) {
            closeQuietly();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("broker did not confirm " + routingKey + ": " + e.getMessage(), e);
        }
        if (returned.remove(id)) {
            throw new IOException("no queue is bound for " + routingKey + " on exchange '" + toExchange + "' yet");
        }
    }

    private Channel channel() throws IOException, TimeoutException {
        if (channel == null || !channel.isOpen()) {
            closeQuietly();
            connection = factory.newConnection(connectionName);
            channel = connection.createChannel();
            channel.exchangeDeclare(exchange, "topic", true);
            channel.confirmSelect();
            // Returns arrive before the confirm of the same message, so the check after the wait sees them.
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

    @Override
    public synchronized void close() {
        closeQuietly();
    }
}
