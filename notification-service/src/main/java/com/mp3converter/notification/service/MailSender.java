package com.mp3converter.notification.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.quarkus.mailer.Mail;
import io.quarkus.mailer.reactive.ReactiveMailer;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.Retry;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

/** Hands a mail to the SMTP server, retrying with exponential backoff for up to a minute. */
@ApplicationScoped
public class MailSender {

    // A server answers each step in milliseconds; an exchange that hangs (seen once on a pooled connection under
    // load) is given up and retried on a new connection, so the owner waits seconds for the email, not half a minute.
    private static final Duration SMTP_TIMEOUT = Duration.ofSeconds(10);

    private final ReactiveMailer mailer;
    private final MeterRegistry metrics;

    MailSender(ReactiveMailer mailer, MeterRegistry metrics) {
        this.mailer = mailer;
        this.metrics = metrics;
    }

    @Retry(maxRetries = 8, delay = 500, jitter = 200, maxDuration = 60, durationUnit = ChronoUnit.SECONDS)
    @ExponentialBackoff(factor = 2, maxDelay = 15_000)
    @WithSpan("smtp send")
    public void send(Mail mail) {
        try {
            mailer.send(mail).await().atMost(SMTP_TIMEOUT);
        } catch (RuntimeException e) {
            metrics.counter("notification.smtp.failures").increment();
            Log.warnf("SMTP refused or unreachable, will retry: %s", e.getMessage());
            throw e;
        }
    }
}
