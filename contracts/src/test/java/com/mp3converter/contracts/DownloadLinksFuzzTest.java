package com.mp3converter.contracts;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one-click link token's contract: verify never throws, and a token verifies only if it is, byte for byte, what
 * a current or previous key signed for the link it names, before its expiry. So a forged, tampered, truncated or
 * extended token never verifies.
 */
class DownloadLinksFuzzTest {

    private static final String KEY = "k".repeat(32);
    private static final String OLD_KEY = "o".repeat(32);
    private static final DownloadLinks LINKS = new DownloadLinks(KEY, List.of(OLD_KEY));
    private static final DownloadLinks SIGNER = new DownloadLinks(KEY, List.of());
    private static final DownloadLinks OLD_SIGNER = new DownloadLinks(OLD_KEY, List.of());
    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    private static final DownloadLinks.Link LINK = new DownloadLinks.Link("7c0e6b1e-53f2-4b43-9d3c-6f1f1a3d2b10",
            "6b0fb8402371ed465c691201", NOW.plus(Duration.ofHours(24)));
    private static final String GENUINE = SIGNER.sign(LINK);

    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void verifiesOnlyWhatAKeySigned(byte[] input) {
        String token = new String(input, StandardCharsets.UTF_8);
        Optional<DownloadLinks.Link> link = LINKS.verify(token, NOW);
        if (link.isPresent()) {
            assertThat(token).isIn(SIGNER.sign(link.get()), OLD_SIGNER.sign(link.get()));
            assertThat(link.get().expiresAt()).isAfter(NOW);
        }
    }

    /** The input, laid over a genuine token from an offset its first byte chooses (XOR), then appended: any change breaks it. */
    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void aGenuineTokenChangedInAnyWayDoesNotVerify(byte[] input) {
        char[] token = GENUINE.toCharArray();
        int offset = input.length == 0 ? 0 : (input[0] & 0xff) % (token.length + 1);
        StringBuilder changed = new StringBuilder();
        int keep = input.length > 1 ? Math.min(token.length, (input[1] & 0xff) * token.length / 255) : token.length;
        for (int i = 0; i < keep; i++) {
            int at = i - offset + 2;
            changed.append(at >= 2 && at < input.length ? (char) (token[i] ^ (input[at] & 0xff)) : token[i]);
        }
        for (int at = keep - offset + 2; at < input.length; at++) {
            if (at >= 2) {
                changed.append((char) (input[at] & 0xff));
            }
        }
        Optional<DownloadLinks.Link> link = LINKS.verify(changed.toString(), NOW);
        if (!changed.toString().equals(GENUINE)) {
            assertThat(link).as("changed: %s", changed).isEmpty();
        } else {
            assertThat(link).contains(LINK);
        }
    }
}
