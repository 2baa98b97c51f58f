package com.mp3converter.notification.service;

import com.mp3converter.notification.config.NotificationConfig;
import com.mp3converter.notification.messaging.JobEvent;
import io.quarkus.mailer.Mail;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Locale;

/** Builds the two emails (plain text plus a simple HTML part); user text is escaped in HTML. */
@ApplicationScoped
public class EmailComposer {

    private final String gatewayUrl;

    EmailComposer(NotificationConfig config) {
        this.gatewayUrl = config.gatewayUrl().replaceAll("/+$", "");
    }

    public Mail compose(JobEvent event) {
        String name = headerSafe(event.originalFilename() == null ? "your video" : event.originalFilename());
        Mail mail = event.type() == JobEvent.Type.DONE ? done(event, name) : failed(event, name);
        // The same Message-ID for the same job and kind lets mail clients fold a rare duplicate.
        mail.addHeader("Message-ID", "<" + event.jobId() + "." + event.type().name().toLowerCase(Locale.ROOT) + "@mp3converter>");
        return mail;
    }

    String downloadCommand(JobEvent event) {
        return "curl --output \"" + shellSafe(mp3Name(event.originalFilename())) + "\" -H \"Authorization: Bearer $TOKEN\" \""
                + gatewayUrl + "/download?fid=" + event.mp3Id() + "\"";
    }

    private Mail done(JobEvent event, String name) {
        String size = humanSize(event.mp3Size() == null ? 0 : event.mp3Size());
        String duration = minutesSeconds(event.durationSeconds() == null ? 0 : event.durationSeconds());
        String command = downloadCommand(event);
        String text = """
                Your MP3 of "%s" is ready.

                MP3 id (fid): %s
                Size:         %s
                Duration:     %s

                Download it with:

                  TOKEN=$(curl -s -X POST -u %s:YOUR_PASSWORD %s/login)
                  %s
                """.formatted(name, event.mp3Id(), size, duration, event.ownerEmail(), gatewayUrl, command);
        String html = """
                <p>Your MP3 of <b>%s</b> is ready.</p>
                <table><tr><td>MP3 id (fid)</td><td><code>%s</code></td></tr>
                <tr><td>Size</td><td>%s</td></tr><tr><td>Duration</td><td>%s</td></tr></table>
                <p>Download it with:</p>
                <pre>TOKEN=$(curl -s -X POST -u %s:YOUR_PASSWORD %s/login)
                %s</pre>
                """.formatted(html(name), html(event.mp3Id()), size, duration, html(event.ownerEmail()), html(gatewayUrl),
                html(command));
        return Mail.withText(event.ownerEmail(), "Your MP3 is ready: " + name, text).setHtml(html);
    }

    private Mail failed(JobEvent event, String name) {
        String reason = event.reason() == null ? "the conversion failed" : event.reason();
        String text = """
                We could not convert "%s" to MP3.

                Reason: %s

                What you can do: check that the file plays in a media player and has a sound track, then upload
                it again. If it keeps failing, try another copy or format of the video (MP4, MKV, WebM, MOV, AVI).
                """.formatted(name, reason);
        String html = """
                <p>We could not convert <b>%s</b> to MP3.</p>
                <p>Reason: %s</p>
                <p>What you can do: check that the file plays in a media player and has a sound track, then upload it
                again. If it keeps failing, try another copy or format of the video (MP4, MKV, WebM, MOV, AVI).</p>
                """.formatted(html(name), html(reason));
        return Mail.withText(event.ownerEmail(), "We could not convert " + name, text).setHtml(html);
    }

    static String html(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;").replace("'", "&#39;");
    }

    private static String headerSafe(String text) {
        return text.replaceAll("[\\p{Cntrl}]", " ");
    }

    private static String shellSafe(String text) {
        return text.replaceAll("[^A-Za-z0-9._ -]", "_");
    }

    private static String mp3Name(String original) {
        String name = original == null || original.isBlank() ? "audio" : original;
        int dot = name.lastIndexOf('.');
        return (dot > 0 ? name.substring(0, dot) : name) + ".mp3";
    }

    private static String humanSize(long bytes) {
        return bytes >= 1024 * 1024 ? String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0)
                : String.format(Locale.ROOT, "%.0f KB", bytes / 1024.0);
    }

    private static String minutesSeconds(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
