package com.mp3converter.messaging;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.vertx.rabbitmq.RabbitMQOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Against the real broker: the AMQP client reports each subscription to the hook Deliveries installs. */
class DeliveriesTest {

    private final Deliveries deliveries = new Deliveries();
    private Connection connection;

    @BeforeEach
    void connect() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(System.getenv().getOrDefault("RABBITMQ_HOST", "localhost"));
        factory.setMetricsCollector(deliveries.customize("test", null, new RabbitMQOptions()).getMetricsCollector());
        connection = factory.newConnection("deliveries-test");
    }

    @AfterEach
    void close() throws Exception {
        connection.close();
    }

    @Test
    void aDeliveryIsSettledWhileItsChannelIsOpenAndNotAfterTheBrokerClosedIt() throws Exception {
        Channel before = connection.createChannel();
        String oldConsumer = subscribe(before);
        assertThat(deliveries.cameOnClosedChannel(oldConsumer)).isFalse();

        before.basicAck(99, false); // a tag this channel never gave out: the broker closes the channel
        for (long deadline = System.nanoTime() + 10_000_000_000L; before.isOpen() && System.nanoTime() < deadline; ) {
            Thread.sleep(10);
        }
        String newConsumer = subscribe(connection.createChannel());

        assertThat(deliveries.cameOnClosedChannel(oldConsumer)).as("settled on the new channel, its tag would name another message").isTrue();
        assertThat(deliveries.cameOnClosedChannel(newConsumer)).isFalse();
    }

    @Test
    void aChannelClosedBeforeAnyNewSubscriptionAlreadyCountsAsClosed() throws Exception {
        Channel channel = connection.createChannel();
        String consumer = subscribe(channel);

        channel.close();

        assertThat(deliveries.cameOnClosedChannel(consumer)).isTrue();
    }

    @Test
    void deliveriesWithoutAKnownConsumerAreSettledAsUsual() {
        assertThat(deliveries.cameOnClosedChannel(null)).isFalse();
        assertThat(deliveries.cameOnClosedChannel("amq.ctag-never-subscribed")).isFalse();
    }

    private static String subscribe(Channel channel) throws Exception {
        String queue = channel.queueDeclare().getQueue(); // server-named, exclusive, gone with the connection
        return channel.basicConsume(queue, false, (tag, delivery) -> { }, tag -> { });
    }
}
