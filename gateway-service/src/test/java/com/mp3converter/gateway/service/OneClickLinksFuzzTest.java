package com.mp3converter.gateway.service;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.mp3converter.contracts.DownloadLinks;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code GET /links/<token>} does with any token: 404 and nothing else unless the token is one the gateway
 * signed (byte for byte) and has not expired; only then is a job looked up.
 */
class OneClickLinksFuzzTest {

    private static final DownloadLinks SIGNER = new DownloadLinks("k".repeat(32), List.of());
    private static final DownloadLinks.Link LINK = new DownloadLinks.Link("7c0e6b1e-53f2-4b43-9d3c-6f1f1a3d2b10",
            "6b0fb8402371ed465c691201", Instant.now().plus(Duration.ofDays(3650)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    private static final String GENUINE = SIGNER.sign(LINK);

    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void resolvesOnlyAGenuineTokenAndOtherwiseAnswers404(byte[] input) {
        String token = new String(input, StandardCharsets.UTF_8);
        String[] looked = new String[1];
        JobService jobs = new JobService(null, null, null, null, null) {
            @Override
            public Optional<Mp3Download> linkedMp3(String jobId, String mp3Id) {
                looked[0] = jobId + "." + mp3Id;
                return Optional.empty(); // so every token ends in the 404
            }
        };
        OneClickLinks links = new OneClickLinks(SIGNER, Duration.ofDays(1), Duration.ofDays(7), jobs);
        for (String candidate : new String[] {token, GENUINE + token, token + GENUINE}) {
            looked[0] = null;
            try {
                links.resolve(candidate);
                throw new AssertionError("the stub finds no job, so nothing resolves");
            } catch (ApiException e) {
                assertThat(e.status()).isEqualTo(404);
            }
            if (looked[0] != null) {
                assertThat(candidate).as("only a genuine token reaches the job lookup").isEqualTo(GENUINE);
            }
        }
    }
}
