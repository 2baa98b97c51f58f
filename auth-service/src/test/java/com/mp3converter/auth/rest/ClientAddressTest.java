package com.mp3converter.auth.rest;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ClientAddressTest {

    @Test
    void ipv4AddressesCountOneByOne() {
        assertThat(ClientAddress.normalize("203.0.113.7")).isEqualTo("203.0.113.7");
        assertThat(ClientAddress.normalize("::ffff:203.0.113.7")).as("IPv4-mapped").isEqualTo("203.0.113.7");
    }

    @Test
    void ipv6AddressesOfOneSlash64CountAsOneClient() {
        assertThat(ClientAddress.normalize("2001:db8:1:2::1")).isEqualTo(ClientAddress.normalize("[2001:db8:1:2:ffff::9]"))
                .isEqualTo("20010db800010002::/64");
        assertThat(ClientAddress.normalize("2001:db8:1:3::1")).isNotEqualTo(ClientAddress.normalize("2001:db8:1:2::1"));
    }

    @Test
    void somethingThatIsNotAnAddressIsKeptShortAndNeverResolved() {
        assertThat(ClientAddress.normalize("x".repeat(500))).hasSize(64);
        assertThat(ClientAddress.normalize("unknown")).isEqualTo("other:unknown");
    }
}
