package com.mp3converter.auth.rest;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The throttle key of a client address (X-Forwarded-For from the gateway, or the peer): whatever the value, it
 * answers, never throws, keeps the key short (an attacker must not store long strings per attempt), and is stable
 * (a key normalized again is the same key, so one client always counts against one row).
 */
class ClientAddressFuzzTest {

    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void everyValueGivesOneShortStableKey(byte[] input) {
        String address = new String(input, StandardCharsets.UTF_8);
        String key = ClientAddress.normalize(address);
        assertThat(key.length()).as("the key of %s", address).isLessThanOrEqualTo(64);
        assertThat(ClientAddress.normalize(key)).as("normalized again").isEqualTo(key);
        if (key.endsWith("::/64")) {
            assertThat(key).as("an IPv6 client counts by its /64").matches("[0-9a-f]{16}::/64");
        }
    }
}
