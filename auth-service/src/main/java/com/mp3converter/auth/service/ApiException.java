package com.mp3converter.auth.service;

import java.time.Duration;

/** A refusal meant for the caller: the status code and a message safe to show. */
public class ApiException extends RuntimeException {

    /** The bound a request went past: its config key and its value. */
    public record Limit(String name, long max) {
    }

    private final int status;
    private final Duration retryAfter;
    private final Limit limit;

    public ApiException(int status, String message) {
        this(status, message, null, null);
    }

    public ApiException(int status, String message, Duration retryAfter) {
        this(status, message, retryAfter, null);
    }

    public ApiException(int status, String message, Duration retryAfter, Limit limit) {
        super(message, null, false, false);
        this.status = status;
        this.retryAfter = retryAfter;
        this.limit = limit;
    }

    public int status() {
        return status;
    }

    /** For 429 and 503: how long the caller should wait; null otherwise. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** The limit that refused the request, if a limit did; null otherwise. */
    public Limit limit() {
        return limit;
    }
}
