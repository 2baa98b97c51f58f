package com.mp3converter.gateway.service;

import com.mp3converter.contracts.EmailVerificationTokens;
import com.mp3converter.contracts.EmailVerified;
import com.mp3converter.gateway.config.GatewayConfig;
import com.mp3converter.gateway.messaging.EmailVerifiedPublisher;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * The link of the notifier's verification email (contracts/EmailVerificationTokens): whoever opens it proves they read
 * the address's mail. Checked with the download-link key the notifier signs with (and its previous keys); the notifier
 * hears of it through EmailVerified and mails that address from then on. Opening a link twice publishes twice, which
 * the notifier takes as once.
 */
@ApplicationScoped
public class EmailVerificationLinks {

    /** What the page says. */
    public record Verified(String email, boolean verified) {
    }

    private final EmailVerificationTokens tokens;
    private final EmailVerifiedPublisher publisher;

    EmailVerificationLinks(GatewayConfig config, EmailVerifiedPublisher publisher) {
        this.tokens = new EmailVerificationTokens(config.downloadLink().key(), config.downloadLink().previousKeys().orElse(List.of()));
        this.publisher = publisher;
    }

    /**
     * @throws ApiException 400 for a token that is not ours, altered or expired; 503 (Retry-After) while the broker
     *                      does not confirm, so opening the link again later works
     */
    public Verified confirm(String token) {
        EmailVerificationTokens.Verification verification = tokens.verify(token, Instant.now())
                .orElseThrow(() -> new ApiException(400, "this verification link is not valid: it may have expired or been altered"));
        try {
            publisher.publish(new EmailVerified(verification.email(), Instant.now()));
        } catch (IOException e) {
            Log.warnf("Could not publish an email verification: %s", e.getMessage());
            throw new ApiException(503, "the verification could not be recorded just now; open the link again in a moment");
        }
        return new Verified(verification.email(), true);
    }
}
