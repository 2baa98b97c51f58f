package com.mp3converter.auth.rest;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The throttle key of a client address (X-Forwarded-For from the gateway, or the peer): whatever the value, it
 * answers, never throws, keeps the key short (an attacker must not store long strings per attempt), and gives it a
 * shape no other kind of value can take: an IPv4 address, an IPv6 client's /64, or a marked other value, so no
 * forwarded text can count against (or lock) a real address's row.
 */
class ClientAddressFuzzTest {

    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void everyValueGivesOneShortStableKey(byte[] input) {
        String address = new String(input, StandardCharsets.UTF_8);
        String key = ClientAddress.normalize(address);
        assertThat(key.length()).as("the key of %s", address).isLessThanOrEqualTo(64);
        // An IPv4 address, an IPv6 client's /64, or a marked other value: no other value can take an address's key.
        assertThat(key).as("the key of %s", address)
                .matches("(?s)(\\d{1,3}(\\.\\d{1,3}){3}|[0-9a-f]{16}::/64|other:.*)");
    }
}
