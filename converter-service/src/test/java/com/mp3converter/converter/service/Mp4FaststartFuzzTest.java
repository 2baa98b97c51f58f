package com.mp3converter.converter.service;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The index relocation's contract on any stored file: it ends within a bound, throws nothing but PermanentFailure
 * (bad media), requests no range outside the file and never more bytes than its read budget (counted by a fake
 * storage), and what it streams is the same file with its index first: as long, read as web-optimised by
 * {@link StreamableMedia}, and left alone by a second relocation. Regression inputs (the known attacks among them)
 * live in src/test/resources/.../Mp4FaststartFuzzTestInputs and run in every build; docs/testing.md has the
 * command that fuzzes.
 */
class Mp4FaststartFuzzTest {

    /** Fewer boxes than in production, so the fuzzer reaches the bound with small inputs. */
    private static final int MAX_BOXES = 1000;
    /** Two passes over the file at most: the header windows and the index, then the relocated stream. */
    private static final double READ_FACTOR = 2;
    private static final long READ_EXTRA = 2L * Mp4Faststart.HEADER_WINDOW;

    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void relocatesWithinItsBoundsOrFailsAsBadMedia(byte[] file) throws IOException {
        Mp4Faststart.Limits limits = Mp4Faststart.Limits.of(MAX_BOXES, READ_FACTOR, READ_EXTRA, file.length);
        CountingRanges storage = new CountingRanges(file);
        Optional<InputStream> relocated;
        try {
            relocated = Mp4Faststart.relocated(storage, file.length, limits);
        } catch (PermanentFailure badMedia) {
            assertThat(badMedia.getMessage()).as("a plain reason").contains("not a usable video");
            assertThat(storage.bytesRequested).as("bytes read before failing").isLessThanOrEqualTo(limits.maxReadBytes());
            return;
        }
        if (relocated.isEmpty()) {
            assertThat(storage.bytesRequested).isLessThanOrEqualTo(limits.maxReadBytes());
            return;
        }
        byte[] streamed;
        try (InputStream in = relocated.get()) {
            streamed = in.readAllBytes();
        }
        assertThat(storage.bytesRequested).as("bytes read, the relocated stream included").isLessThanOrEqualTo(limits.maxReadBytes());
        assertThat(streamed).as("the same file, rearranged").hasSameSizeAs(file);
        assertThat(StreamableMedia.indexBeforeData(streamed)).as("the index now comes first").isTrue();
        try {
            assertThat(Mp4Faststart.relocated(new CountingRanges(streamed), streamed.length, limits)).as("nothing left to move").isEmpty();
        } catch (PermanentFailure sameBoxes) {
            throw new AssertionError("the relocated file has the boxes the original had: " + sameBoxes.getMessage());
        }
    }
}
