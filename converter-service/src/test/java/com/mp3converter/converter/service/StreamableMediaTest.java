package com.mp3converter.converter.service;

import com.mp3converter.devinfra.TestMedia;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class StreamableMediaTest {

    @Test
    void aFaststartMp4AndMatroskaStreamButAnMp4WithItsIndexAtTheEndDoesNot() throws Exception {
        Path faststart = TestMedia.video("h264-aac-faststart.mp4", 6, "stereo", "-c:v", "libx264", "-preset", "ultrafast",
                "-c:a", "aac", "-movflags", "+faststart");
        Path indexLast = TestMedia.video("h264-aac.mp4", 6, "stereo", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac");

        assertThat(StreamableMedia.canStream("mov", head(faststart))).isTrue();
        assertThat(StreamableMedia.canStream("mov", head(indexLast))).isFalse();
        assertThat(StreamableMedia.canStream("matroska", new byte[0])).isTrue();
        assertThat(StreamableMedia.canStream("avi", head(faststart))).as("only containers known to stream").isFalse();
    }

    @Test
    void malformedOrTruncatedAtomsAreNotGuessedAt() {
        assertThat(StreamableMedia.indexBeforeData(new byte[0])).isFalse();
        assertThat(StreamableMedia.indexBeforeData(new byte[]{0, 0, 0, 4, 'f', 't', 'y', 'p'})).as("size below the header").isFalse();
        assertThat(StreamableMedia.indexBeforeData(new byte[]{0x7f, 0, 0, 0, 'f', 'r', 'e', 'e'})).as("runs past the head").isFalse();
        assertThat(StreamableMedia.indexBeforeData(new byte[]{0, 0, 0, 8, 'f', 'r', 'e', 'e', 0, 0, 0, 8, 'm', 'o', 'o', 'v'})).isTrue();
    }

    private static byte[] head(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(StreamableMedia.HEAD_BYTES);
        }
    }
}
