package com.mp3converter.gateway.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mp3converter.contracts.ConversionCancelled;
import com.mp3converter.contracts.ConversionRequest;
import com.mp3converter.contracts.JobEvent;
import com.mp3converter.contracts.Topology;
import com.mp3converter.gateway.config.GatewayConfig;
import com.mp3converter.messaging.ConfirmedPublisher;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.Config;

import java.io.IOException;

/**
 * Publishes a conversion request, a cancellation, or (for a repeated upload answered with an earlier MP3) a DONE event,
 * confirmed by the broker and routed to a queue, or throws; the caller then keeps the job pending for the sweeper.
 */
@ApplicationScoped
public class ConversionRequestPublisher {

    private final ConfirmedPublisher publisher;
    private final ObjectMapper json;

    ConversionRequestPublisher(GatewayConfig config, ObjectMapper json, Config mpConfig) {
        this.publisher = new ConfirmedPublisher(ConfirmedPublisher.Settings.fromConfig(mpConfig, "gateway-service"));
        this.json = json;
    }

    public void publish(ConversionRequest request) throws IOException {
        publisher.publish(Topology.CONVERSION_REQUESTED, request.jobId(), json.writeValueAsBytes(request));
    }

    /** The event a converter would send: the gateway's own consumer and the notifier take it as theirs. */
    public void announce(JobEvent event) throws IOException {
        publisher.publish(event.routingKey(), event.jobId() + "." + event.type(), json.writeValueAsBytes(event));
    }

    /** To every converter replica connected now (none connected: nothing runs that could be stopped). */
    public void cancel(ConversionCancelled cancelled) throws IOException {
        publisher.broadcast(Topology.CONVERSION_CANCELLED, cancelled.jobId() + ".cancelled", json.writeValueAsBytes(cancelled));
    }

    void close(@Observes ShutdownEvent shutdown) {
        publisher.close();
    }
}
