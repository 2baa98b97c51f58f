package com.mp3converter.converter.service;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Whether ffmpeg can read a video front to back from a pipe, so the download overlaps the encode.
 * Matroska/WebM can. An MP4/MOV can only if its index ("moov") comes before the media data ("mdat"),
 * as in web-optimised ("faststart") files; otherwise ffmpeg must seek to the end first, which a pipe
 * cannot do, and the video is copied to a temp file before encoding.
 */
final class StreamableMedia {

    /** Bytes of the file's start to look at; the top-level atoms before the index are small. */
    static final int HEAD_BYTES = 64 * 1024;

    private StreamableMedia() {
    }

    static boolean canStream(String container, byte[] head) {
        return switch (container) {
            case "matroska" -> true;
            case "mov" -> indexBeforeData(head);
            default -> false;
        };
    }

    /** Walks the top-level MP4 atoms in {@code head}: true if "moov" is met before "mdat". */
    static boolean indexBeforeData(byte[] head) {
        ByteBuffer atoms = ByteBuffer.wrap(head);
        while (atoms.remaining() >= 8) {
            int start = atoms.position();
            long size = Integer.toUnsignedLong(atoms.getInt());
            String type = new String(head, start + 4, 4, StandardCharsets.ISO_8859_1);
            if (type.equals("moov")) {
                return true;
            }
            if (type.equals("mdat")) {
                return false;
            }
            atoms.position(start + 8);
            if (size == 1 && atoms.remaining() >= 8) {
                size = atoms.getLong(); // 64-bit size follows the type
            }
            if (size < 8 || start + size > head.length) {
                return false; // to the end of the file, malformed, or past what we read: do not guess
            }
            atoms.position((int) (start + size));
        }
        return false;
    }
}
