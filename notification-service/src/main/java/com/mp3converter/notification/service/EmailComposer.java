package com.mp3converter.notification.service;

import com.mp3converter.contracts.DownloadLinks;
import com.mp3converter.contracts.JobEvent;
import com.mp3converter.contracts.Mp3Names;
import com.mp3converter.notification.config.NotificationConfig;
import io.quarkus.mailer.Mail;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

/**
 * Builds the two emails, plain text plus HTML, from the Qute templates in templates/EmailComposer; the
 * engine escapes every value in the HTML part.
 */
@ApplicationScoped
public class EmailComposer {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance doneText(String name, String mp3Id, String size, String duration, String link,
                                                String linkValidFor, String email, String gatewayUrl, String command);

        static native TemplateInstance doneHtml(String name, String mp3Id, String size, String duration, String link,
                                                String linkValidFor, String email, String gatewayUrl, String command);

        static native TemplateInstance failedText(String name, String reason);

        static native TemplateInstance failedHtml(String name, String reason);

        static native TemplateInstance verifyText(String email, String link, String linkValidFor);

        static native TemplateInstance verifyHtml(String email, String link, String linkValidFor);
    }

    private final String gatewayUrl;
    private final DownloadLinks links;
    private final Duration linkTtl;
    private final int fileNameMaxChars;

    EmailComposer(NotificationConfig config) {
        this.gatewayUrl = config.gatewayUrl().replaceAll("/+$", "");
        this.links = new DownloadLinks(config.downloadLink().key(), List.of());
        this.linkTtl = config.downloadLink().ttl();
        this.fileNameMaxChars = config.fileNameMaxChars();
    }

    public Mail compose(JobEvent event) {
        String name = fileName(event);
        Mail mail = event.type() == JobEvent.Type.DONE ? done(event, name) : failed(event, name);
        // The same Message-ID for the same job and kind lets mail clients fold a rare duplicate.
        mail.addHeader("Message-ID", "<" + event.jobId() + "." + event.type().name().toLowerCase(Locale.ROOT) + "@mp3converter>");
        return mail;
    }

    /**
     * The verification email: the address itself is the only text in it that a user chose (at registration), and the
     * link is the whole point; no file name, nothing an attacker who registered this address could word.
     */
    public Mail verification(String email, String link, Duration validFor) {
        String valid = humanDuration(validFor);
        return Mail.withText(email, "Confirm your email address for mp3converter", Templates.verifyText(email, link, valid).render())
                .setHtml(Templates.verifyHtml(email, link, valid).render());
    }

    /** The uploaded file's name, or a stand-in, on one line and bounded (MailText), for subject and body alike. */
    private String fileName(JobEvent event) {
        String name = event.originalFilename() == null ? "" : MailText.oneLine(event.originalFilename(), fileNameMaxChars);
        return name.isEmpty() ? "your video" : name;
    }

    String downloadCommand(JobEvent event) {
        return "curl --output \"" + shellSafe(Mp3Names.of(event.originalFilename() == null ? null
                : MailText.oneLine(event.originalFilename(), fileNameMaxChars))) + "\" -H \"Authorization: Bearer $TOKEN\" \""
                + gatewayUrl + "/download?fid=" + event.mp3Id() + "\"";
    }

    private Mail done(JobEvent event, String name) {
        String size = humanSize(event.mp3Size() == null ? 0 : event.mp3Size());
        String duration = minutesSeconds(event.durationSeconds() == null ? 0 : event.durationSeconds());
        String command = downloadCommand(event);
        String link = oneClickLink(event);
        String validFor = humanDuration(linkTtl);
        return Mail.withText(event.ownerEmail(), "Your MP3 is ready: " + name, Templates.doneText(name, event.mp3Id(), size,
                        duration, link, validFor, event.ownerEmail(), gatewayUrl, command).render())
                .setHtml(Templates.doneHtml(name, event.mp3Id(), size, duration, link, validFor, event.ownerEmail(), gatewayUrl,
                        command).render());
    }

    /** Signed at sending time, so a redelivered event mails a link valid as long as the first. */
    String oneClickLink(JobEvent event) {
        Instant expiresAt = Instant.now().plus(linkTtl).truncatedTo(ChronoUnit.SECONDS);
        return gatewayUrl + DownloadLinks.PATH + links.sign(new DownloadLinks.Link(event.jobId(), event.mp3Id(), expiresAt));
    }

    private Mail failed(JobEvent event, String name) {
        String reason = event.reason() == null ? "the conversion failed" : event.reason();
        return Mail.withText(event.ownerEmail(), "We could not convert " + name, Templates.failedText(name, reason).render())
                .setHtml(Templates.failedHtml(name, reason).render());
    }

    private static String shellSafe(String text) {
        return text.replaceAll("[^A-Za-z0-9._ -]", "_");
    }

    private static String humanSize(long bytes) {
        return bytes >= 1024 * 1024 ? String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0)
                : String.format(Locale.ROOT, "%.0f KB", bytes / 1024.0);
    }

    private static String humanDuration(Duration duration) {
        if (duration.toDays() >= 2 && duration.toHoursPart() == 0 && duration.toMinutesPart() == 0) {
            return duration.toDays() + " days";
        }
        return duration.toHours() >= 1 && duration.toMinutesPart() == 0 ? duration.toHours() + " h" : duration.toMinutes() + " min";
    }

    private static String minutesSeconds(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
