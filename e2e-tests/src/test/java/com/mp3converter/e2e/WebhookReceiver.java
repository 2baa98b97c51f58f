package com.mp3converter.e2e;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A webhook receiver of the suites' own: records each POST (path, the signature headers, body) and answers 204. */
final class WebhookReceiver implements AutoCloseable {

    record Received(String path, String eventId, String timestamp, String signature, String body) {
    }

    private final HttpServer server;
    private final List<Received> received = Collections.synchronizedList(new ArrayList<>());

    private WebhookReceiver(HttpServer server) {
        this.server = server;
    }

    static WebhookReceiver start() throws IOException {
        WebhookReceiver receiver = new WebhookReceiver(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
        receiver.server.createContext("/", exchange -> {
            receiver.received.add(new Received(exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Mp3converter-Event-Id"),
                    exchange.getRequestHeaders().getFirst("Mp3converter-Timestamp"),
                    exchange.getRequestHeaders().getFirst("Mp3converter-Signature"),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.server.start();
        return receiver;
    }

    /** host:port, for WEBHOOK_ALLOWED_HOSTS (a loopback receiver is internal, so it must be allowed). */
    String hostAndPort() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
