package com.mp3converter.notification;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An SMTP server that refuses some recipients, which GreenMail cannot: "nobody-..." for good (550), "busy-..." once
 * for now (451) and then accepted. Counts the RCPT attempts and the mails accepted per address.
 */
final class FakeSmtpServer implements AutoCloseable {

    final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> accepted = new ConcurrentHashMap<>();
    private final ServerSocket server;

    FakeSmtpServer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "fake-smtp");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    int attempts(String email) {
        return attempts.getOrDefault(email.toLowerCase(Locale.ROOT), new AtomicInteger()).get();
    }

    int accepted(String email) {
        return accepted.getOrDefault(email.toLowerCase(Locale.ROOT), new AtomicInteger()).get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Thread session = new Thread(() -> serve(socket), "fake-smtp-session");
                session.setDaemon(true);
                session.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket; BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
             OutputStream out = socket.getOutputStream()) {
            reply(out, "220 fake ESMTP");
            String recipient = null;
            String line;
            while ((line = in.readLine()) != null) {
                String command = line.toUpperCase(Locale.ROOT);
                if (command.startsWith("EHLO") || command.startsWith("HELO")) {
                    reply(out, "250 fake");
                } else if (command.startsWith("RCPT TO:")) {
                    String address = line.substring(line.indexOf('<') + 1, line.indexOf('>')).toLowerCase(Locale.ROOT);
                    int attempt = attempts.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
                    if (address.startsWith("nobody-")) {
                        reply(out, "550 5.1.1 mailbox unavailable");
                    } else if (address.startsWith("busy-") && attempt == 1) {
                        reply(out, "451 4.3.0 try again later");
                    } else {
                        recipient = address;
                        reply(out, "250 OK");
                    }
                } else if (command.equals("DATA")) {
                    reply(out, "354 go ahead");
                    while ((line = in.readLine()) != null && !line.equals(".")) {
                        // the mail itself is not needed
                    }
                    if (recipient != null) {
                        accepted.computeIfAbsent(recipient, a -> new AtomicInteger()).incrementAndGet();
                    }
                    recipient = null;
                    reply(out, "250 queued");
                } else if (command.equals("QUIT")) {
                    reply(out, "221 bye");
                    return;
                } else { // MAIL FROM, RSET, NOOP
                    if (command.startsWith("RSET") || command.startsWith("MAIL")) {
                        recipient = null;
                    }
                    reply(out, "250 OK");
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // the client went away
        }
    }

    private static void reply(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
