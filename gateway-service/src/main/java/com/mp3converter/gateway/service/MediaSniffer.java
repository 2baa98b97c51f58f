package com.mp3converter.gateway.service;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Tells a media container from the first bytes of a file, never from its name or Content-Type.
 * Returns the ffmpeg demuxer name, which the converter pins as the only input format.
 */
public final class MediaSniffer {

    /** Enough bytes for every signature below. */
    public static final int HEAD_BYTES = 4096;

    private MediaSniffer() {
    }

    public static Optional<String> container(byte[] head, int length) {
        if (length >= 12 && ascii(head, 4, "ftyp")) {
            return Optional.of("mov"); // MP4, MOV, M4A, 3GP: one ffmpeg demuxer
        }
        if (length >= 8 && (ascii(head, 4, "moov") || ascii(head, 4, "mdat") || ascii(head, 4, "wide")
                || ascii(head, 4, "free") || ascii(head, 4, "skip"))) {
            return Optional.of("mov"); // QuickTime without ftyp
        }
        if (length >= 4 && u8(head, 0) == 0x1A && u8(head, 1) == 0x45 && u8(head, 2) == 0xDF && u8(head, 3) == 0xA3) {
            return Optional.of("matroska"); // MKV and WebM
        }
        if (length >= 12 && ascii(head, 0, "RIFF") && ascii(head, 8, "AVI ")) {
            return Optional.of("avi");
        }
        if (length >= 12 && ascii(head, 0, "RIFF") && ascii(head, 8, "WAVE")) {
            return Optional.of("wav");
        }
        if (length >= 4 && ascii(head, 0, "OggS")) {
            return Optional.of("ogg");
        }
        if (length >= 4 && ascii(head, 0, "fLaC")) {
            return Optional.of("flac");
        }
        if (length >= 3 && ascii(head, 0, "FLV")) {
            return Optional.of("flv");
        }
        if (length >= 4 && u8(head, 0) == 0x30 && u8(head, 1) == 0x26 && u8(head, 2) == 0xB2 && u8(head, 3) == 0x75) {
            return Optional.of("asf"); // WMV, WMA
        }
        if (length >= 4 && u8(head, 0) == 0 && u8(head, 1) == 0 && u8(head, 2) == 1 && u8(head, 3) == 0xBA) {
            return Optional.of("mpeg"); // MPEG program stream (VOB, MPG)
        }
        if (length >= 377 && u8(head, 0) == 0x47 && u8(head, 188) == 0x47 && u8(head, 376) == 0x47) {
            return Optional.of("mpegts");
        }
        if (length >= 3 && ascii(head, 0, "ID3")) {
            return Optional.of("mp3");
        }
        if (length >= 2 && u8(head, 0) == 0xFF && (u8(head, 1) & 0xF6) == 0xF0) {
            return Optional.of("aac"); // ADTS
        }
        if (length >= 2 && u8(head, 0) == 0xFF && (u8(head, 1) & 0xE0) == 0xE0) {
            return Optional.of("mp3"); // MPEG audio frame sync
        }
        return Optional.empty();
    }

    private static int u8(byte[] b, int i) {
        return b[i] & 0xFF;
    }

    private static boolean ascii(byte[] b, int offset, String text) {
        byte[] expected = text.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < expected.length; i++) {
            if (b[offset + i] != expected[i]) {
                return false;
            }
        }
        return true;
    }
}
