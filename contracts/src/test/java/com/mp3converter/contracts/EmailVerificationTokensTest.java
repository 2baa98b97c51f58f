package com.mp3converter.contracts;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmailVerificationTokensTest {

    private static final String KEY = "k".repeat(32);
    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    private static final EmailVerificationTokens.Verification ALICE =
            new EmailVerificationTokens.Verification("alice@example.com", NOW.plus(Duration.ofDays(7)));

    private final EmailVerificationTokens tokens = new EmailVerificationTokens(KEY, List.of());

    @Test
    void aSignedTokenNamesItsAddressUntilItExpires() {
        String token = tokens.sign(ALICE);
        assertThat(token.length()).isLessThanOrEqualTo(EmailVerificationTokens.MAX_TOKEN_CHARS);
        assertThat(tokens.verify(token, NOW)).contains(ALICE);
        assertThat(tokens.verify(token, ALICE.expiresAt().minusSeconds(1))).contains(ALICE);
        assertThat(tokens.verify(token, ALICE.expiresAt())).isEmpty();
    }

    @Test
    void anyChangeToTheTokenBreaksIt() {
        String token = tokens.sign(ALICE);
        String[] parts = token.split("\\.");
        String mallory = tokens.sign(new EmailVerificationTokens.Verification("mallory@example.com", ALICE.expiresAt())).split("\\.")[0];
        List<String> tampered = new ArrayList<>(List.of(
                mallory + "." + parts[1] + "." + parts[2],
                parts[0] + "." + (Long.parseLong(parts[1]) + 3600) + "." + parts[2],
                parts[0] + "." + parts[1] + "." + (parts[2].endsWith("A") ? parts[2].replaceAll(".$", "B") : parts[2].replaceAll(".$", "A")),
                token + "x", "x" + token, parts[0] + "." + parts[1], "", "..", "a.b.c.d", token + "." + parts[2]));
        for (String bad : tampered) {
            assertThat(tokens.verify(bad, NOW)).as(bad).isEmpty();
        }
        assertThat(tokens.verify(null, NOW)).isEmpty();
        assertThat(tokens.verify("a".repeat(100_000), NOW)).isEmpty();
    }

    @Test
    void aDownloadLinkTokenIsNoVerificationTokenThoughBothUseTheSameKey() {
        String link = new DownloadLinks(KEY, List.of()).sign(new DownloadLinks.Link("7c0e6b1e-53f2-4b43-9d3c-6f1f1a3d2b10",
                "6b0fb8402371ed465c691201", NOW.plus(Duration.ofDays(1))));
        assertThat(tokens.verify(link, NOW)).isEmpty();
        assertThat(new DownloadLinks(KEY, List.of()).verify(tokens.sign(ALICE), NOW)).isEmpty();
    }

    @Test
    void aTokenOfAnotherKeyIsRefusedAndAPreviousKeyStillVerifiesAfterARotation() {
        String old = tokens.sign(ALICE);
        assertThat(new EmailVerificationTokens("n".repeat(32), List.of()).verify(old, NOW)).isEmpty();
        assertThat(new EmailVerificationTokens("n".repeat(32), List.of(KEY)).verify(old, NOW)).contains(ALICE);
    }

    @Test
    void onlyOneAddressOfAtMost254BytesIsSigned() {
        for (String notOne : List.of("", "no-at-sign", "a@b@c", "a b@c", "a@b\r\nBcc: x@y", "a\u202e@b", "x".repeat(250) + "@b.cd")) {
            assertThatThrownBy(() -> tokens.sign(new EmailVerificationTokens.Verification(notOne, ALICE.expiresAt())))
                    .as(notOne).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> new EmailVerificationTokens("short", List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void emailVerifiedKeepsItsFieldNamesAndRoutingKey() throws Exception {
        ObjectMapper json = JsonMapper.builder().addModule(new JavaTimeModule())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
        EmailVerified verified = new EmailVerified("alice@example.com", NOW);
        List<String> names = new ArrayList<>();
        json.valueToTree(verified).fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactly("email", "verifiedAt");
        assertThat(json.readValue("{\"email\":\"a@b.c\",\"origin\":\"web\"}", EmailVerified.class).email()).isEqualTo("a@b.c");
        assertThat(Topology.EMAIL_VERIFIED).isEqualTo("account.email.verified");
    }
}
