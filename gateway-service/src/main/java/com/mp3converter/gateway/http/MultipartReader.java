package com.mp3converter.gateway.http;

import com.mp3converter.gateway.service.ApiException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a multipart/form-data body part by part as it streams in, each part's content as an InputStream
 * that ends at the next boundary. Written for uploads: nothing is buffered beyond a small window, so a
 * file part goes to storage at the speed it arrives (Vert.x's decoder managed a third of that).
 */
public final class MultipartReader {

    /** A part's name and, for a file, its file name (null for a plain field). */
    public record Part(String name, String filename) {
    }

    private static final int WINDOW = 256 * 1024;
    private static final int MAX_HEADER_BYTES = 8 * 1024;
    private static final Pattern BOUNDARY = Pattern.compile("boundary=(?:\"([^\"]{1,70})\"|([^;\\s]{1,70}))", Pattern.CASE_INSENSITIVE);
    private static final Pattern PARAM = Pattern.compile(";\\s*(name|filename)=(?:\"((?:[^\"\\\\]|\\\\.)*)\"|([^;\\s]*))",
            Pattern.CASE_INSENSITIVE);

    private final InputStream in;
    private final byte[] delimiter; // CRLF "--" boundary: what ends a part's content
    private final int[] skip;
    private final byte[] buffer;
    private int start;
    private int end;
    private boolean inputEnded;
    private boolean finished;
    private PartStream current;

    public MultipartReader(InputStream in, String contentType) {
        Matcher boundary = BOUNDARY.matcher(contentType == null ? "" : contentType);
        if (!boundary.find()) {
            throw new ApiException(400, "multipart/form-data without a boundary");
        }
        String value = boundary.group(1) != null ? boundary.group(1) : boundary.group(2);
        this.in = in;
        this.delimiter = ("\r\n--" + value).getBytes(StandardCharsets.ISO_8859_1);
        this.skip = skipTable(delimiter);
        this.buffer = new byte[WINDOW + delimiter.length];
        // The first boundary has no CRLF before it (unless a preamble precedes it): pretend it had.
        this.buffer[0] = '\r';
        this.buffer[1] = '\n';
        this.end = 2;
    }

    /** Moves to the next part, skipping what is left of the current one; null after the last part. */
    public Part next() throws IOException {
        if (finished) {
            return null;
        }
        if (current == null) {
            skipPreamble();
        } else {
            current.transferTo(OutputStream.nullOutputStream());
        }
        if (!fill(2)) {
            throw new ApiException(400, "the multipart body ends without its closing boundary");
        }
        if (buffer[start] == '-' && buffer[start + 1] == '-') {
            finished = true;
            return null;
        }
        Part part = headers();
        current = new PartStream();
        return part;
    }

    /** The content of the part {@link #next()} returned. */
    public InputStream content() {
        return current;
    }

    /** A plain field's value, bounded. */
    public String fieldValue(int maxBytes) throws IOException {
        byte[] value = current.readNBytes(maxBytes + 1);
        if (value.length > maxBytes) {
            throw new ApiException(400, "a form field is longer than " + maxBytes + " bytes");
        }
        return new String(value, StandardCharsets.UTF_8);
    }

    private void skipPreamble() throws IOException {
        PartStream preamble = new PartStream();
        preamble.transferTo(OutputStream.nullOutputStream());
    }

    /** Reads "Name: value" lines up to the blank line; keeps Content-Disposition's name and filename. */
    private Part headers() throws IOException {
        skipLineEnd(); // the rest of the boundary line
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        int lastFour = 0;
        while (true) {
            if (!fill(1)) {
                throw new ApiException(400, "the multipart body ends inside a part's headers");
            }
            byte b = buffer[start++];
            header.write(b);
            lastFour = (lastFour << 8) | (b & 0xFF);
            if (header.size() > MAX_HEADER_BYTES) {
                throw new ApiException(400, "a part's headers are too long");
            }
            boolean blankLine = lastFour == 0x0D0A0D0A || header.size() == 2 && (lastFour & 0xFFFF) == 0x0D0A;
            if (blankLine) {
                return part(header.toString(StandardCharsets.UTF_8));
            }
        }
    }

    private void skipLineEnd() throws IOException {
        while (fill(1)) {
            byte b = buffer[start++];
            if (b == '\n') {
                return;
            }
        }
        throw new ApiException(400, "the multipart body ends after a boundary");
    }

    private static Part part(String headers) {
        String name = null;
        String filename = null;
        for (String line : headers.split("\r\n")) {
            if (!line.toLowerCase(Locale.ROOT).startsWith("content-disposition:")) {
                continue;
            }
            Matcher param = PARAM.matcher(line);
            while (param.find()) {
                // Only \" is an escape in practice (curl); a lone backslash is part of a Windows path.
                String value = param.group(2) != null ? param.group(2).replace("\\\"", "\"") : param.group(3);
                if (param.group(1).equalsIgnoreCase("name")) {
                    name = value;
                } else {
                    filename = value;
                }
            }
        }
        return new Part(name, filename);
    }

    /** Makes at least {@code wanted} bytes available unless the input ends; false if it ended short. */
    private boolean fill(int wanted) throws IOException {
        if (end - start >= wanted) {
            return true;
        }
        if (start > 0) {
            System.arraycopy(buffer, start, buffer, 0, end - start);
            end -= start;
            start = 0;
        }
        while (end - start < wanted && !inputEnded) {
            int n = in.read(buffer, end, buffer.length - end);
            if (n < 0) {
                inputEnded = true;
            } else {
                end += n;
            }
        }
        return end - start >= wanted;
    }

    /**
     * Position of the delimiter in the buffered window, or -1. Boyer-Moore-Horspool: compares the delimiter from its end and, on a mismatch, skips as far as the
     * window's last byte allows; with a 40-byte boundary most of the upload is never looked at.
     */
    private int findDelimiter() {
        int last = delimiter.length - 1;
        for (int i = start; i <= end - delimiter.length; i += skip[buffer[i + last] & 0xff]) {
            int j = last;
            while (buffer[i + j] == delimiter[j]) {
                if (j-- == 0) {
                    return i;
                }
            }
        }
        return -1;
    }

    /** How far the search may move when the window ends with a given byte (Horspool's bad-character table). */
    private static int[] skipTable(byte[] pattern) {
        int[] skip = new int[256];
        Arrays.fill(skip, pattern.length);
        for (int i = 0; i < pattern.length - 1; i++) {
            skip[pattern[i] & 0xff] = pattern.length - 1 - i;
        }
        return skip;
    }

    /** One part's content: everything up to the next delimiter, which it consumes at the end. */
    private final class PartStream extends BulkInputStream {
        private boolean ended;

        @Override
        public int read(byte[] target, int offset, int length) throws IOException {
            if (ended) {
                return -1;
            }
            if (length == 0) {
                return 0;
            }
            // Enough bytes to tell content from a delimiter that may straddle reads.
            boolean more = fill(delimiter.length + 1);
            int at = findDelimiter();
            int available;
            if (at == start) {
                start += delimiter.length;
                ended = true;
                return -1;
            } else if (at > start) {
                available = at - start;
            } else if (!more) {
                throw new ApiException(400, "the multipart body ends before the closing boundary");
            } else {
                available = end - start - (delimiter.length - 1); // the tail may be the delimiter's beginning
            }
            int n = Math.min(length, available);
            System.arraycopy(buffer, start, target, offset, n);
            start += n;
            return n;
        }
    }
}
