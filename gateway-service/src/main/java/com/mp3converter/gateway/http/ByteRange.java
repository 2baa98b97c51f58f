package com.mp3converter.gateway.http;

import com.mp3converter.gateway.service.ApiException;

/** A single HTTP byte range ("bytes=first-last", "bytes=first-", "bytes=-suffix"); whole file if absent. */
public record ByteRange(long first, long last, boolean partial) {

    public long length() {
        return last - first + 1;
    }

    public static ByteRange parse(String header, long size) {
        if (header == null || header.isBlank() || size == 0) {
            return new ByteRange(0, size - 1, false);
        }
        String spec = header.trim();
        if (!spec.startsWith("bytes=") || spec.contains(",")) {
            return new ByteRange(0, size - 1, false); // unsupported forms: serve the whole file (RFC 9110 allows it)
        }
        String[] bounds = spec.substring(6).split("-", -1);
        try {
            long first;
            long last;
            if (bounds[0].isEmpty()) {
                long suffix = Long.parseLong(bounds[1]);
                first = Math.max(0, size - suffix);
                last = size - 1;
            } else {
                first = Long.parseLong(bounds[0]);
                last = bounds[1].isEmpty() ? size - 1 : Math.min(Long.parseLong(bounds[1]), size - 1);
            }
            if (first >= size || first > last || first < 0) {
                throw new ApiException(416, "range not satisfiable; the file has " + size + " bytes");
            }
            return new ByteRange(first, last, true);
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            return new ByteRange(0, size - 1, false);
        }
    }
}
