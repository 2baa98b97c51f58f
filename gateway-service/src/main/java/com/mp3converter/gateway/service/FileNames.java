package com.mp3converter.gateway.service;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;

/** The one rule for user-supplied file names: what we keep, and what we send back in headers. */
public final class FileNames {

    private static final int MAX_LENGTH = 200;

    private FileNames() {
    }

    /** Last path segment only, no control characters, bounded length; never empty. */
    public static String sanitize(String name) {
        if (name == null) {
            return "upload";
        }
        String base = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
        base = Normalizer.normalize(base, Normalizer.Form.NFC).replaceAll("[\\p{Cntrl}\\p{Zl}\\p{Zp}]", "").strip();
        if (base.isEmpty() || base.equals(".") || base.equals("..")) {
            return "upload";
        }
        return base.length() > MAX_LENGTH ? base.substring(0, MAX_LENGTH) : base;
    }

    /** A Content-Disposition value safe for any name: ASCII fallback plus RFC 5987 UTF-8 form. */
    public static String attachment(String filename) {
        String ascii = filename.replaceAll("[^\\x20-\\x7E]|[\"\\\\]", "_");
        StringBuilder encoded = new StringBuilder();
        for (byte b : filename.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$&+-.^_`|~".indexOf(c) >= 0) {
                encoded.append(c);
            } else {
                encoded.append('%').append(String.format("%02X", b & 0xFF));
            }
        }
        return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
    }
}
