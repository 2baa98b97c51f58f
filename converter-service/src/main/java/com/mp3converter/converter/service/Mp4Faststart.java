package com.mp3converter.converter.service;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * An MP4/MOV whose index ("moov") comes after its media data, read as if it had been written web-optimised: the
 * index is read from the stored file first, its chunk offsets ("stco"/"co64") into the data it now precedes
 * shifted by its own size, and the file streamed as atoms-before-the-data, index, data. So ffmpeg reads it front
 * to back from a pipe, as qt-faststart would have made it, with no copy of the video on disk. Empty when the layout is not the plain
 * one this handles (compressed index, offsets that would overflow, several indexes): the caller copies then.
 */
final class Mp4Faststart {

    /** Reads bytes [from, to) of the stored file. */
    interface Ranges {
        InputStream open(long from, long to) throws IOException;
    }

    /** An index larger than this is not held in memory (a 3-hour video's is a few MB). */
    static final int MAX_INDEX_BYTES = 32 * 1024 * 1024;
    private static final Set<String> CONTAINERS = Set.of("moov", "trak", "mdia", "minf", "stbl");

    private record Atom(String type, long offset, long size) {
        long end() {
            return offset + size;
        }
    }

    /** Bytes [from, to) of the file end up {@code by} bytes further on. */
    private record Moved(long from, long to, long by) {
        long apply(long offset) {
            return offset >= from && offset < to ? offset + by : offset;
        }
    }

    private Mp4Faststart() {
    }

    static Optional<InputStream> relocated(Ranges file, long length) throws IOException {
        List<Atom> atoms = topLevelAtoms(file, length);
        if (atoms == null) {
            return Optional.empty();
        }
        Atom moov = null;
        Atom firstMdat = null;
        for (Atom atom : atoms) {
            if (atom.type().equals("moov")) {
                if (moov != null) {
                    return Optional.empty();
                }
                moov = atom;
            } else if (atom.type().equals("mdat") && firstMdat == null) {
                firstMdat = atom;
            }
        }
        if (moov == null || firstMdat == null || moov.offset() < firstMdat.offset() || moov.size() > MAX_INDEX_BYTES) {
            return Optional.empty();
        }
        byte[] index;
        try (InputStream in = file.open(moov.offset(), moov.end())) {
            index = in.readNBytes((int) moov.size());
        }
        // Only the data between the first mdat and the index moves (by the index's size); what follows it stays put.
        Moved moved = new Moved(firstMdat.offset(), moov.offset(), moov.size());
        if (index.length != moov.size() || !moveOffsets(ByteBuffer.wrap(index), 0, index.length, moved)) {
            return Optional.empty();
        }
        List<InputStream> parts = new ArrayList<>();
        try {
            parts.add(file.open(0, firstMdat.offset()));
            parts.add(new ByteArrayInputStream(index));
            parts.add(file.open(firstMdat.offset(), moov.offset()));
            if (moov.end() < length) {
                parts.add(file.open(moov.end(), length));
            }
        } catch (IOException | RuntimeException e) {
            for (InputStream opened : parts) { // a range may read ahead on its own thread
                try {
                    opened.close();
                } catch (IOException closing) {
                    e.addSuppressed(closing);
                }
            }
            throw e;
        }
        return Optional.of(new SequenceInputStream(Collections.enumeration(parts)));
    }

    /** The top-level atoms, from their headers; null if they do not tile the file exactly. */
    private static List<Atom> topLevelAtoms(Ranges file, long length) throws IOException {
        List<Atom> atoms = new ArrayList<>();
        long offset = 0;
        while (offset < length) {
            byte[] header;
            try (InputStream in = file.open(offset, Math.min(offset + 16, length))) {
                header = in.readNBytes(16);
            }
            if (header.length < 8) {
                return null;
            }
            ByteBuffer b = ByteBuffer.wrap(header);
            long size = Integer.toUnsignedLong(b.getInt(0));
            String type = new String(header, 4, 4, StandardCharsets.ISO_8859_1);
            if (size == 1 && header.length == 16) {
                size = b.getLong(8);
            } else if (size == 0) {
                size = length - offset; // to the end of the file
            }
            if (size < 8 || offset + size > length) {
                return null;
            }
            atoms.add(new Atom(type, offset, size));
            offset += size;
        }
        return atoms;
    }

    /** Moves every chunk offset under the atoms in [from, to) with the data it points at; false if it cannot. */
    private static boolean moveOffsets(ByteBuffer index, int from, int to, Moved moved) {
        int at = from;
        if (from == 0) { // inside the moov itself, past its header
            at = index.getInt(0) == 1 ? 16 : 8;
        }
        while (at + 8 <= to) {
            long size = Integer.toUnsignedLong(index.getInt(at));
            String type = new String(index.array(), at + 4, 4, StandardCharsets.ISO_8859_1);
            int header = 8;
            if (size == 1) {
                if (at + 16 > to) {
                    return false;
                }
                size = index.getLong(at + 8);
                header = 16;
            }
            if (size < header || at + size > to) {
                return false;
            }
            int end = (int) (at + size);
            switch (type) {
                case "cmov" -> {
                    return false; // compressed index
                }
                case "stco" -> {
                    if (!moveTable(index, at + header, end, moved, 4)) {
                        return false;
                    }
                }
                case "co64" -> {
                    if (!moveTable(index, at + header, end, moved, 8)) {
                        return false;
                    }
                }
                default -> {
                    if (CONTAINERS.contains(type) && !moveOffsets(index, at + header, end, moved)) {
                        return false;
                    }
                }
            }
            at = end;
        }
        return true;
    }

    /** version/flags (4 bytes), entry count (4), then the offsets. */
    private static boolean moveTable(ByteBuffer index, int body, int end, Moved moved, int width) {
        if (body + 8 > end) {
            return false;
        }
        long entries = Integer.toUnsignedLong(index.getInt(body + 4));
        if (body + 8 + entries * width > end) {
            return false;
        }
        for (int i = 0; i < entries; i++) {
            int at = body + 8 + i * width;
            if (width == 4) {
                long offset = moved.apply(Integer.toUnsignedLong(index.getInt(at)));
                if (offset > 0xFFFF_FFFFL) {
                    return false; // would need co64: the index would grow
                }
                index.putInt(at, (int) offset);
            } else {
                index.putLong(at, moved.apply(index.getLong(at)));
            }
        }
        return true;
    }
}
