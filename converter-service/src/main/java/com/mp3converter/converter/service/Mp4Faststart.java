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
 * <p>
 * The file is hostile. Every box lies inside its parent, sizes are longs (a 64-bit size never wraps), every step
 * moves forward, and the work is bounded by {@link Limits}: past the boxes it may visit or the bytes it may read,
 * the file is bad media ({@link PermanentFailure}). Atom headers are read in windows, so a flood of empty atoms
 * costs one range read per window, not one per atom.
 */
final class Mp4Faststart {

    /** Reads bytes [from, to) of the stored file. */
    interface Ranges {
        InputStream open(long from, long to) throws IOException;
    }

    /**
     * What one relocation may cost: boxes visited (top-level atoms and boxes walked in the index) and bytes
     * requested through {@link Ranges} (atom headers, the index, and the relocated stream itself).
     */
    record Limits(int maxBoxes, long maxReadBytes) {
        /** The read budget of a file of {@code length} bytes: {@code factor} times its size plus {@code extraBytes}. */
        static Limits of(int maxBoxes, double factor, long extraBytes, long length) {
            double budget = factor * Math.max(length, 0) + extraBytes;
            return new Limits(maxBoxes, budget >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) budget);
        }
    }

    /** An index larger than this is not held in memory (a 3-hour video's is a few MB). */
    static final int MAX_INDEX_BYTES = 32 * 1024 * 1024;
    /** Atom headers are read this many bytes at a time (the head the caller holds anyway is one window). */
    static final int HEADER_WINDOW = 64 * 1024;
    /** moov > trak > mdia > minf > stbl > stco: a deeper nest of containers is no index of ours. */
    static final int MAX_DEPTH = 8;
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

    /** The file, with what may still be spent on it. */
    private static final class Budget {
        private final Ranges file;
        private final Limits limits;
        private int boxes;
        private long read;

        Budget(Ranges file, Limits limits) {
            this.file = file;
            this.limits = limits;
        }

        InputStream open(long from, long to) throws IOException, PermanentFailure {
            if (to - from > limits.maxReadBytes() - read) {
                throw new PermanentFailure("the MP4's layout would take reading more than " + limits.maxReadBytes()
                        + " bytes of storage for a file this size; it is not a usable video");
            }
            read += to - from;
            return file.open(from, to);
        }

        void visit() throws PermanentFailure {
            if (++boxes > limits.maxBoxes()) {
                throw new PermanentFailure("the MP4 has more than " + limits.maxBoxes() + " boxes; it is not a usable video");
            }
        }
    }

    private Mp4Faststart() {
    }

    /**
     * The file streamed with its index first, or empty when its layout is not one this handles.
     * @throws PermanentFailure past a {@link Limits} bound or nested deeper than any index: bad media
     */
    static Optional<InputStream> relocated(Ranges file, long length, Limits limits) throws IOException, PermanentFailure {
        Budget budget = new Budget(file, limits);
        List<Atom> atoms = topLevelAtoms(budget, length);
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
        try (InputStream in = budget.open(moov.offset(), moov.end())) {
            index = in.readNBytes((int) moov.size());
        }
        // Only the data between the first mdat and the index moves (by the index's size); what follows it stays put.
        Moved moved = new Moved(firstMdat.offset(), moov.offset(), moov.size());
        if (index.length != moov.size() || !moveOffsets(ByteBuffer.wrap(index), 0, index.length, moved, 0, budget)) {
            return Optional.empty();
        }
        List<InputStream> parts = new ArrayList<>();
        try {
            parts.add(budget.open(0, firstMdat.offset()));
            parts.add(new ByteArrayInputStream(index));
            parts.add(budget.open(firstMdat.offset(), moov.offset()));
            if (moov.end() < length) {
                parts.add(budget.open(moov.end(), length));
            }
        } catch (IOException | PermanentFailure | RuntimeException e) {
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
    private static List<Atom> topLevelAtoms(Budget budget, long length) throws IOException, PermanentFailure {
        List<Atom> atoms = new ArrayList<>();
        byte[] window = new byte[0];
        long windowAt = 0;
        long offset = 0;
        while (offset < length) {
            budget.visit();
            if (offset + 16 > windowAt + window.length && windowAt + window.length < length) { // header not all in hand
                windowAt = offset;
                try (InputStream in = budget.open(offset, offset + Math.min(HEADER_WINDOW, length - offset))) {
                    window = in.readNBytes(HEADER_WINDOW);
                }
            }
            int at = (int) (offset - windowAt);
            int available = window.length - at;
            if (available < 8) {
                return null;
            }
            ByteBuffer b = ByteBuffer.wrap(window);
            long size = Integer.toUnsignedLong(b.getInt(at));
            String type = new String(window, at + 4, 4, StandardCharsets.ISO_8859_1);
            if (size == 1 && available >= 16) {
                size = b.getLong(at + 8); // 64-bit size; negative (above 2^63) is refused below
            } else if (size == 0) {
                size = length - offset; // to the end of the file
            }
            if (size < 8 || size > length - offset) {
                return null;
            }
            atoms.add(new Atom(type, offset, size));
            offset += size;
        }
        return atoms;
    }

    /** Moves every chunk offset under the atoms in [from, to) with the data it points at; false if it cannot. */
    private static boolean moveOffsets(ByteBuffer index, int from, int to, Moved moved, int depth, Budget budget)
            throws PermanentFailure {
        if (depth > MAX_DEPTH) {
            throw new PermanentFailure("the MP4's index nests boxes more than " + MAX_DEPTH + " deep; it is not a usable video");
        }
        int at = from;
        if (depth == 0) { // inside the moov itself, past its header
            at = index.getInt(0) == 1 ? 16 : 8;
        }
        while (at + 8 <= to) {
            budget.visit();
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
            if (size < header || size > to - at) { // also a negative 64-bit size: every box inside its parent
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
                    if (CONTAINERS.contains(type) && !moveOffsets(index, at + header, end, moved, depth + 1, budget)) {
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
        if (entries * width > end - body - 8) {
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
