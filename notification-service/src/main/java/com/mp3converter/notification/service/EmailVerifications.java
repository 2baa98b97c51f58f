package com.mp3converter.notification.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mp3converter.contracts.EmailVerificationTokens;
import com.mp3converter.contracts.JobEvent;
import com.mp3converter.notification.config.NotificationConfig;
import com.mp3converter.notification.repository.EmailAddresses;
import com.mongodb.MongoException;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import org.eclipse.microprofile.faulttolerance.Retry;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Optional;

/**
 * Job emails go only to addresses that proved they read our mail. Self-registration is open, so without this anyone
 * could register someone else's address and have us mail them file names of the attacker's choosing.
 *
 * <p>A job ending for an unverified address sends no job email: its event is held (the latest one per address) and the
 * address gets a verification email instead, at most one per {@code notification.verification.resend-after}, with a
 * signed link to the gateway's {@code /verify-email}. The gateway then publishes EmailVerified; on it the address is
 * recorded as verified and the held event (only the latest: older held jobs are not mailed) goes back through the job
 * queue, so the owner gets the email of the job that asked for verification. The verification email holds no text a
 * user chose other than the address itself.
 */
@ApplicationScoped
public class EmailVerifications {

    private final EmailAddresses addresses;
    private final EmailComposer composer;
    private final MailSender mailSender;
    private final MeterRegistry metrics;
    private final ObjectMapper json;
    private final EmailVerificationTokens tokens;
    private final String gatewayUrl;
    private final Duration linkTtl;
    private final Duration resendAfter;

    EmailVerifications(EmailAddresses addresses, EmailComposer composer, MailSender mailSender, MeterRegistry metrics,
                       ObjectMapper json, NotificationConfig config) {
        this.addresses = addresses;
        this.composer = composer;
        this.mailSender = mailSender;
        this.metrics = metrics;
        this.json = json;
        this.tokens = new EmailVerificationTokens(config.downloadLink().key(), List.of());
        this.gatewayUrl = config.gatewayUrl().replaceAll("/+$", "");
        this.linkTtl = config.verification().linkTtl();
        this.resendAfter = config.verification().resendAfter();
    }

    /**
     * Whether the job's email may go to its owner's address. If not, the event is held for the address and a
     * verification email goes out unless one did within the period.
     *
     * @throws RuntimeException if the verification email could not be sent for now (retry the event)
     */
    public boolean mayMail(JobEvent event) {
        String address = EmailAddresses.normalized(event.ownerEmail());
        if (addresses.isVerified(address)) {
            return true;
        }
        addresses.hold(address, serialized(event));
        if (addresses.isVerified(address)) {
            return true; // verified a moment ago: what the verification released may not include the event held just now
        }
        requestVerification(address, event.jobId());
        return false;
    }

    /**
     * Records the address as verified (idempotent); returns the job event held for it, to be mailed now. Retried
     * while storage is out of reach; budget {@code EmailVerifications/verified/Retry/maxDuration}.
     */
    @Retry(retryOn = MongoException.class, maxRetries = -1, delay = 500, jitter = 200, maxDuration = 2,
            durationUnit = ChronoUnit.MINUTES)
    @ExponentialBackoff(maxDelay = 30, maxDelayUnit = ChronoUnit.SECONDS)
    public Optional<byte[]> verified(String email) {
        String address = EmailAddresses.normalized(email);
        addresses.markVerified(address);
        return addresses.held(address);
    }

    /** The held event is on its way back through the job queue. */
    public void released(String email, byte[] event) {
        addresses.released(EmailAddresses.normalized(email), event);
    }

    private void requestVerification(String address, String jobId) {
        String token;
        try {
            token = tokens.sign(new EmailVerificationTokens.Verification(address,
                    Instant.now().plus(linkTtl).truncatedTo(ChronoUnit.SECONDS)));
        } catch (IllegalArgumentException e) {
            Log.warnf("Job %s: its owner's address cannot be verified (%s); no email", jobId, e.getMessage());
            return;
        }
        Optional<Date> claim = addresses.claimVerificationMail(address, resendAfter);
        if (claim.isEmpty()) {
            Log.infof("Job %s: owner's address not verified, asked within the last %s; its email waits for the link", jobId, resendAfter);
            return;
        }
        try {
            mailSender.send(composer.verification(address, gatewayUrl + EmailVerificationTokens.PATH + "?token=" + token, linkTtl));
        } catch (PermanentRejection e) {
            // Kept claimed: the server refuses this address, asking again within the period gets the same answer.
            metrics.counter("notification.emails", "outcome", "rejected", "kind", "VERIFICATION").increment();
            Log.warnf("Job %s: verification email refused for good (SMTP %d), not retried: %s", jobId, e.replyCode(), e.getMessage());
            return;
        } catch (RuntimeException e) {
            addresses.releaseVerificationMail(address, claim.get());
            throw e;
        }
        metrics.counter("notification.emails", "outcome", "sent", "kind", "VERIFICATION").increment();
        Log.infof("Job %s: owner's address not verified; sent it a verification email, the job's email waits for the link", jobId);
    }

    private byte[] serialized(JobEvent event) {
        try {
            return json.writeValueAsBytes(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a job event is always JSON", e);
        }
    }
}
