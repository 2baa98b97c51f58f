package com.mp3converter.contracts;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.time.Instant;

/**
 * Routing key {@link Topology#CONVERSION_CANCELLED}: the job's owner cancelled it. Each converter replica hears it
 * on a queue of its own, stops the job's ffmpeg if it runs there, and records the outcome, so a request still
 * waiting is not converted either. Unknown fields are ignored.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ConversionCancelled(String jobId, Instant cancelledAt) {
}
