package com.mp3converter.notification.service;

import com.mp3converter.notification.messaging.JobEvent;
import com.mp3converter.notification.repository.SentNotifications;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * One email per (job, kind). The record is written after the SMTP server accepted the mail, so an
 * outage delays mail and never drops it; the only duplicate left is a crash between those two steps,
 * which the fixed Message-ID lets mail clients fold.
 */
@ApplicationScoped
public class NotificationService {

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

    public void notify(JobEvent event) {
        String kind = event.type().name();
        if (sent.alreadySent(event.jobId(), kind)) {
            Log.infof("Email for job %s (%s) already sent; skipping redelivery", event.jobId(), kind);
            return;
        }
        mailSender.send(composer.compose(event));
        sent.recordSent(event.jobId(), kind, event.ownerEmail());
        metrics.counter("notification.emails", "outcome", "sent", "kind", kind).increment();
        Log.infof("Emailed the owner of job %s (%s)", event.jobId(), kind);
    }
}
