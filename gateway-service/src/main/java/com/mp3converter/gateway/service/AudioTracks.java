package com.mp3converter.gateway.service;

import java.util.Optional;

/**
 * Whether a file has an audio track, as far as its first bytes tell: the track list of an MP4/MOV whose index
 * comes first (moov: a track whose handler is "soun"), or of Matroska/WebM (Tracks: a TrackEntry of TrackType 2).
 * Empty when the head does not hold the whole list (an MP4 with its index at the end, a huge index) or for other
 * containers: the converter finds out then. Audio-only containers have audio by nature.
 */
public final class AudioTracks {

    /** Enough for the index of a web-optimised MP4 of about half an hour, and any Matroska track list. */
    public static final int PROBE_BYTES = 512 * 1024;

    private static final int MATROSKA_SEGMENT = 0x18538067;
    private static final int MATROSKA_TRACKS = 0x1654AE6B;
    private static final int MATROSKA_TRACK_ENTRY = 0xAE;
    private static final int MATROSKA_TRACK_TYPE = 0x83;
    private static final int MATROSKA_CLUSTER = 0x1F43B675;
    private static final int MATROSKA_AUDIO = 2;

    private AudioTracks() {
    }

    public static Optional<Boolean> present(String container, byte[] head, int length) {
        try {
            return switch (container) {
                case "mov" -> mp4(head, length);
                case "matroska" -> matroska(head, length);
                case "wav", "mp3", "aac", "flac" -> Optional.of(true);
                default -> Optional.empty();
            };
        } catch (IndexOutOfBoundsException | IllegalArgumentException malformed) {
            return Optional.empty(); // not for us to judge: the converter reads it properly
        }
    }

    // ---- MP4 / MOV: boxes of 4-byte size and 4-byte type ---------------------------------------------

    private static Optional<Boolean> mp4(byte[] b, int length) {
        for (int at = 0; at + 8 <= length; ) {
            long size = box(b, at, length);
            if (type(b, at).equals("moov")) {
                return at + size <= length ? Optional.of(hasSoundTrack(b, at + 8, (int) (at + size))) : Optional.empty();
            }
            if (size < 8 || at + size > length) {
                return Optional.empty(); // media data (or an index at the end) before any moov we can see
            }
            at += (int) size;
        }
        return Optional.empty();
    }

    private static boolean hasSoundTrack(byte[] b, int from, int to) {
        for (int at = from; at + 8 <= to; at += (int) box(b, at, to)) {
            String type = type(b, at);
            if (type.equals("trak") || type.equals("mdia")) {
                if (hasSoundTrack(b, at + 8, (int) (at + box(b, at, to)))) {
                    return true;
                }
            } else if (type.equals("hdlr") && at + 20 <= to && new String(b, at + 16, 4, java.nio.charset.StandardCharsets.US_ASCII).equals("soun")) {
                return true;
            }
        }
        return false;
    }

    private static long box(byte[] b, int at, int limit) {
        long size = u32(b, at);
        if (size == 1) {
            size = (u32(b, at + 8) << 32) | u32(b, at + 12); // 64-bit size
        } else if (size == 0) {
            size = limit - at; // to the end
        }
        if (size < 8) {
            throw new IllegalArgumentException("box smaller than its header");
        }
        return size;
    }

    private static String type(byte[] b, int at) {
        return new String(b, at + 4, 4, java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static long u32(byte[] b, int at) {
        return ((long) (b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }

    // ---- Matroska / WebM: EBML elements of variable-length id and size --------------------------------

    private static Optional<Boolean> matroska(byte[] b, int length) {
        int at = 0;
        Element header = element(b, at);
        at = header.dataAt() + (int) header.size(); // the EBML header
        Element segment = element(b, at);
        if (segment.id() != MATROSKA_SEGMENT) {
            return Optional.empty();
        }
        for (at = segment.dataAt(); at < length; ) {
            Element child = element(b, at);
            if (child.id() == MATROSKA_CLUSTER || child.unknownSize()) {
                return Optional.empty(); // media before the track list
            }
            if (child.id() == MATROSKA_TRACKS) {
                return child.dataAt() + child.size() <= length
                        ? Optional.of(hasAudioEntry(b, child.dataAt(), (int) (child.dataAt() + child.size()))) : Optional.empty();
            }
            at = child.dataAt() + (int) child.size();
        }
        return Optional.empty();
    }

    private static boolean hasAudioEntry(byte[] b, int from, int to) {
        for (int at = from; at < to; ) {
            Element entry = element(b, at);
            int end = entry.dataAt() + (int) entry.size();
            if (entry.id() == MATROSKA_TRACK_ENTRY) {
                for (int in = entry.dataAt(); in < end; ) {
                    Element field = element(b, in);
                    if (field.id() == MATROSKA_TRACK_TYPE && b[field.dataAt() + (int) field.size() - 1] == MATROSKA_AUDIO) {
                        return true;
                    }
                    in = field.dataAt() + (int) field.size();
                }
            }
            at = end;
        }
        return false;
    }

    private record Element(int id, long size, int dataAt, boolean unknownSize) {
    }

    private static Element element(byte[] b, int at) {
        int idLength = vintLength(b[at]);
        int id = 0;
        for (int i = 0; i < idLength; i++) {
            id = (id << 8) | (b[at + i] & 0xff);
        }
        int sizeAt = at + idLength;
        int sizeLength = vintLength(b[sizeAt]);
        long size = b[sizeAt] & (0xff >> sizeLength);
        boolean allOnes = size == (0xff >> sizeLength);
        for (int i = 1; i < sizeLength; i++) {
            size = (size << 8) | (b[sizeAt + i] & 0xff);
            allOnes &= (b[sizeAt + i] & 0xff) == 0xff;
        }
        return new Element(id, size, sizeAt + sizeLength, allOnes);
    }

    private static int vintLength(byte first) {
        int leading = Integer.numberOfLeadingZeros(first & 0xff) - 24;
        if (leading > 7) {
            throw new IllegalArgumentException("not an EBML variable-length integer");
        }
        return leading + 1;
    }
}
