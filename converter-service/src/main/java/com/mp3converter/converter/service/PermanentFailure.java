package com.mp3converter.converter.service;

/** The input itself is the problem (not media, no audio, corrupt): retrying cannot help. */
public class PermanentFailure extends Exception {
    public PermanentFailure(String reason) {
        super(reason, null, false, false);
    }
}
