package com.mp3converter.devinfra;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * A local SMTP server that keeps every mail: {@code java -cp dev-infra.jar com.mp3converter.devinfra.MailCatcher
 * PORT DIR}. Each received mail is written to DIR as an .eml file (readable with any text viewer).
 */
public final class MailCatcher {

    private MailCatcher() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Path dir = Files.createDirectories(Path.of(args[1]));
        GreenMail smtp = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            smtp.stop();
            stopped.countDown();
        }));
        System.out.println("ready " + port);
        System.out.flush();
        int saved = 0;
        while (stopped.getCount() > 0) {
            // Wakes as soon as the next mail arrives, so its file appears when the SMTP server accepted it.
            smtp.waitForIncomingEmail(1000, saved + 1);
            MimeMessage[] received = smtp.getReceivedMessages();
            for (; saved < received.length; saved++) {
                Path file = dir.resolve(String.format("%04d.eml", saved + 1));
                try (OutputStream out = Files.newOutputStream(file)) {
                    received[saved].writeTo(out);
                }
                System.out.println("mail " + file + " to " + received[saved].getAllRecipients()[0]
                        + ": " + received[saved].getSubject());
                System.out.flush();
            }
        }
    }
}
