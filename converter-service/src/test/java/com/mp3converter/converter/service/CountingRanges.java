package com.mp3converter.converter.service;

import java.io.ByteArrayInputStream;
import java.io.InputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** A stored file in memory, read through {@link Mp4Faststart.Ranges}: counts what is asked of it, refuses ranges outside it. */
final class CountingRanges implements Mp4Faststart.Ranges {
    private final byte[] file;
    long bytesRequested;
    int opens;

    CountingRanges(byte[] file) {
        this.file = file;
    }

    @Override
    public InputStream open(long from, long to) {
        assertThat(from).as("range start").isBetween(0L, to);
        assertThat(to).as("range end").isLessThanOrEqualTo(file.length);
        bytesRequested += to - from;
        opens++;
        return new ByteArrayInputStream(file, (int) from, (int) (to - from));
    }
}
