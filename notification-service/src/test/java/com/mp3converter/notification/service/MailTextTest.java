package com.mp3converter.notification.service;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MailTextTest {

    @Test
    void lineBreaksAndOtherControlsBecomeOneSpace() {
        assertThat(MailText.oneLine("a\r\nBcc: x@y\u0085b\u2028c\u2029d\u0000e\u007Ff\tg", 80)).isEqualTo("a Bcc: x@y b c d e f g");
    }

    @Test
    void bidiOverridesAndInvisibleCharactersAreDropped() {
        assertThat(MailText.oneLine("\u202Egnp.exe", 80)).isEqualTo("gnp.exe");
        assertThat(MailText.oneLine("a\u2066b\u2069c\u200Bd\u200De\uFEFFf\u061Cg\u200Fh", 80)).isEqualTo("abcdefgh");
        assertThat(MailText.oneLine("lone \uD800 surrogate", 80)).isEqualTo("lone surrogate");
    }

    @Test
    void aLongNameIsCutToTheBoundWithAnEllipsisNeverInsideACharacter() {
        assertThat(MailText.oneLine("x".repeat(81), 80)).isEqualTo("x".repeat(79) + "\u2026");
        assertThat(MailText.oneLine("x".repeat(80), 80)).isEqualTo("x".repeat(80));
        String emoji = "\uD83C\uDFB5".repeat(100); // a musical note, two chars each
        String cut = MailText.oneLine(emoji, 80);
        assertThat(cut.codePointCount(0, cut.length())).isEqualTo(80);
        assertThat(cut).isEqualTo("\uD83C\uDFB5".repeat(79) + "\u2026");
    }

    @Test
    void anOrdinaryNameIsKeptAsItIs() {
        assertThat(MailText.oneLine("Holiday <2024> & more.mp4", 80)).isEqualTo("Holiday <2024> & more.mp4");
        assertThat(MailText.oneLine("Straße – Été.mkv", 80)).isEqualTo("Straße – Été.mkv");
    }
}
