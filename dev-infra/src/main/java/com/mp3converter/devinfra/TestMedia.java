package com.mp3converter.devinfra;

import ws.schild.jave.process.ProcessWrapper;
import ws.schild.jave.process.ffmpeg.DefaultFFMPEGLocator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Generates real media with ffmpeg (JAVE's bundled binary) for tests and benchmarks: test patterns with
 * noise-plus-tone audio, which is about as hard to encode as music. Nothing is committed; files live under
 * target/. Needs jave-core and jave-nativebin-linux64 on the caller's class path (optional here).
 */
public final class TestMedia {

    public static final Path DIR = Path.of("target", "test-media");

    private TestMedia() {
    }

    /** Audio: pink noise mixed with a tone, so LAME has real work to do. */
    public static List<String> audioInput(double seconds, String layout) {
        return List.of("-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.3:duration=" + seconds
                + ",aformat=channel_layouts=" + layout, "-f", "lavfi", "-i", "sine=frequency=440:duration=" + seconds);
    }

    public static Path video(String name, double seconds, String layout, String... codecArgs) throws IOException {
        List<String> args = new ArrayList<>(List.of("-f", "lavfi", "-i", "testsrc=size=160x120:rate=15:duration=" + seconds));
        args.addAll(audioInput(seconds, layout));
        args.addAll(List.of("-filter_complex", "[1:a][2:a]amix=inputs=2:duration=first,aformat=channel_layouts=" + layout + "[a]",
                "-map", "0:v", "-map", "[a]", "-metadata", "title=Test Title", "-metadata", "artist=Test Artist"));
        args.addAll(List.of(codecArgs));
        return run(name, args);
    }

    public static Path audioOnly(String name, double seconds, String... codecArgs) throws IOException {
        List<String> args = new ArrayList<>(audioInput(seconds, "stereo"));
        args.addAll(List.of("-filter_complex", "[0:a][1:a]amix=inputs=2:duration=first[a]", "-map", "[a]"));
        args.addAll(List.of(codecArgs));
        return run(name, args);
    }

    /** A generated file and the demuxer the gateway should pick for it (which the converter pins). */
    public record Sample(Path file, String container) {
    }

    /** One file of each supported kind, {@code seconds} long: the formats users upload. */
    public static List<Sample> everyFormat(double seconds) throws IOException {
        String s = "-" + seconds + "s";
        String[] h264Aac = {"-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"};
        return List.of(
                new Sample(video("h264-aac" + s + ".mp4", seconds, "stereo", h264Aac), "mov"),
                // Web-optimised MP4 (index first): the converter streams it into ffmpeg instead of copying it first.
                new Sample(video("h264-aac-faststart" + s + ".mp4", seconds, "stereo", "-c:v", "libx264", "-preset", "ultrafast",
                        "-c:a", "aac", "-movflags", "+faststart"), "mov"),
                new Sample(video("h264-aac" + s + ".mkv", seconds, "stereo", h264Aac), "matroska"),
                new Sample(video("vp8-opus" + s + ".webm", seconds, "stereo", "-c:v", "libvpx", "-deadline", "realtime",
                        "-c:a", "libopus"), "matroska"),
                new Sample(video("mpeg4-aac" + s + ".mov", seconds, "stereo", "-c:v", "mpeg4", "-c:a", "aac"), "mov"),
                new Sample(video("mpeg4-mp3" + s + ".avi", seconds, "stereo", "-c:v", "mpeg4", "-c:a", "libmp3lame"), "avi"),
                new Sample(video("mono" + s + ".mp4", seconds, "mono", h264Aac), "mov"),
                new Sample(video("surround-5.1" + s + ".mp4", seconds, "5.1", h264Aac), "mov"),
                new Sample(audioOnly("audio-only" + s + ".m4a", seconds, "-c:a", "aac"), "mov"),
                new Sample(audioOnly("audio-only" + s + ".mp3", seconds, "-c:a", "libmp3lame"), "mp3"),
                new Sample(audioOnly("audio-only" + s + ".wav", seconds), "wav"),
                new Sample(audioOnly("audio-only" + s + ".ogg", seconds, "-c:a", "libvorbis"), "ogg"),
                new Sample(audioOnly("audio-only" + s + ".flac", seconds, "-c:a", "flac"), "flac"));
    }

    public static Path silentVideo(String name, double seconds) throws IOException {
        return silentVideo(name, seconds, "-c:v", "libx264", "-preset", "ultrafast");
    }

    /** A video without any audio track, encoded with {@code codecArgs}. */
    public static Path silentVideo(String name, double seconds, String... codecArgs) throws IOException {
        List<String> args = new ArrayList<>(List.of("-f", "lavfi", "-i", "testsrc=size=160x120:rate=15:duration=" + seconds));
        args.addAll(List.of(codecArgs));
        return run(name, args);
    }

    public static Path file(String name, byte[] content) throws IOException {
        Files.createDirectories(DIR);
        return Files.write(DIR.resolve(name), content);
    }

    /** ffmpeg's description of a file (streams and tags), as "ffmpeg -i" prints it. */
    public static String describe(Path file) throws IOException {
        ProcessWrapper ffmpeg = new DefaultFFMPEGLocator().createExecutor();
        ffmpeg.addArgument("-hide_banner");
        ffmpeg.addArgument("-i");
        ffmpeg.addArgument(file.toString());
        ffmpeg.execute();
        String text = new String(ffmpeg.getErrorStream().readAllBytes());
        ffmpeg.getProcessExitCode();
        return text;
    }

    private static Path run(String name, List<String> args) throws IOException {
        Files.createDirectories(DIR);
        Path out = DIR.resolve(name);
        if (Files.exists(out)) {
            return out;
        }
        ProcessWrapper ffmpeg = new DefaultFFMPEGLocator().createExecutor();
        ffmpeg.addArgument("-hide_banner");
        ffmpeg.addArgument("-loglevel");
        ffmpeg.addArgument("error");
        args.forEach(ffmpeg::addArgument);
        ffmpeg.addArgument("-y");
        ffmpeg.addArgument(out.toString());
        ffmpeg.execute();
        String errors = new String(ffmpeg.getErrorStream().readAllBytes());
        if (ffmpeg.getProcessExitCode() != 0) {
            throw new IOException("could not generate " + name + ": " + errors);
        }
        return out;
    }
}
