package com.mp3converter.notification.service;

import com.mp3converter.contracts.JobEvent;
import com.mp3converter.notification.repository.SentNotifications;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import com.mongodb.MongoException;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.Retry;

import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;

/**
 * One final email per job, however often and however concurrently its events are delivered: the delivery
 * that claims the job's record sends, the others wait for it and skip; a FAILED event for a job that got
 * its DONE email (or the reverse) sends nothing. A mail the SMTP server refuses for good (5xx) is given up at once
 * and recorded so. Only verified addresses get job emails (EmailVerifications). The only duplicate left is a crash,
 * or storage out of reach for longer than recording the send is retried, after the SMTP server accepted the mail and before the record says
 * SENT (the claim's lease then runs out and a redelivery sends again); the fixed Message-ID lets mail clients fold it.
 */
@ApplicationScoped
public class NotificationService {

    private static final long WAIT_FOR_OTHER_SENDER_MILLIS = 200;

    private final SentNotifications sent;
    private final EmailComposer composer;
    private final MailSender mailSender;
    private final MeterRegistry metrics;
    private final EmailVerifications verifications;

    NotificationService(SentNotifications sent, EmailComposer composer, MailSender mailSender, MeterRegistry metrics,
                        EmailVerifications verifications) {
        this.sent = sent;
        this.verifications = verifications;
        this.composer = composer;
        this.mailSender = mailSender;
        this.metrics = metrics;
    }

    /**
     * While storage is unreachable the event waits here with a growing delay rather than going back to
     * the broker at once. Budget: {@code NotificationService/notify/Retry/maxDuration}.
     */
    @Retry(retryOn = MongoException.class, maxRetries = -1, delay = 500, jitter = 200, maxDuration = 15,
            durationUnit = ChronoUnit.MINUTES)
    @ExponentialBackoff(maxDelay = 30, maxDelayUnit = ChronoUnit.SECONDS)
    public void notify(JobEvent event) throws InterruptedException {
        if (!verifications.mayMail(event)) {
            return; // held until its owner's address is verified
        }
        String kind = event.type().name();
        SentNotifications.Claim claim;
        while ((claim = sent.claim(event.jobId(), kind, event.ownerEmail())) == SentNotifications.Claim.IN_PROGRESS) {
            Thread.sleep(WAIT_FOR_OTHER_SENDER_MILLIS); // until it is sent, released, or its lease runs out
        }
        if (claim == SentNotifications.Claim.SENT) {
            Log.infof("Email for job %s (%s) already sent; skipping redelivery", event.jobId(), kind);
            return;
        }
        if (claim == SentNotifications.Claim.GIVEN_UP) {
            Log.infof("Email for job %s (%s) was refused for good before; not sending it again", event.jobId(), kind);
            return;
        }
        if (claim == SentNotifications.Claim.OTHER_KIND_SENT) {
            Log.warnf("Job %s got its final email already, of the other kind; not sending %s", event.jobId(), kind);
            return;
        }
        long sending = System.nanoTime();
        try {
            mailSender.send(composer.compose(event));
        } catch (PermanentRejection e) {
            // Decided once: the server will answer the same, so the event is acked, never retried.
            try {
                sent.markGivenUp(event.jobId(), e.replyCode());
            } catch (MongoException notRecorded) { // a redelivery then asks the server again, and is refused again
                Log.warnf("Could not record job %s's refused email: %s", event.jobId(), notRecorded.getMessage());
            }
            metrics.counter("notification.emails", "outcome", "rejected", "kind", kind).increment();
            Log.warnf("Email for job %s (%s) refused for good (SMTP %d), given up: %s", event.jobId(), kind, e.replyCode(), e.getMessage());
            return;
        } catch (RuntimeException e) {
            sent.release(event.jobId());
            throw e;
        }
        long smtpMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sending);
        try {
            sent.markSent(event.jobId());
        } catch (MongoException e) { // after its own retries: sending again would make the duplicate we avoid
            Log.warnf("Emailed the owner of job %s (%s) but could not record it: %s", event.jobId(), kind, e.getMessage());
        }
        metrics.counter("notification.emails", "outcome", "sent", "kind", kind).increment();
        Log.infof("Emailed the owner of job %s (%s), SMTP took %d ms", event.jobId(), kind, smtpMillis);
    }
}
