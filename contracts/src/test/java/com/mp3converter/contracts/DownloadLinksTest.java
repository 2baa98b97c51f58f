package com.mp3converter.contracts;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DownloadLinksTest {

    private static final String KEY = "k".repeat(32);
    private static final String NEXT_KEY = "n".repeat(32);
    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    private static final DownloadLinks.Link LINK = new DownloadLinks.Link("7c0e6b1e-53f2-4b43-9d3c-6f1f1a3d2b10",
            "6b0fb8402371ed465c691201", NOW.plus(Duration.ofHours(24)));

    private final DownloadLinks links = new DownloadLinks(KEY, List.of());

    @Test
    void aSignedLinkVerifiesUntilItExpires() {
        String token = links.sign(LINK);
        assertThat(links.verify(token, NOW)).contains(LINK);
        assertThat(links.verify(token, LINK.expiresAt().minusSeconds(1))).contains(LINK);
        assertThat(links.verify(token, LINK.expiresAt())).isEmpty();
    }

    @Test
    void anyChangeToTheTokenBreaksIt() {
        String token = links.sign(LINK);
        String otherMp3 = token.replace(LINK.mp3Id(), "6b0fb8402371ed465c691202");
        String later = token.replace("." + LINK.expiresAt().getEpochSecond() + ".", "." + (LINK.expiresAt().getEpochSecond() + 3600) + ".");
        String flippedMac = token.substring(0, token.length() - 1) + (token.endsWith("A") ? "B" : "A");
        for (String tampered : List.of(otherMp3, later, flippedMac, token + "x", "x" + token, token.substring(0, token.lastIndexOf('.')),
                "", "....", "a.b.c.d", LINK.jobId() + "." + LINK.mp3Id() + ".-1." + token.substring(token.lastIndexOf('.') + 1))) {
            assertThat(links.verify(tampered, NOW)).as(tampered).isEmpty();
        }
        assertThat(links.verify(null, NOW)).isEmpty();
    }

    @Test
    void aLinkSignedWithAnotherKeyIsRefused() {
        String foreign = new DownloadLinks(NEXT_KEY, List.of()).sign(LINK);
        assertThat(links.verify(foreign, NOW)).isEmpty();
    }

    @Test
    void afterARotationTheNewKeySignsAndLinksOfThePreviousKeyStillWork() {
        String issuedBefore = links.sign(LINK);
        DownloadLinks rotated = new DownloadLinks(NEXT_KEY, List.of(KEY));
        assertThat(rotated.verify(issuedBefore, NOW)).contains(LINK);
        String issuedAfter = rotated.sign(LINK);
        assertThat(issuedAfter).isNotEqualTo(issuedBefore);
        assertThat(links.verify(issuedAfter, NOW)).as("the old key alone does not verify the new links").isEmpty();
        assertThat(new DownloadLinks(NEXT_KEY, List.of()).verify(issuedBefore, NOW)).as("once the old key is dropped").isEmpty();
    }

    @Test
    void shortKeysAreRefusedAtStartup() {
        assertThatThrownBy(() -> new DownloadLinks("too short", List.of())).hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> new DownloadLinks(KEY, List.of("short"))).hasMessageContaining("32 bytes");
    }
}
