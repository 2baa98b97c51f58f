package com.mp3converter.gateway.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.mp3converter.gateway.service.ApiException;
import com.mp3converter.gateway.service.QuotaExceeded;

import java.util.OptionalLong;

/**
 * Every error the gateway answers, from a resource or a route: {"status": 413, "error": "..."}, and for a quota
 * the limit it names: {"limit": {"name": "storedBytes", "max": ..., "used": ...}}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ErrorBody(int status, String error, QuotaExceeded.Limit limit) {

    /** What a 503 tells the client to wait before trying again. */
    private static final long RETRY_AFTER_SECONDS = 5;

    public ErrorBody(int status, String error) {
        this(status, error, null);
    }

    public static ErrorBody of(ApiException e) {
        return new ErrorBody(e.status(), e.getMessage(), e instanceof QuotaExceeded quota ? quota.limit() : null);
    }

    /** The Retry-After an error carries, if any. */
    public static OptionalLong retryAfterSeconds(ApiException e) {
        if (e instanceof QuotaExceeded quota) {
            return quota.retryAfterSeconds() == null ? OptionalLong.empty() : OptionalLong.of(quota.retryAfterSeconds());
        }
        return e.status() == 503 ? OptionalLong.of(RETRY_AFTER_SECONDS) : OptionalLong.empty();
    }
}
