package com.mp3converter.gateway.service;

/** A per-user limit reached: 413 for stored bytes, 429 for the others, naming the limit; Retry-After where waiting helps. */
public class QuotaExceeded extends ApiException {

    /** The limit, as GET /users/me/usage names it, with its maximum and what is used. */
    public record Limit(String name, long max, long used) {
    }

    private final Limit limit;
    private final Long retryAfterSeconds;

    public QuotaExceeded(int status, String message, Limit limit, Long retryAfterSeconds) {
        super(status, message);
        this.limit = limit;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public Limit limit() {
        return limit;
    }

    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
