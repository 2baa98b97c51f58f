package com.mp3converter.converter.service;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The streamability check's contract on any head of a file: it answers within a bound and throws nothing; a "yes"
 * (the index comes first) found in part of a file stays a "yes" however much more of the file is read, since the
 * converter decides on the head alone; and a file it calls web-optimised is never relocated by {@link Mp4Faststart}.
 * Regression inputs live in src/test/resources/.../StreamableMediaFuzzTestInputs and run in every build.
 */
class StreamableMediaFuzzTest {

    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void answersWithinABoundAndAYesStaysAYes(byte[] file) throws Exception {
        boolean whole = StreamableMedia.indexBeforeData(file);
        assertThat(StreamableMedia.canStream("mov", file)).isEqualTo(whole);
        byte[] half = Arrays.copyOf(file, file.length / 2);
        if (StreamableMedia.indexBeforeData(half)) {
            assertThat(whole).as("a yes on the first half holds for the whole file").isTrue();
        }
        if (whole) {
            try {
                assertThat(Mp4Faststart.relocated(new CountingRanges(file), file.length,
                        Mp4Faststart.Limits.of(1000, 2, 2L * Mp4Faststart.HEADER_WINDOW, file.length))).isEmpty();
            } catch (PermanentFailure pastABound) {
                // many boxes before the index: bad media either way, never a relocation
            }
        }
    }
}
