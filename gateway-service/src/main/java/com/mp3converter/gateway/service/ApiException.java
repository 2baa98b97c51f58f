package com.mp3converter.gateway.service;

/** A refusal meant for the caller: the status code and a message safe to show. */
public class ApiException extends RuntimeException {

    private final int status;

    public ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static ApiException notFound() {
        return new ApiException(404, "no such job or file");
    }
}
