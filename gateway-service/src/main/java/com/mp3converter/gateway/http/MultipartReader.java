package com.mp3converter.gateway.http;

import com.mp3converter.gateway.service.ApiException;
import com.mp3converter.gateway.service.QuotaExceeded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a multipart/form-data body part by part as it streams in, each part's content as an InputStream
 * that ends at the next boundary. Written for uploads: nothing is buffered beyond a small window, so a
 * file part goes to storage at the speed it arrives (Vert.x's decoder managed a third of that).
 * <p>
 * Everything but the file is bounded ({@link Limits}): the form fields in number, each and in total, a part's
 * headers, and what precedes the first boundary or follows the last. A part without a file name is a field,
 * and so is any part the caller passes over without reading it to its end; its bytes count whether they are
 * read or skipped. Past a bound: 413 naming the limit; a malformed body: 400; nothing else but IOException.
 */
public final class MultipartReader {

    /** A part's name and, for a file, its file name (null for a plain field). */
    public record Part(String name, String filename) {
    }

    /**
     * @param maxFields      form fields a body may have (gateway.http.form-fields-max)
     * @param maxFieldBytes  bytes of one field, and of the preamble or the epilogue (gateway.http.form-field-max-bytes)
     * @param maxFieldsBytes bytes of all fields together (gateway.http.form-fields-max-bytes)
     */
    public record Limits(int maxFields, int maxFieldBytes, long maxFieldsBytes) {
    }

    /** The limit names a 413 carries, as in its JSON body's "limit". */
    public static final String FIELDS = "formFields";
    public static final String FIELD_BYTES = "formFieldBytes";
    public static final String FIELDS_BYTES = "formFieldsBytes";

    private static final int WINDOW = 256 * 1024;
    private static final int MAX_HEADER_BYTES = 8 * 1024;
    private static final int MAX_PADDING_BYTES = 1024;
    private static final Pattern BOUNDARY = Pattern.compile("boundary=(?:\"([^\"]{1,70})\"|([^;\\s]{1,70}))", Pattern.CASE_INSENSITIVE);

    private final InputStream in;
    private final byte[] delimiter; // CRLF "--" boundary: what ends a part's content
    private final int[] skip;
    private final byte[] buffer;
    private int start;
    private int end;
    private boolean inputEnded;
    private boolean finished;
    private PartStream current;
    private final Limits limits;
    private int fields;
    private long fieldsBytes;

    public MultipartReader(InputStream in, String contentType, Limits limits) {
        Matcher boundary = BOUNDARY.matcher(contentType == null ? "" : contentType);
        if (!boundary.find()) {
            throw new ApiException(400, "multipart/form-data without a boundary");
        }
        String value = boundary.group(1) != null ? boundary.group(1) : boundary.group(2);
        this.in = in;
        this.limits = limits;
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
            new PartStream(Counted.PREAMBLE).transferTo(OutputStream.nullOutputStream());
        } else {
            if (current.counted == Counted.NOTHING && !current.ended) {
                countField(); // a part nobody reads is a field: skipping is not free either
                current.counted = Counted.FIELD;
            }
            current.transferTo(OutputStream.nullOutputStream());
        }
        if (!fill(2)) {
            throw new ApiException(400, "the multipart body ends without its closing boundary");
        }
        if (buffer[start] == '-' && buffer[start + 1] == '-') {
            finished = true;
            skipEpilogue();
            return null;
        }
        Part part = headers();
        current = new PartStream(part.filename() == null ? Counted.FIELD : Counted.NOTHING);
        if (part.filename() == null) {
            countField();
        }
        return part;
    }

    /** The content of the part {@link #next()} returned. */
    public InputStream content() {
        return current;
    }

    /** A plain field's value (413 past the field limits). */
    public String fieldValue() throws IOException {
        return new String(current.readAllBytes(), StandardCharsets.UTF_8);
    }

    private void countField() {
        if (++fields > limits.maxFields()) {
            throw tooLarge("the form has more than " + limits.maxFields() + " fields", FIELDS, limits.maxFields(), fields);
        }
    }

    /** What follows the closing boundary is read, so the body ends here, but only so much of it. */
    private void skipEpilogue() throws IOException {
        long epilogue = 0;
        while (fill(1)) {
            epilogue += end - start;
            start = end;
            if (epilogue > limits.maxFieldBytes()) {
                throw tooLarge("more than " + limits.maxFieldBytes() + " bytes follow the multipart body's closing boundary",
                        FIELD_BYTES, limits.maxFieldBytes(), epilogue);
            }
        }
    }

    private static QuotaExceeded tooLarge(String message, String limit, long max, long used) {
        return new QuotaExceeded(413, message, new QuotaExceeded.Limit(limit, max, used), null);
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

    /** Skips the boundary line's end: transport padding (RFC 2046) is a few spaces, so at most {@link #MAX_PADDING_BYTES}. */
    private void skipLineEnd() throws IOException {
        for (int skipped = 0; fill(1); skipped++) {
            if (skipped > MAX_PADDING_BYTES) {
                throw new ApiException(400, "a multipart boundary line is longer than " + MAX_PADDING_BYTES + " bytes");
            }
            byte b = buffer[start++];
            if (b == '\n') {
                return;
            }
        }
        throw new ApiException(400, "the multipart body ends after a boundary");
    }

    /** The name and filename parameters of the Content-Disposition header. */
    private static Part part(String headers) {
        for (String line : headers.split("\r\n")) {
            if (line.regionMatches(true, 0, "content-disposition:", 0, 20)) {
                return disposition(line);
            }
        }
        return new Part(null, null);
    }

    /**
     * Scanned, not matched with a regular expression: a pattern with an alternation under a star recurses once per
     * character, and a long quoted name overflowed the stack.
     */
    private static Part disposition(String line) {
        String name = null;
        String filename = null;
        int at = 0;
        while ((at = line.indexOf(';', at)) >= 0) {
            at++;
            while (at < line.length() && Character.isWhitespace(line.charAt(at))) {
                at++;
            }
            boolean isName = line.regionMatches(true, at, "name=", 0, 5);
            boolean isFilename = line.regionMatches(true, at, "filename=", 0, 9);
            if (!isName && !isFilename) {
                continue;
            }
            at += isName ? 5 : 9;
            StringBuilder value = new StringBuilder();
            int quoted = at < line.length() && line.charAt(at) == '"' ? closingQuote(line, at + 1, value) : -1;
            if (quoted >= 0) {
                at = quoted + 1;
            } else {
                value.setLength(0);
                int endOfToken = at;
                while (endOfToken < line.length() && line.charAt(endOfToken) != ';' && !Character.isWhitespace(line.charAt(endOfToken))) {
                    endOfToken++;
                }
                value.append(line, at, endOfToken);
                at = endOfToken;
            }
            if (isName) {
                name = value.toString();
            } else {
                filename = value.toString();
            }
        }
        return new Part(name, filename);
    }

    /**
     * Reads a quoted value from {@code from} into {@code value}; the closing quote's position, or -1 if there is none.
     * Only \" is an escape in practice (curl); a lone backslash is part of a Windows path.
     */
    private static int closingQuote(String line, int from, StringBuilder value) {
        for (int i = from; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                return i;
            }
            if (c == '\\' && i + 1 < line.length()) {
                char next = line.charAt(++i);
                if (next != '"') {
                    value.append(c);
                }
                value.append(next);
            } else {
                value.append(c);
            }
        }
        return -1;
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

    /** Which limits a part's bytes count against. */
    private enum Counted { NOTHING, FIELD, PREAMBLE }

    /** One part's content: everything up to the next delimiter, which it consumes at the end. */
    private final class PartStream extends BulkInputStream {
        private boolean ended;
        private Counted counted;
        private long bytes;

        PartStream(Counted counted) {
            this.counted = counted;
        }

        private void count(int n) {
            bytes += n;
            if (counted == Counted.PREAMBLE && bytes > limits.maxFieldBytes()) {
                throw tooLarge("more than " + limits.maxFieldBytes() + " bytes precede the multipart body's first boundary",
                        FIELD_BYTES, limits.maxFieldBytes(), bytes);
            }
            if (counted != Counted.FIELD) {
                return;
            }
            fieldsBytes += n;
            if (bytes > limits.maxFieldBytes()) {
                throw tooLarge("a form field is longer than " + limits.maxFieldBytes() + " bytes", FIELD_BYTES, limits.maxFieldBytes(), bytes);
            }
            if (fieldsBytes > limits.maxFieldsBytes()) {
                throw tooLarge("the form's fields are longer than " + limits.maxFieldsBytes() + " bytes together", FIELDS_BYTES,
                        limits.maxFieldsBytes(), fieldsBytes);
            }
        }

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
            count(n);
            System.arraycopy(buffer, start, target, offset, n);
            start += n;
            return n;
        }
    }
}
