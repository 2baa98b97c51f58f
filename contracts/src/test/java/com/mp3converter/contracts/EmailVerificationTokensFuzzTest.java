package com.mp3converter.contracts;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The verification token's contract on any string a client sends: an answer within a bound, no exception, and only a
 * token we signed (or its byte-identical copy) names an address, which is then one address of at most 254 bytes.
 * Regression inputs live in src/test/resources/.../EmailVerificationTokensFuzzTestInputs and run in every build.
 */
class EmailVerificationTokensFuzzTest {

    private static final EmailVerificationTokens TOKENS = new EmailVerificationTokens("k".repeat(32), List.of());
    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");

    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void onlyASignedTokenNamesAnAddress(byte[] input) {
        String token = new String(input, java.nio.charset.StandardCharsets.UTF_8);
        Optional<EmailVerificationTokens.Verification> verified = TOKENS.verify(token, NOW);
        assertThat(verified).isEqualTo(TOKENS.verify(token, NOW));
        verified.ifPresent(v -> {
            assertThat(TOKENS.sign(v)).as("a forged token verified").isEqualTo(token);
            assertThat(v.email().getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(254);
            assertThat(v.expiresAt()).isAfter(NOW);
        });
    }
}
