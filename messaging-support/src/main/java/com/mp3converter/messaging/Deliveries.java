package com.mp3converter.messaging;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.MetricsCollector;
import com.rabbitmq.client.NoOpMetricsCollector;
import io.smallrye.reactive.messaging.ClientCustomizer;
import io.smallrye.reactive.messaging.rabbitmq.IncomingRabbitMQMessage;
import io.smallrye.reactive.messaging.rabbitmq.RabbitMQRejectMetadata;
import io.vertx.rabbitmq.RabbitMQOptions;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Settles deliveries only on the channel they came on. The connector acks and rejects by delivery tag on
 * the channel its client holds now; once the delivery's own channel has closed (a broker restart, a lost
 * connection, a channel error) that is a new channel, where tags start again at 1, and the broker would
 * close it for an unknown tag or settle another message. The broker requeued the delivery when its channel
 * closed, so it is left alone here and its redelivery is settled instead.
 *
 * <p>As a customizer of every connector client, this bean hears each subscription's consumer tag and AMQP
 * channel through the RabbitMQ client's metrics hook, and asks that channel at settle time whether it is open.
 */
@ApplicationScoped
public class Deliveries implements ClientCustomizer<RabbitMQOptions> {

    private static final Logger LOG = Logger.getLogger(Deliveries.class);
    private static final int SUBSCRIPTIONS_REMEMBERED = 64;

    private final Map<String, Channel> channelOfConsumer = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Channel> eldest) {
            return size() > SUBSCRIPTIONS_REMEMBERED;
        }
    };

    private final MetricsCollector subscriptions = new NoOpMetricsCollector() {
        @Override
        public void basicConsume(Channel channel, String consumerTag, boolean autoAck) {
            subscribed(consumerTag, channel);
        }
    };

    @Override
    public RabbitMQOptions customize(String channel, Config channelConfig, RabbitMQOptions options) {
        return options.setMetricsCollector(subscriptions);
    }

    public CompletionStage<Void> ack(Message<?> message) {
        return fromClosedChannel(message) ? settled() : message.ack();
    }

    /** Back into the queue for another try. */
    public CompletionStage<Void> requeue(Message<?> message, Throwable reason) {
        return fromClosedChannel(message) ? settled() : message.nack(reason, Metadata.of(new RabbitMQRejectMetadata(true)));
    }

    /** Into the dead-letter queue. */
    public CompletionStage<Void> deadLetter(Message<?> message, Throwable reason) {
        return fromClosedChannel(message) ? settled() : message.nack(reason, Metadata.of(new RabbitMQRejectMetadata(false)));
    }

    synchronized void subscribed(String consumerTag, Channel channel) {
        channelOfConsumer.put(consumerTag, channel);
    }

    /** Unknown tags (no broker client, or a subscription too long ago to remember) are settled as usual. */
    synchronized boolean cameOnClosedChannel(String consumerTag) {
        Channel channel = consumerTag == null ? null : channelOfConsumer.get(consumerTag);
        return channel != null && !channel.isOpen();
    }

    private boolean fromClosedChannel(Message<?> message) {
        String tag = message instanceof IncomingRabbitMQMessage<?> incoming ? incoming.getRabbitMQMessage().consumerTag() : null;
        if (!cameOnClosedChannel(tag)) {
            return false;
        }
        LOG.infof("Not settling a delivery whose channel has closed (consumer %s): the broker has requeued it", tag);
        return true;
    }

    private static CompletionStage<Void> settled() {
        return CompletableFuture.completedFuture(null);
    }
}
