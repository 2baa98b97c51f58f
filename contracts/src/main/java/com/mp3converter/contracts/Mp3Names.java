package com.mp3converter.contracts;

/** The one rule for an MP3's file name, used for the stored file, the download and the email. */
public final class Mp3Names {

    private Mp3Names() {
    }

    /** "song.mp4" becomes "song.mp3"; no name becomes "audio.mp3". */
    public static String of(String originalFilename) {
        String name = originalFilename == null || originalFilename.isBlank() ? "audio" : originalFilename;
        int dot = name.lastIndexOf('.');
        return (dot > 0 ? name.substring(0, dot) : name) + ".mp3";
    }
}
