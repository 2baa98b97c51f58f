package com.mp3converter.gateway.service;

import com.mp3converter.contracts.EmailVerificationTokens;
import com.mp3converter.contracts.EmailVerified;
import com.mp3converter.gateway.config.GatewayConfig;
import com.mp3converter.gateway.messaging.EmailVerifiedPublisher;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The link of the notifier's verification email (contracts/EmailVerificationTokens): whoever submits its token proves
 * they read the address's mail. Checked with the download-link key the notifier signs with (and its previous keys); the
 * notifier hears of it through EmailVerified and mails that address from then on.
 *
 * <p>Tokens stay valid until they expire, but using one again costs nothing: an address this replica had confirmed by
 * the broker within {@code remember-for} is answered as verified without publishing again (the notifier takes repeats as
 * once anyway), and at most {@code max-concurrent-publishes} publishes run at once, so replaying a token cannot flood
 * the broker nor hold the workers in the synchronized confirmed publish.
 */
@ApplicationScoped
public class EmailVerificationLinks {

    /** What the page says. */
    public record Verified(String email, boolean verified) {
    }

    private static final long BUSY_RETRY_AFTER_SECONDS = 1;

    private final EmailVerificationTokens tokens;
    private final EmailVerifiedPublisher publisher;
    private final int maxConcurrentPublishes;
    private final Duration publishWait;
    private final Duration rememberFor;
    private final Semaphore publishing;
    /** Address to when the broker confirmed it; insertion order, so the eldest is the first to expire. */
    private final Map<String, Instant> recentlyConfirmed;

    EmailVerificationLinks(GatewayConfig config, EmailVerifiedPublisher publisher) {
        GatewayConfig.EmailVerification limits = config.emailVerification();
        int rememberedAddresses = limits.rememberedAddresses();
        this.tokens = new EmailVerificationTokens(config.downloadLink().key(), config.downloadLink().previousKeys().orElse(List.of()));
        this.publisher = publisher;
        this.maxConcurrentPublishes = limits.maxConcurrentPublishes();
        this.publishWait = limits.publishWait();
        this.rememberFor = limits.rememberFor();
        this.publishing = new Semaphore(maxConcurrentPublishes);
        this.recentlyConfirmed = new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
                return size() > rememberedAddresses;
            }
        };
    }

    /**
     * The address a token names, for the page that asks to confirm it; records nothing (link scanners open links).
     *
     * @throws ApiException 400 for a token that is not ours, altered or expired
     */
    public String check(String token) {
        return tokens.verify(token, Instant.now()).map(EmailVerificationTokens.Verification::email)
                .orElseThrow(() -> new ApiException(400, "this verification link is not valid: it may have expired or been altered"));
    }

    /**
     * Records that the token's address is verified, publishing it unless this replica did so recently.
     *
     * @throws ApiException 400 for a token that is not ours, altered or expired; 503 (Retry-After) while the broker
     *                      does not confirm or too many verifications publish at once, so submitting again later works
     */
    public Verified confirm(String token) {
        String email = check(token);
        if (isRecentlyConfirmed(email)) {
            return new Verified(email, true);
        }
        acquirePublishTurn();
        try {
            if (!isRecentlyConfirmed(email)) { // a concurrent submission may have published it meanwhile
                publisher.publish(new EmailVerified(email, Instant.now()));
                remember(email);
            }
        } catch (IOException e) {
            Log.warnf("Could not publish an email verification: %s", e.getMessage());
            throw new ApiException(503, "the verification could not be recorded just now; confirm again in a moment");
        } finally {
            publishing.release();
        }
        return new Verified(email, true);
    }

    private void acquirePublishTurn() {
        boolean acquired;
        try {
            acquired = publishing.tryAcquire(publishWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            acquired = false;
        }
        if (!acquired) {
            throw new QuotaExceeded(503, "too many email verifications at once; confirm again in a moment",
                    new QuotaExceeded.Limit("concurrentVerificationPublishes", maxConcurrentPublishes, maxConcurrentPublishes),
                    BUSY_RETRY_AFTER_SECONDS);
        }
    }

    private synchronized boolean isRecentlyConfirmed(String email) {
        Instant confirmedAt = recentlyConfirmed.get(email);
        if (confirmedAt != null && confirmedAt.plus(rememberFor).isBefore(Instant.now())) {
            recentlyConfirmed.remove(email);
            return false;
        }
        return confirmedAt != null;
    }

    private synchronized void remember(String email) {
        recentlyConfirmed.remove(email); // re-inserted last, so insertion order stays expiry order
        recentlyConfirmed.put(email, Instant.now());
    }
}
