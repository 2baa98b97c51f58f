package com.mp3converter.gateway.service;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The media sniffer's contract on any head of an upload: it names one of the demuxers the converter pins, or none;
 * it never throws, and nothing past the length it is given changes its answer.
 */
class MediaSnifferFuzzTest {

    private static final Set<String> DEMUXERS = Set.of("mov", "matroska", "avi", "wav", "ogg", "flac", "flv", "asf", "mpeg",
            "mpegts", "mp3", "aac");
    private static final int PAST_LENGTH = 512;

    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void namesAKnownDemuxerFromTheGivenBytesOnly(byte[] input) {
        byte[] head = Arrays.copyOf(input, Math.min(input.length, MediaSniffer.HEAD_BYTES));
        Optional<String> exact = MediaSniffer.container(head, head.length);
        exact.ifPresent(name -> assertThat(name).isIn(DEMUXERS));
        for (byte filler : new byte[] {0x00, 0x47, (byte) 0xFF, 'f'}) {
            byte[] padded = Arrays.copyOf(head, head.length + PAST_LENGTH);
            Arrays.fill(padded, head.length, padded.length, filler);
            assertThat(MediaSniffer.container(padded, head.length)).as("bytes past the length (0x%02x)", filler).isEqualTo(exact);
        }
    }
}
