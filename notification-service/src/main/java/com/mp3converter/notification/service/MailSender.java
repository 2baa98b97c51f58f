package com.mp3converter.notification.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.quarkus.mailer.Mail;
import io.quarkus.mailer.reactive.ReactiveMailer;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import io.vertx.ext.mail.SMTPException;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.Retry;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Set;

/**
 * Hands a mail to the SMTP server, retrying with exponential backoff for up to a minute when the server is out of
 * reach or answers "try again later" (4xx, timeouts, lost connections); a permanent refusal (5xx) is never retried.
 */
@ApplicationScoped
public class MailSender {

    // A server answers each step in milliseconds; an exchange that hangs (seen once on a pooled connection under
    // load) is given up and retried on a new connection, so the owner waits seconds for the email, not half a minute.
    private static final Duration SMTP_TIMEOUT = Duration.ofSeconds(10);

    /**
     * 5xx replies that say our side is misconfigured (authentication required, failed, too weak), not that the mail
     * is unwanted: once an operator fixes the credentials the same mail goes through, so these stay retried.
     */
    private static final Set<Integer> CONFIGURATION_REPLIES = Set.of(530, 534, 535, 538);

    private final ReactiveMailer mailer;
    private final MeterRegistry metrics;

    MailSender(ReactiveMailer mailer, MeterRegistry metrics) {
        this.mailer = mailer;
        this.metrics = metrics;
    }

    @Retry(maxRetries = 8, delay = 500, jitter = 200, maxDuration = 60, durationUnit = ChronoUnit.SECONDS,
            abortOn = PermanentRejection.class)
    @ExponentialBackoff(factor = 2, maxDelay = 15_000)
    @WithSpan("smtp send")
    public void send(Mail mail) {
        try {
            mailer.send(mail).await().atMost(SMTP_TIMEOUT);
        } catch (RuntimeException e) {
            SMTPException reply = smtpReply(e);
            if (reply != null && reply.isPermanent() && !CONFIGURATION_REPLIES.contains(reply.getReplyCode())) {
                metrics.counter("notification.smtp.rejections").increment();
                throw new PermanentRejection(reply.getReplyCode(), "SMTP server refused the mail for good: " + reply.getMessage(), e);
            }
            metrics.counter("notification.smtp.failures").increment();
            Log.warnf("SMTP refused or unreachable, will retry: %s", e.getMessage());
            throw e;
        }
    }

    private static SMTPException smtpReply(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof SMTPException reply) {
                return reply;
            }
        }
        return null;
    }
}
