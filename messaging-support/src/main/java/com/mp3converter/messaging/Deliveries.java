package com.mp3converter.messaging;

import io.smallrye.reactive.messaging.rabbitmq.IncomingRabbitMQMessage;
import io.smallrye.reactive.messaging.rabbitmq.RabbitMQRejectMetadata;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Settles a consumer's deliveries only on the channel they came on. After a broker reconnect the connector
 * acks and rejects by delivery tag on its new channel, where tags start again at 1: a delivery from before
 * would settle a different message (ack one never handled, dead-letter an innocent one). The broker put that
 * delivery back into its queue when its channel died, so it is left alone; its redelivery is settled instead.
 *
 * <p>A channel is known by its consumer tag (broker-generated, new with every subscription). The newest is
 * the last one seen for the first time: one delivery per consumer instance, shared by its handlers.
 */
public final class Deliveries {

    private static final Logger LOG = Logger.getLogger(Deliveries.class);
    private static final int TAGS_REMEMBERED = 64;

    private final Set<String> seen = new LinkedHashSet<>();
    private String current;

    /** Call first thing for every delivery, so a new channel is known as soon as its first delivery arrives. */
    public void arrived(Message<?> message) {
        arrived(consumerTag(message));
    }

    public CompletionStage<Void> ack(Message<?> message) {
        return fromDeadChannel(message) ? settled() : message.ack();
    }

    /** Back into the queue for another try. */
    public CompletionStage<Void> requeue(Message<?> message, Throwable reason) {
        return fromDeadChannel(message) ? settled() : message.nack(reason, Metadata.of(new RabbitMQRejectMetadata(true)));
    }

    /** Into the dead-letter queue. */
    public CompletionStage<Void> deadLetter(Message<?> message, Throwable reason) {
        return fromDeadChannel(message) ? settled() : message.nack(reason, Metadata.of(new RabbitMQRejectMetadata(false)));
    }

    synchronized void arrived(String consumerTag) {
        if (consumerTag != null && seen.add(consumerTag)) {
            current = consumerTag;
            if (seen.size() > TAGS_REMEMBERED) {
                seen.remove(seen.iterator().next());
            }
        }
    }

    synchronized boolean isCurrent(String consumerTag) {
        return consumerTag == null || current == null || consumerTag.equals(current);
    }

    private boolean fromDeadChannel(Message<?> message) {
        String tag = consumerTag(message);
        if (isCurrent(tag)) {
            return false;
        }
        LOG.infof("Not settling a delivery from a channel that has closed since (consumer %s): the broker has requeued it", tag);
        return true;
    }

    private static String consumerTag(Message<?> message) {
        return message instanceof IncomingRabbitMQMessage<?> incoming ? incoming.getRabbitMQMessage().consumerTag() : null;
    }

    private static CompletionStage<Void> settled() {
        return CompletableFuture.completedFuture(null);
    }
}
