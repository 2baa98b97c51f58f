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
                return size <= length - at ? Optional.of(hasSoundTrack(b, at + 8, (int) (at + size))) : Optional.empty();
            }
            if (size > length - at) {
                return Optional.empty(); // media data (or an index at the end) before any moov we can see
            }
            at += (int) size;
        }
        return Optional.empty();
    }

    /** Every box is read once and lies inside its parent (a box that claims more is malformed): the walk ends. */
    private static boolean hasSoundTrack(byte[] b, int from, int to) {
        for (int at = from; at + 8 <= to; ) {
            int end = end(b, at, to);
            String type = type(b, at);
            if (type.equals("trak") || type.equals("mdia")) {
                if (hasSoundTrack(b, at + 8, end)) {
                    return true;
                }
            } else if (type.equals("hdlr") && at + 20 <= end && new String(b, at + 16, 4, java.nio.charset.StandardCharsets.US_ASCII).equals("soun")) {
                return true;
            }
            at = end;
        }
        return false;
    }

    /** Where the box at {@code at} ends; malformed when it ends past {@code limit}. */
    private static int end(byte[] b, int at, int limit) {
        long size = box(b, at, limit);
        if (size > limit - at) {
            throw new IllegalArgumentException("box larger than its parent");
        }
        return at + (int) size;
    }

    private static long box(byte[] b, int at, int limit) {
        long size = u32(b, at);
        if (size == 1) {
            need(at, 16, limit);
            size = (u32(b, at + 8) << 32) | u32(b, at + 12); // 64-bit size (negative when its top bit is set)
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
        Element header = element(b, 0, length);
        if (header.unknownSize() || header.size() > length - header.dataAt()) {
            return Optional.empty();
        }
        Element segment = element(b, header.end(), length); // past the EBML header
        if (segment.id() != MATROSKA_SEGMENT) {
            return Optional.empty();
        }
        for (int at = segment.dataAt(); at < length; ) {
            Element child = element(b, at, length);
            if (child.id() == MATROSKA_CLUSTER || child.unknownSize() || child.size() > length - child.dataAt()) {
                return Optional.empty(); // media before the track list, or a list longer than the head
            }
            if (child.id() == MATROSKA_TRACKS) {
                return Optional.of(hasAudioEntry(b, child.dataAt(), child.end()));
            }
            at = child.end();
        }
        return Optional.empty();
    }

    /** Every element lies inside its parent and the walk moves forward on each: it ends. */
    private static boolean hasAudioEntry(byte[] b, int from, int to) {
        for (int at = from; at < to; ) {
            Element entry = within(element(b, at, to), to);
            if (entry.id() == MATROSKA_TRACK_ENTRY) {
                for (int in = entry.dataAt(); in < entry.end(); ) {
                    Element field = within(element(b, in, entry.end()), entry.end());
                    if (field.id() == MATROSKA_TRACK_TYPE && field.size() > 0 && b[field.end() - 1] == MATROSKA_AUDIO) {
                        return true;
                    }
                    in = field.end();
                }
            }
            at = entry.end();
        }
        return false;
    }

    private record Element(int id, long size, int dataAt, boolean unknownSize) {
        /** Where the element ends; only meaningful once its size is known to fit (see {@link #within}). */
        int end() {
            return (int) Math.min(Integer.MAX_VALUE, dataAt + size);
        }
    }

    private static Element within(Element element, int limit) {
        if (element.unknownSize() || element.size() > limit - element.dataAt()) {
            throw new IllegalArgumentException("element larger than its parent");
        }
        return element;
    }

    private static Element element(byte[] b, int at, int limit) {
        if (at >= limit) {
            throw new IllegalArgumentException("element past its parent");
        }
        int idLength = vintLength(b[at]);
        need(at, idLength + 1, limit);
        int id = 0;
        for (int i = 0; i < idLength; i++) {
            id = (id << 8) | (b[at + i] & 0xff);
        }
        int sizeAt = at + idLength;
        int sizeLength = vintLength(b[sizeAt]);
        need(sizeAt, sizeLength, limit);
        long size = b[sizeAt] & (0xff >> sizeLength);
        boolean allOnes = size == (0xff >> sizeLength);
        for (int i = 1; i < sizeLength; i++) {
            size = (size << 8) | (b[sizeAt + i] & 0xff);
            allOnes &= (b[sizeAt + i] & 0xff) == 0xff;
        }
        return new Element(id, size, sizeAt + sizeLength, allOnes);
    }

    /** Refuses to read {@code n} bytes at {@code at} when they reach past {@code limit}. */
    private static void need(int at, int n, int limit) {
        if (n > limit - at) {
            throw new IllegalArgumentException("truncated");
        }
    }

    private static int vintLength(byte first) {
        int leading = Integer.numberOfLeadingZeros(first & 0xff) - 24;
        if (leading > 7) {
            throw new IllegalArgumentException("not an EBML variable-length integer");
        }
        return leading + 1;
    }
}
