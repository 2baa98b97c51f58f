package com.mp3converter.messaging;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DeliveriesTest {

    private final Deliveries deliveries = new Deliveries();

    @Test
    void aDeliveryFromBeforeAReconnectIsNoLongerCurrent() {
        deliveries.arrived("amq.ctag-old");
        assertThat(deliveries.isCurrent("amq.ctag-old")).isTrue();

        deliveries.arrived("amq.ctag-new");
        assertThat(deliveries.isCurrent("amq.ctag-new")).isTrue();
        assertThat(deliveries.isCurrent("amq.ctag-old")).as("settled on the new channel, its tag would name another message").isFalse();
    }

    @Test
    void anOldChannelsDeliveryHandedOutLateDoesNotMakeItCurrentAgain() {
        deliveries.arrived("amq.ctag-old");
        deliveries.arrived("amq.ctag-new");
        deliveries.arrived("amq.ctag-old"); // buffered before the reconnect, reached a worker thread after

        assertThat(deliveries.isCurrent("amq.ctag-new")).isTrue();
        assertThat(deliveries.isCurrent("amq.ctag-old")).isFalse();
    }

    @Test
    void deliveriesWithoutAConsumerTagAreSettledAsUsual() {
        assertThat(deliveries.isCurrent(null)).isTrue();
        deliveries.arrived("amq.ctag-1");
        assertThat(deliveries.isCurrent(null)).isTrue();
    }
}
