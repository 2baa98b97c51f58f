package com.mp3converter.gateway.service;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Uploads are recognised by their first bytes, never by name or Content-Type. */
class MediaSnifferTest {

    @Test
    void recognisesContainersByTheirMagicBytes() {
        assertThat(sniff(bytes(0, 0, 0, 0x20, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm'))).contains("mov");
        assertThat(sniff(bytes(0x1A, 0x45, 0xDF, 0xA3))).contains("matroska");
        assertThat(sniff(ascii("RIFF\0\0\0\0AVI "))).contains("avi");
        assertThat(sniff(ascii("RIFF\0\0\0\0WAVE"))).contains("wav");
        assertThat(sniff(ascii("OggS"))).contains("ogg");
        assertThat(sniff(ascii("fLaC"))).contains("flac");
        assertThat(sniff(ascii("ID3\4"))).contains("mp3");
        assertThat(sniff(bytes(0xFF, 0xF1))).contains("aac");
        assertThat(sniff(bytes(0xFF, 0xFB))).contains("mp3");
    }

    @Test
    void refusesTextAndPlaylistsWhateverTheyAreCalled() {
        assertThat(sniff(ascii("#EXTM3U\n#EXT-X-TARGETDURATION:10\n"))).isEmpty();
        assertThat(sniff(ascii("<html><body>not a video</body></html>"))).isEmpty();
        assertThat(sniff(new byte[0])).isEmpty();
    }

    @Test
    void needsTheWholeSignatureBeforeDeciding() {
        byte[] head = bytes(0, 0, 0, 0x20, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm');
        assertThat(MediaSniffer.container(head, 6)).isEmpty();
    }

    private static Optional<String> sniff(byte[] head) {
        return MediaSniffer.container(head, head.length);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }
}
