package com.mp3converter.gateway.service;

import com.mp3converter.devinfra.TestMedia;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** What the head of real files (made by ffmpeg) tells about their audio. */
class AudioTracksTest {

    private static Optional<Boolean> probe(Path file) throws Exception {
        byte[] all = Files.readAllBytes(file);
        byte[] head = Arrays.copyOf(all, Math.min(all.length, AudioTracks.PROBE_BYTES));
        String container = MediaSniffer.container(head, head.length).orElseThrow();
        return AudioTracks.present(container, head, head.length);
    }

    @Test
    void videosWithoutAudioWhoseTrackListComesFirstAreToldApart() throws Exception {
        assertThat(probe(TestMedia.silentVideo("silent-faststart.mp4", 3, "-c:v", "libx264", "-preset", "ultrafast",
                "-movflags", "+faststart"))).contains(false);
        assertThat(probe(TestMedia.silentVideo("silent.webm", 3, "-c:v", "libvpx", "-deadline", "realtime"))).contains(false);
        assertThat(probe(TestMedia.silentVideo("silent.mkv", 3, "-c:v", "libx264", "-preset", "ultrafast"))).contains(false);
    }

    @Test
    void everyFileWithAudioIsAdmittedAndNoneIsRefused() throws Exception {
        for (TestMedia.Sample sample : TestMedia.everyFormat(3)) {
            assertThat(probe(sample.file())).as(sample.file().getFileName().toString()).isNotEqualTo(Optional.of(false));
        }
        assertThat(probe(TestMedia.video("h264-aac-faststart-3.0s.mp4", 3, "stereo", "-c:v", "libx264", "-preset", "ultrafast",
                "-c:a", "aac", "-movflags", "+faststart"))).contains(true);
        assertThat(probe(TestMedia.video("vp8-opus-3.0s.webm", 3, "stereo", "-c:v", "libvpx", "-deadline", "realtime",
                "-c:a", "libopus"))).contains(true);
    }

    @Test
    void anIndexAtTheEndOrABrokenHeadTellsNothing() throws Exception {
        Path indexLast = TestMedia.silentVideo("silent-index-last.mp4", 3);
        assertThat(probe(indexLast)).as("a file that fits in the head whole, index and all").contains(false);
        byte[] all = Files.readAllBytes(indexLast);
        byte[] firstHalf = Arrays.copyOf(all, all.length / 2);
        assertThat(AudioTracks.present("mov", firstHalf, firstHalf.length)).as("the index is past the head").isEmpty();
        byte[] ftypThenNoise = new byte[5000];
        byte[] ftyp = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0, 'i', 's', 'o', 'm', 'm', 'p', '4', '1'};
        System.arraycopy(ftyp, 0, ftypThenNoise, 0, ftyp.length);
        Arrays.fill(ftypThenNoise, 24, 5000, (byte) 0x7f);
        assertThat(AudioTracks.present("mov", ftypThenNoise, ftypThenNoise.length)).isEmpty();
        byte[] ebmlNoise = {0x1A, 0x45, (byte) 0xDF, (byte) 0xA3, (byte) 0x80, 0x00, 0x00};
        assertThat(AudioTracks.present("matroska", ebmlNoise, ebmlNoise.length)).isEmpty();
    }
}
