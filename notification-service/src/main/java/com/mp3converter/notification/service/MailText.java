package com.mp3converter.notification.service;

import java.util.regex.Pattern;

/**
 * A user's text (the uploaded file's name) as it may appear in a subject line or a mail body: one line, no control or
 * invisible formatting characters, bounded. Line breaks and other controls (C0, DEL, C1, U+2028/2029) become spaces, so a
 * name cannot add header lines or fake paragraphs; format characters (bidi overrides and isolates such as U+202E,
 * zero-width joiners and spaces, the BOM) are dropped, so a name cannot reorder what the reader sees ("exe.mp4" shown as
 * "4pm.exe"). Unpaired surrogates are dropped too, and the result is cut at a code-point boundary.
 */
final class MailText {

    static final String ELLIPSIS = "\u2026";
    private static final Pattern BREAKS = Pattern.compile("[\\p{Cc}\\p{Zl}\\p{Zp}]+");
    private static final Pattern INVISIBLE = Pattern.compile("[\\p{Cf}\\p{Cs}\\p{Co}\\p{Cn}]");
    private static final Pattern SPACES = Pattern.compile("\\s{2,}");

    private MailText() {
    }

    /** {@code text} on one line, at most {@code maxChars} code points (the last of them an ellipsis when cut). */
    static String oneLine(String text, int maxChars) {
        String clean = SPACES.matcher(INVISIBLE.matcher(BREAKS.matcher(text).replaceAll(" ")).replaceAll("")).replaceAll(" ").strip();
        if (clean.codePointCount(0, clean.length()) <= maxChars) {
            return clean;
        }
        return clean.substring(0, clean.offsetByCodePoints(0, Math.max(maxChars - 1, 0))).stripTrailing() + ELLIPSIS;
    }
}
