package com.mp3converter.e2e;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** An OTLP/HTTP trace receiver (what a collector or Jaeger offers on :4318), keeping every span it is sent. */
final class OtlpReceiver implements AutoCloseable {

    /** One received span, with the service that sent it. */
    record ReceivedSpan(String service, String traceId, String spanId, String parentSpanId, String name,
                        Map<String, String> attributes) {
    }

    private final HttpServer server;
    private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();

    private OtlpReceiver(HttpServer server) {
        this.server = server;
    }

    static OtlpReceiver start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        OtlpReceiver receiver = new OtlpReceiver(server);
        server.createContext("/v1/traces", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                receiver.keep(ExportTraceServiceRequest.parseFrom(body));
                exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, -1);
            } catch (IOException | RuntimeException e) {
                exchange.sendResponseHeaders(400, -1);
            } finally {
                exchange.close();
            }
        });
        server.start();
        return receiver;
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<ReceivedSpan> spansOf(String traceId) {
        return spans.stream().filter(span -> span.traceId().equals(traceId)).toList();
    }

    private void keep(ExportTraceServiceRequest request) {
        HexFormat hex = HexFormat.of();
        for (ResourceSpans resource : request.getResourceSpansList()) {
            String service = attributes(resource.getResource().getAttributesList()).getOrDefault("service.name", "?");
            for (ScopeSpans scope : resource.getScopeSpansList()) {
                scope.getSpansList().forEach(span -> spans.add(new ReceivedSpan(service, hex.formatHex(span.getTraceId().toByteArray()),
                        hex.formatHex(span.getSpanId().toByteArray()), hex.formatHex(span.getParentSpanId().toByteArray()),
                        span.getName(), attributes(span.getAttributesList()))));
            }
        }
    }

    private static Map<String, String> attributes(List<KeyValue> keyValues) {
        return keyValues.stream().collect(Collectors.toMap(KeyValue::getKey, kv -> {
            var value = kv.getValue();
            return value.hasStringValue() ? value.getStringValue() : value.hasIntValue() ? String.valueOf(value.getIntValue())
                    : value.hasDoubleValue() ? String.valueOf(value.getDoubleValue()) : value.toString();
        }, (a, b) -> a));
    }

    /** Stops, leaving every span received in {@code file}, one a line, for a reviewer. */
    void closeInto(java.nio.file.Path file) throws IOException {
        server.stop(0);
        java.nio.file.Files.write(file, spans.stream().map(ReceivedSpan::toString).toList());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
