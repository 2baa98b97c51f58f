package com.mp3converter.auth.service;

import java.time.Duration;

/** A refusal meant for the caller: the status code and a message safe to show. */
public class ApiException extends RuntimeException {

    private final int status;
    private final Duration retryAfter;

    public ApiException(int status, String message) {
        this(status, message, null);
    }

    public ApiException(int status, String message, Duration retryAfter) {
        super(message, null, false, false);
        this.status = status;
        this.retryAfter = retryAfter;
    }

    public int status() {
        return status;
    }

    /** For 429: how long the caller should wait; null otherwise. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
