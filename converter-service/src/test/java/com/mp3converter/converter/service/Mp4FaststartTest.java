package com.mp3converter.converter.service;

import com.mp3converter.converter.config.ConverterConfig;
import com.mp3converter.devinfra.TestMedia;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Mp4FaststartTest {

    @Test
    void anIndexAtTheEndIsMovedToTheFrontAndFfmpegReadsTheSameAudioFromAPipe() throws Exception {
        Path indexLast = TestMedia.video("h264-aac-index-last-8s.mp4", 8, "stereo");
        byte[] original = Files.readAllBytes(indexLast);
        assertThat(StreamableMedia.indexBeforeData(Arrays.copyOf(original, StreamableMedia.HEAD_BYTES))).as("index last").isFalse();

        Optional<InputStream> relocated = Mp4Faststart.relocated(ranges(original), original.length, limits(original.length));

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
        assertThat(Mp4Faststart.relocated(ranges(web), web.length, limits(web.length))).isEmpty();
        byte[] garbage = "not an mp4 at all, just text".getBytes();
        assertThat(Mp4Faststart.relocated(ranges(garbage), garbage.length, limits(garbage.length))).isEmpty();
    }

    @Test
    void dataAfterTheIndexKeepsItsOffsetsWhileTheDataBeforeItMovesByTheIndexSize() throws Exception {
        byte[] ftyp = atom("ftyp", "isom\0\0\0\0".getBytes(StandardCharsets.ISO_8859_1));
        byte[] before = atom("mdat", "AAAAAAAA".getBytes(StandardCharsets.ISO_8859_1));
        byte[] after = atom("mdat", "BBBBBBBB".getBytes(StandardCharsets.ISO_8859_1));
        int moovSize = index(0, 0).length;
        byte[] moov = index(ftyp.length + 8, ftyp.length + before.length + moovSize + 8); // each chunk's payload
        byte[] file = concat(ftyp, before, moov, after);

        byte[] streamed = Mp4Faststart.relocated(ranges(file), file.length, limits(file.length)).orElseThrow().readAllBytes();

        assertThat(streamed).hasSameSizeAs(file);
        assertThat(chunkAt(streamed, 0)).as("the chunk in the data the index moved in front of").isEqualTo("AAAAAAAA");
        assertThat(chunkAt(streamed, 1)).as("the chunk in the data after the index").isEqualTo("BBBBBBBB");
    }

    @Test
    void anMp4OfManyEmptyAtomsFailsAsBadMediaAfterAFewWindowsOfReading() throws Exception {
        // The attack of 20 MB of empty atoms, scaled to 2 MB: 262,144 atoms of 8 bytes between the data and the index.
        byte[] file = concat(atom("ftyp", "isom\0\0\0\0".getBytes(StandardCharsets.ISO_8859_1)),
                atom("mdat", "AAAAAAAA".getBytes(StandardCharsets.ISO_8859_1)), emptyAtoms(2 * 1024 * 1024), index(16, 24));
        CountingRanges storage = new CountingRanges(file);

        assertThatThrownBy(() -> Mp4Faststart.relocated(storage, file.length, limits(file.length)))
                .isInstanceOf(PermanentFailure.class).hasMessageContaining("more than " + DEFAULTS.maxBoxes() + " boxes");

        // One storage read per window of headers, not one per atom: what the walk covered, and a window more.
        assertThat(storage.bytesRequested).isLessThanOrEqualTo(DEFAULTS.maxBoxes() * 8L + 2L * Mp4Faststart.HEADER_WINDOW);
        assertThat(storage.opens).isLessThanOrEqualTo(3);
    }

    @Test
    void aBoxWithA64BitSizeOf2Pow32IsNeitherCutToZeroNorFollowedOutOfItsParent() throws Exception {
        byte[] ftypMdat = concat(atom("ftyp", "isom\0\0\0\0".getBytes(StandardCharsets.ISO_8859_1)),
                atom("mdat", "AAAAAAAA".getBytes(StandardCharsets.ISO_8859_1)));
        byte[] topLevel = concat(ftypMdat, atom64("free", 1L << 32), index(16, 24));
        byte[] inIndex = concat(ftypMdat, atom("moov", concat(atom64("trak", 1L << 32), new byte[16])));
        byte[] negative = concat(ftypMdat, atom64("free", -8), index(16, 24));

        for (byte[] file : List.of(topLevel, inIndex, negative)) {
            CountingRanges storage = new CountingRanges(file);
            assertThat(Mp4Faststart.relocated(storage, file.length, limits(file.length))).as("left to the caller").isEmpty();
            assertThat(storage.bytesRequested).isLessThanOrEqualTo(2L * file.length);
        }
    }

    @Test
    void anIndexNestedDeeperThanAnyRealOneFailsAsBadMediaInsteadOfOverflowingTheStack() throws Exception {
        byte[] inner = index(16, 24);
        int depth = 100_000;
        ByteBuffer nested = ByteBuffer.allocate(8 * depth + inner.length);
        for (int level = 0; level < depth; level++) { // moov in moov in moov ...
            nested.putInt(8 * (depth - level) + inner.length).put("moov".getBytes(StandardCharsets.ISO_8859_1));
        }
        nested.put(inner);
        byte[] file = concat(atom("mdat", "AAAAAAAA".getBytes(StandardCharsets.ISO_8859_1)), nested.array());

        assertThatThrownBy(() -> Mp4Faststart.relocated(ranges(file), file.length, limits(file.length)))
                .isInstanceOf(PermanentFailure.class).hasMessageContaining("nests boxes more than");
    }

    @Test
    void aLayoutThatWouldReadMoreThanItsBudgetFailsAsBadMediaBeforeReadingIt() throws Exception {
        byte[] file = concat(atom("mdat", "AAAAAAAA".getBytes(StandardCharsets.ISO_8859_1)), index(8, 8));
        CountingRanges storage = new CountingRanges(file);
        Mp4Faststart.Limits tight = new Mp4Faststart.Limits(DEFAULTS.maxBoxes(), file.length + 10);

        assertThatThrownBy(() -> Mp4Faststart.relocated(storage, file.length, tight))
                .isInstanceOf(PermanentFailure.class).hasMessageContaining("more than " + (file.length + 10) + " bytes");
        assertThat(storage.bytesRequested).isLessThanOrEqualTo(tight.maxReadBytes());
    }

    /** The production bounds (application.properties) for a file of this size. */
    static final ConverterConfig.Media DEFAULTS = productionConfig().media();

    static ConverterConfig productionConfig() {
        try {
            return new SmallRyeConfigBuilder().withMapping(ConverterConfig.class).addDefaultInterceptors().addDiscoveredSources().addSystemSources()
                    .withSources(new PropertiesConfigSource(Mp4FaststartTest.class.getResource("/application.properties"), 250))
                    .build().getConfigMapping(ConverterConfig.class);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Mp4Faststart.Limits limits(long length) {
        return Mp4Faststart.Limits.of(DEFAULTS.maxBoxes(), DEFAULTS.readBudgetFactor(), DEFAULTS.readBudgetExtraBytes(), length);
    }

    private static byte[] emptyAtoms(int bytes) {
        ByteBuffer atoms = ByteBuffer.allocate(bytes);
        while (atoms.hasRemaining()) {
            atoms.putInt(8).put("free".getBytes(StandardCharsets.ISO_8859_1));
        }
        return atoms.array();
    }

    /** An atom with a 64-bit size and no body: it claims {@code size} bytes. */
    private static byte[] atom64(String type, long size) {
        return ByteBuffer.allocate(16).putInt(1).put(type.getBytes(StandardCharsets.ISO_8859_1)).putLong(size).array();
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
