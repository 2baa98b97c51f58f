package com.mp3converter.converter.service;

import com.mp3converter.devinfra.TestMedia;
import org.junit.jupiter.api.Test;
import ws.schild.jave.process.ffmpeg.DefaultFFMPEGLocator;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

class Mp4FaststartTest {

    @Test
    void anIndexAtTheEndIsMovedToTheFrontAndFfmpegReadsTheSameAudioFromAPipe() throws Exception {
        Path indexLast = TestMedia.video("h264-aac-index-last-8s.mp4", 8, "stereo");
        byte[] original = Files.readAllBytes(indexLast);
        assertThat(StreamableMedia.indexBeforeData(Arrays.copyOf(original, StreamableMedia.HEAD_BYTES))).as("index last").isFalse();

        Optional<InputStream> relocated = Mp4Faststart.relocated(ranges(original), original.length);

        assertThat(relocated).isPresent();
        byte[] streamed = relocated.get().readAllBytes();
        assertThat(streamed).hasSameSizeAs(original);
        assertThat(StreamableMedia.indexBeforeData(Arrays.copyOf(streamed, StreamableMedia.HEAD_BYTES))).as("index first").isTrue();
        assertThat(pcmFromPipe(streamed)).as("the same audio, read front to back").isEqualTo(pcmFromFile(indexLast));
    }

    @Test
    void aFileThatIsAlreadyWebOptimisedOrNotAnMp4IsLeftToTheCaller() throws Exception {
        Path faststart = TestMedia.video("h264-aac-faststart-index-8s.mp4", 8, "stereo", "-movflags", "+faststart");
        byte[] web = Files.readAllBytes(faststart);
        assertThat(Mp4Faststart.relocated(ranges(web), web.length)).isEmpty();
        byte[] garbage = "not an mp4 at all, just text".getBytes();
        assertThat(Mp4Faststart.relocated(ranges(garbage), garbage.length)).isEmpty();
    }

    @Test
    void dataAfterTheIndexKeepsItsOffsetsWhileTheDataBeforeItMovesByTheIndexSize() throws Exception {
        byte[] ftyp = atom("ftyp", "isom\0\0\0\0".getBytes(StandardCharsets.ISO_8859_1));
        byte[] before = atom("mdat", "AAAAAAAA".getBytes(StandardCharsets.ISO_8859_1));
        byte[] after = atom("mdat", "BBBBBBBB".getBytes(StandardCharsets.ISO_8859_1));
        int moovSize = index(0, 0).length;
        byte[] moov = index(ftyp.length + 8, ftyp.length + before.length + moovSize + 8); // each chunk's payload
        byte[] file = concat(ftyp, before, moov, after);

        byte[] streamed = Mp4Faststart.relocated(ranges(file), file.length).orElseThrow().readAllBytes();

        assertThat(streamed).hasSameSizeAs(file);
        assertThat(chunkAt(streamed, 0)).as("the chunk in the data the index moved in front of").isEqualTo("AAAAAAAA");
        assertThat(chunkAt(streamed, 1)).as("the chunk in the data after the index").isEqualTo("BBBBBBBB");
    }

    /** moov > trak > mdia > minf > stbl > stco with two chunk offsets. */
    private static byte[] index(int first, int second) {
        byte[] stco = atom("stco", ByteBuffer.allocate(16).putInt(0).putInt(2).putInt(first).putInt(second).array());
        return atom("moov", atom("trak", atom("mdia", atom("minf", atom("stbl", stco)))));
    }

    private static String chunkAt(byte[] file, int entry) {
        int stco = Collections.indexOfSubList(asList(file), asList("stco".getBytes(StandardCharsets.ISO_8859_1)));
        int offset = ByteBuffer.wrap(file).getInt(stco + 12 + 4 * entry);
        return new String(file, offset, 8, StandardCharsets.ISO_8859_1);
    }

    private static List<Byte> asList(byte[] bytes) {
        List<Byte> list = new ArrayList<>(bytes.length);
        for (byte b : bytes) {
            list.add(b);
        }
        return list;
    }

    private static byte[] atom(String type, byte[] body) {
        return concat(ByteBuffer.allocate(8).putInt(8 + body.length).put(type.getBytes(StandardCharsets.ISO_8859_1)).array(), body);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static Mp4Faststart.Ranges ranges(byte[] file) {
        return (from, to) -> new ByteArrayInputStream(file, (int) from, (int) (to - from));
    }

    private static byte[] pcmFromFile(Path file) throws Exception {
        return ffmpeg(null, "-i", file.toString());
    }

    private static byte[] pcmFromPipe(byte[] content) throws Exception {
        return ffmpeg(content, "-f", "mov", "-i", "pipe:0");
    }

    /** The file's audio decoded to raw PCM by the converter's ffmpeg, from a file or from stdin. */
    private static byte[] ffmpeg(byte[] stdin, String... input) throws Exception {
        List<String> args = new ArrayList<>(List.of(new DefaultFFMPEGLocator().getExecutablePath(), "-loglevel", "error"));
        args.addAll(List.of(input));
        args.addAll(List.of("-vn", "-f", "s16le", "-"));
        Process process = new ProcessBuilder(args).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        CompletableFuture<Void> feed = CompletableFuture.runAsync(() -> {
            try (var out = process.getOutputStream()) {
                if (stdin != null) {
                    out.write(stdin);
                }
            } catch (IOException ignored) {
                // ffmpeg stopped reading
            }
        });
        byte[] pcm = process.getInputStream().readAllBytes();
        feed.join();
        assertThat(process.waitFor()).isZero();
        assertThat(pcm).isNotEmpty();
        return pcm;
    }
}
