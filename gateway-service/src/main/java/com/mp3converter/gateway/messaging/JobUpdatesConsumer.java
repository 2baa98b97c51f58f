package com.mp3converter.gateway.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mp3converter.contracts.JobEvent;
import com.mp3converter.gateway.service.JobUpdates;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.io.IOException;

/**
 * Every converter event, on this replica's own auto-deleted queue (no acks, nothing kept while the gateway
 * is down): only for the pages connected here. The job records are updated by JobEventConsumer.
 */
@ApplicationScoped
public class JobUpdatesConsumer {

    private final JobUpdates updates;
    private final ObjectMapper json;

    JobUpdatesConsumer(JobUpdates updates, ObjectMapper json) {
        this.updates = updates;
        this.json = json;
    }

    @Incoming("job-updates")
    public void consume(byte[] payload) {
        try {
            JobEvent event = json.readValue(payload, JobEvent.class);
            if (event.jobId() != null && event.owner() != null && event.type() != null) {
                updates.publish(event);
            }
        } catch (IOException e) {
            Log.debugf("Ignoring an unreadable job update: %s", e.getMessage());
        }
    }
}
