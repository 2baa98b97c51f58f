package com.mp3converter.gateway.http;

import com.mp3converter.gateway.service.ApiException;

import java.util.OptionalInt;

/** Every error the gateway answers, from a resource or a route: {"status": 413, "error": "..."}. */
public record ErrorBody(int status, String error) {

    /** What a 503 tells the client to wait before trying again. */
    private static final int RETRY_AFTER_SECONDS = 5;

    public static ErrorBody of(ApiException e) {
        return new ErrorBody(e.status(), e.getMessage());
    }

    /** The Retry-After an error of this status carries, if any. */
    public static OptionalInt retryAfterSeconds(int status) {
        return status == 503 ? OptionalInt.of(RETRY_AFTER_SECONDS) : OptionalInt.empty();
    }
}
