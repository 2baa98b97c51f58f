package com.mp3converter.messaging;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import org.jboss.logging.MDC;

import java.util.Map;
import java.util.function.Supplier;

/**
 * One delivery of a message, as one span in the trace its producer started (W3C trace context from the
 * message headers) with the job's id in it and in the log context (MDC jobId, traceId) while it runs.
 * The consumers use this instead of the connector's own tracing, so the span is current for every line
 * of the handler, blocking threads included.
 */
public final class TracedDelivery {

    private static final TextMapGetter<Map<String, Object>> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, Object> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, Object> carrier, String key) {
            Object value = carrier == null ? null : carrier.get(key);
            return value == null ? null : value.toString();
        }
    };

    private TracedDelivery() {
    }

    /** Runs {@code handler} in a CONSUMER span named {@code name}, child of the context in {@code headers}. */
    public static <T> T run(Tracer tracer, String name, Map<String, Object> headers, String jobId, Supplier<T> handler) {
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), headers == null ? Map.of() : headers, HEADERS);
        Span span = tracer.spanBuilder(name).setParent(parent).setSpanKind(SpanKind.CONSUMER)
                .setAttribute("messaging.system", "rabbitmq").setAttribute("job.id", jobId == null ? "" : jobId).startSpan();
        try (Scope scope = span.makeCurrent(); LogContext log = LogContext.of(jobId)) {
            return handler.get();
        } catch (RuntimeException e) {
            span.setStatus(StatusCode.ERROR, e.getMessage());
            throw e;
        } finally {
            span.end();
        }
    }

    /** The current trace context as W3C headers, for a message about to be published. */
    public static void inject(Map<String, Object> headers) {
        W3CTraceContextPropagator.getInstance().inject(Context.current(), headers, Map::put);
    }

    /** jobId and the current traceId in the log context (MDC) until closed. */
    public static final class LogContext implements AutoCloseable {
        private LogContext() {
        }

        public static LogContext of(String jobId) {
            if (jobId != null) {
                MDC.put("jobId", jobId);
            }
            String traceId = Span.current().getSpanContext().getTraceId();
            if (Span.current().getSpanContext().isValid()) {
                MDC.put("traceId", traceId);
            }
            return new LogContext();
        }

        @Override
        public void close() {
            MDC.remove("jobId");
            MDC.remove("traceId");
        }
    }
}
