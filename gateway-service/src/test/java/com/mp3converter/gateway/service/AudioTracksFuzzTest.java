package com.mp3converter.gateway.service;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The audio-track reader's contract on any head of an upload: it answers (present, absent or "cannot tell")
 * within a bound, never throws, and reads nothing past the length it is given. Regression inputs, the fuzzer's
 * findings among them, live in src/test/resources/.../AudioTracksFuzzTestInputs and run in every build;
 * docs/testing.md has the command that fuzzes.
 */
class AudioTracksFuzzTest {

    /** The slack past the given length: any read there must be refused, so it is filled with a marker. */
    private static final int PAST_LENGTH = 64;

    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void answersWithinABoundAndThrowsNothing(byte[] input) {
        // The head is handed over with spare room after it, as the gateway does: nothing there may matter.
        byte[] padded = java.util.Arrays.copyOf(input, input.length + PAST_LENGTH);
        java.util.Arrays.fill(padded, input.length, padded.length, (byte) 0x01);
        for (String container : new String[] {"mov", "matroska"}) {
            Optional<Boolean> exact = AudioTracks.present(container, input, input.length);
            assertThat(AudioTracks.present(container, padded, input.length))
                    .as("what lies past the given length does not change the answer for %s", container)
                    .isEqualTo(exact);
        }
        assertThat(AudioTracks.present("wav", input, input.length)).contains(true);
    }
}
