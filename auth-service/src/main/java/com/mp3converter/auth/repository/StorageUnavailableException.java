package com.mp3converter.auth.repository;

/** The user database could not be reached or failed; callers answer 503. */
public class StorageUnavailableException extends RuntimeException {
    public StorageUnavailableException(Throwable cause) {
        super("user database unavailable", cause);
    }
}
