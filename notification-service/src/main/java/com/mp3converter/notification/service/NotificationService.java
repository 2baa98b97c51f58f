package com.mp3converter.notification.service;

import com.mp3converter.notification.messaging.JobEvent;
import com.mp3converter.notification.repository.SentNotifications;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * One email per (job, kind), however often and however concurrently the event is delivered: the delivery
 * that claims the record sends, the others wait for it and skip. The only duplicate left is a crash
 * after the SMTP server accepted the mail and before the record says SENT (the claim's lease then runs
 * out and a redelivery sends again); the fixed Message-ID lets mail clients fold it.
 */
@ApplicationScoped
public class NotificationService {

    private static final long WAIT_FOR_OTHER_SENDER_MILLIS = 200;

    private final SentNotifications sent;
    private final EmailComposer composer;
    private final MailSender mailSender;
    private final MeterRegistry metrics;

    NotificationService(SentNotifications sent, EmailComposer composer, MailSender mailSender, MeterRegistry metrics) {
        this.sent = sent;
        this.composer = composer;
        this.mailSender = mailSender;
        this.metrics = metrics;
    }

    public void notify(JobEvent event) throws InterruptedException {
        String kind = event.type().name();
        SentNotifications.Claim claim;
        while ((claim = sent.claim(event.jobId(), kind, event.ownerEmail())) == SentNotifications.Claim.IN_PROGRESS) {
            Thread.sleep(WAIT_FOR_OTHER_SENDER_MILLIS); // until it is sent, released, or its lease runs out
        }
        if (claim == SentNotifications.Claim.SENT) {
            Log.infof("Email for job %s (%s) already sent; skipping redelivery", event.jobId(), kind);
            return;
        }
        try {
            mailSender.send(composer.compose(event));
        } catch (RuntimeException e) {
            sent.release(event.jobId(), kind);
            throw e;
        }
        sent.markSent(event.jobId(), kind);
        metrics.counter("notification.emails", "outcome", "sent", "kind", kind).increment();
        Log.infof("Emailed the owner of job %s (%s)", event.jobId(), kind);
    }
}
