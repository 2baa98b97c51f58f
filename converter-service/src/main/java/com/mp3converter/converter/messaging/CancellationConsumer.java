package com.mp3converter.converter.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mp3converter.contracts.ConversionCancelled;
import com.mp3converter.converter.service.ConversionService;
import io.quarkus.logging.Log;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.io.IOException;

/**
 * Cancellations, on a queue of this replica's own (every replica hears each one, as the job may run on any):
 * auto-acknowledged, since a replica that misses one loses nothing (a waiting job's video is gone, and the
 * conversion that finds it so ends CANCELLED too).
 */
@ApplicationScoped
public class CancellationConsumer {

    private final ConversionService conversions;
    private final ObjectMapper json;

    CancellationConsumer(ConversionService conversions, ObjectMapper json) {
        this.conversions = conversions;
        this.json = json;
    }

    @Incoming("conversion-cancellations")
    @Blocking
    public void consume(byte[] payload) {
        try {
            ConversionCancelled cancelled = json.readValue(payload, ConversionCancelled.class);
            if (cancelled.jobId() != null) {
                conversions.cancel(cancelled.jobId());
            }
        } catch (IOException | RuntimeException e) {
            Log.warnf("Ignoring an unreadable or unappliable cancellation: %s", e.getMessage());
        }
    }
}
