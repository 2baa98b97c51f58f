package com.mp3converter.converter.service;

import com.mp3converter.converter.config.ConverterConfig;
import com.mp3converter.contracts.ConversionOptions;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How an ffmpeg that ended by a signal is classified; a script stands in for ffmpeg. */
class FfmpegTest {

    @TempDir
    Path dir;

    @Test
    void anFfmpegThatCrashesFailsTheJobForGoodWithAPlainReason() throws IOException {
        Ffmpeg ffmpeg = withFakeFfmpeg("kill -SEGV $$");

        assertThatThrownBy(() -> convert(ffmpeg)).isInstanceOf(PermanentFailure.class)
                .hasMessage("the converter's ffmpeg crashed reading this file; its format may not be supported");
    }

    @Test
    void anFfmpegKilledFromOutsideIsRetried() throws IOException {
        Ffmpeg ffmpeg = withFakeFfmpeg("kill -KILL $$");

        assertThatThrownBy(() -> convert(ffmpeg)).isInstanceOf(IOException.class).hasMessageContaining("killed from outside");
    }

    @Test
    void anFfmpegWhoseJobIsNoLongerThisWorkersIsStoppedAndRetried() throws IOException {
        Ffmpeg ffmpeg = withFakeFfmpeg("exec sleep 60");

        assertThatThrownBy(() -> convert(ffmpeg, () -> false)).isInstanceOf(IOException.class)
                .hasMessageContaining("no longer this worker's");
    }

    @Test
    void anFfmpegThatRunsPastItsDeadlineFailsTheJobForGood() throws IOException {
        Ffmpeg ffmpeg = withFakeFfmpeg("exec sleep 60", "PT1S");

        assertThatThrownBy(() -> convert(ffmpeg)).isInstanceOf(PermanentFailure.class)
                .hasMessage("conversion took too long and was stopped");
    }

    @Test
    void anFfmpegStillWritingProgressPastItsDeadlineFailsTheJobForGood() throws IOException {
        Ffmpeg ffmpeg = withFakeFfmpeg("while :; do echo out_time_us=1000000; done", "PT1S");

        assertThatThrownBy(() -> convert(ffmpeg)).isInstanceOf(PermanentFailure.class)
                .hasMessage("conversion took too long and was stopped");
    }

    @Test
    void anFfmpegWaitingOnAnUploadThatArrivesTooSlowlyIsStoppedAndTheJobLetGoNotFailed() throws IOException {
        Ffmpeg ffmpeg = withFakeFfmpeg("exec sleep 60");
        Ffmpeg.Input stalled = Ffmpeg.Input.arriving(new java.io.ByteArrayInputStream(new byte[0]), () -> 0, () -> true, () -> true);

        assertThatThrownBy(() -> ffmpeg.toMp3(stalled, "matroska", ConversionOptions.DEFAULTS, dir.resolve("out.mp3"), percent -> { },
                () -> true)).isInstanceOf(UploadStillArriving.class).hasMessageContaining("arrives too slowly");
    }

    private void convert(Ffmpeg ffmpeg) throws Exception {
        convert(ffmpeg, () -> true);
    }

    private void convert(Ffmpeg ffmpeg, BooleanSupplier keepGoing) throws Exception {
        Path video = Files.write(dir.resolve("in.mp4"), new byte[1024]);
        ffmpeg.toMp3(Ffmpeg.Input.file(video), "mov", ConversionOptions.DEFAULTS, dir.resolve("out.mp3"), percent -> { }, keepGoing);
    }

    private Ffmpeg withFakeFfmpeg(String body) throws IOException {
        return withFakeFfmpeg(body, "PT60S");
    }

    private Ffmpeg withFakeFfmpeg(String body, String timeoutBase) throws IOException {
        Path script = dir.resolve("ffmpeg");
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        ConverterConfig config = new SmallRyeConfigBuilder().withMapping(ConverterConfig.class)
                .addDefaultInterceptors() // expressions
                .addDiscoveredSources()
                .withSources(new PropertiesConfigSource(getClass().getResource("/application.properties"), 250))
                .withSources(new PropertiesConfigSource(Map.of("converter.ffmpeg-path", script.toString(),
                        "converter.work-dir", dir.toString(), "converter.timeout-base", timeoutBase), "test", 300))
                .build().getConfigMapping(ConverterConfig.class);
        return new Ffmpeg(config);
    }
}
