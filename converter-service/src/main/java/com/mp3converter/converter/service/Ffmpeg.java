package com.mp3converter.converter.service;

import com.mp3converter.converter.config.ConverterConfig;
import com.mp3converter.contracts.ConversionOptions;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import ws.schild.jave.process.ProcessLocator;
import ws.schild.jave.process.ProcessWrapper;
import ws.schild.jave.process.ffmpeg.DefaultFFMPEGLocator;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs ffmpeg (through JAVE2's process layer, with its bundled binary unless a path is configured)
 * for one audio extraction. Untrusted input rules: the demuxer is pinned to the container the gateway
 * sniffed (checked against a fixed list), only the protocol of the input is allowed (file, or pipe when
 * the video is streamed in), no user text reaches
 * the command line, and a watchdog kills runs that exceed a deadline scaled to the media duration.
 */
@ApplicationScoped
public class Ffmpeg {

    /** Demuxers we accept; nothing outside this list is ever passed to -f. */
    static final Set<String> CONTAINERS = Set.of("mov", "matroska", "avi", "wav", "ogg", "flac", "flv", "asf",
            "mpeg", "mpegts", "mp3", "aac");
    private static final Pattern DURATION = Pattern.compile("Duration: (\\d+):(\\d{2}):(\\d{2}(?:\\.\\d+)?)");
    private static final int STDERR_LINES_KEPT = 40;
    /** Exit codes of a process ended by a signal: 128 + the signal number. */
    private static final int SIGNALLED = 128;
    private static final int KILLED_BY_SIGKILL = SIGNALLED + 9;
    private static final int KILLED_BY_SIGTERM = SIGNALLED + 15;

    public record Result(double durationSeconds) {
    }

    /**
     * What ffmpeg reads: a local file, or a stream it reads from its stdin while encoding (so the download
     * and the encode overlap). {@code sizeBytes} bounds the run time when the stream declares no duration; the
     * deadline counts from the end of its arrival, and while it arrives {@code arrivalOverdue} says when to stop
     * waiting for it.
     */
    public record Input(Path file, InputStream stream, LongSupplier sizeBytes, BooleanSupplier arriving,
                        BooleanSupplier arrivalOverdue) {
        public static Input file(Path file) throws IOException {
            long size = Files.size(file);
            return new Input(file, null, () -> size, () -> false, () -> false);
        }

        /** A stream complete in storage. */
        public static Input stream(InputStream stream, LongSupplier sizeBytes) {
            return new Input(null, stream, sizeBytes, () -> false, () -> false);
        }

        /**
         * A stream that may still be arriving (an upload in progress): its size so far, whether more comes, and
         * whether it comes too slowly to go on waiting for it.
         */
        public static Input arriving(InputStream stream, LongSupplier sizeBytes, BooleanSupplier arriving,
                                     BooleanSupplier arrivalOverdue) {
            return new Input(null, stream, sizeBytes, arriving, arrivalOverdue);
        }
    }

    /** Media plays at more than this many bytes per second, so size / rate bounds an unknown duration. */
    private static final long MIN_BYTES_PER_MEDIA_SECOND = 4 * 1024;

    private final ProcessLocator locator;
    private final ConverterConfig config;
    private final Set<ProcessWrapper> running = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ffmpeg-watchdog");
        t.setDaemon(true);
        return t;
    });

    Ffmpeg(ConverterConfig config) {
        this.config = config;
        this.locator = config.ffmpegPath().<ProcessLocator>map(path -> () -> path).orElseGet(DefaultFFMPEGLocator::new);
    }

    /**
     * Encodes the first audio stream of {@code input} to MP3 at {@code output}. Reports progress in
     * percent; stops within a second once {@code keepGoing} turns false. Throws PermanentFailure when the
     * input is at fault, IOException when we are.
     */
    public Result toMp3(Input input, String container, ConversionOptions options, Path output, IntConsumer progress,
                        BooleanSupplier keepGoing) throws PermanentFailure, IOException {
        if (!CONTAINERS.contains(container)) {
            throw new PermanentFailure("unsupported container");
        }
        ProcessWrapper ffmpeg = locator.createExecutor();
        arguments(input, container, options, output).forEach(ffmpeg::addArgument);
        Run run = new Run(options, input);
        // No JVM shutdown hook per process (JAVE's default): the hook killed ffmpeg the moment SIGTERM came,
        // before the jobs in hand could finish. stopAll() does it after the grace; if this JVM dies hard,
        // ffmpeg exits on its own when its progress pipe breaks.
        try {
            ffmpeg.execute(false, true);
        } catch (IOException | RuntimeException e) {
            try (InputStream unfed = input.stream()) { // the feed would have closed it
                throw e;
            }
        }
        running.add(ffmpeg);
        Feed feed = input.stream() == null ? null : Feed.start(input.stream(), ffmpeg.getOutputStream());
        var killer = watchdog.scheduleAtFixedRate(() -> run.killIfLateOrUnwanted(ffmpeg, keepGoing), 1, 1, TimeUnit.SECONDS);
        try {
            Thread stderr = new Thread(() -> run.readDiagnostics(ffmpeg), "ffmpeg-stderr");
            stderr.setDaemon(true);
            stderr.start();
            run.readProgress(ffmpeg, progress);
            stderr.join(TimeUnit.SECONDS.toMillis(10));
            return outcome(exitCode(ffmpeg), run, feed, container);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            killer.cancel(false);
            running.remove(ffmpeg);
            ffmpeg.destroy();
        }
    }

    /**
     * What an ended run means. Our own stops first (shutdown, the job taken over, the deadline), since they
     * also end ffmpeg by a signal; then a source that failed mid-stream; then ffmpeg's own exit. Retry
     * (IOException) when we are at fault, fail the job (PermanentFailure) when the file is.
     */
    private Result outcome(int exit, Run run, Feed feed, String container) throws IOException, PermanentFailure {
        if (stopping) {
            throw new IOException("ffmpeg stopped because the service is shutting down");
        }
        if (run.unwanted) {
            throw new IOException("ffmpeg stopped: the job is no longer this worker's");
        }
        if (run.arrivalOverdue) {
            throw new UploadStillArriving("the upload arrives too slowly to convert while it arrives");
        }
        if (run.timedOut) {
            throw new PermanentFailure("conversion took too long and was stopped");
        }
        if (feed != null) {
            feed.rethrowSourceFailure(); // a cut-short stream can still make ffmpeg "succeed"
        }
        if (exit == KILLED_BY_SIGKILL || exit == KILLED_BY_SIGTERM) {
            throw new IOException("ffmpeg was killed from outside (exit " + exit + ")"); // not the file's fault
        }
        if (exit > SIGNALLED && exit < SIGNALLED + 32) {
            // Deterministic for a given file and binary (a segfault, an abort): a retry crashes again.
            // Seen on the build machine (AMD EPYC): JAVE's static ffmpeg 4.4.1 segfaults opening any MPEG-TS file.
            Log.warnf("ffmpeg crashed (signal %d) on a %s input; another ffmpeg build (FFMPEG_PATH) may read it",
                    exit - SIGNALLED, container);
            throw new PermanentFailure("the converter's ffmpeg crashed reading this file; its format may not be supported");
        }
        if (exit != 0) {
            throw new PermanentFailure(run.reason());
        }
        return new Result(run.encodedSeconds > 0 ? run.encodedSeconds : run.sourceSeconds);
    }

    /** Waits for ffmpeg's exit; JAVE's destroy() forgets the process, so one we stopped has no code left to read. */
    private static int exitCode(ProcessWrapper ffmpeg) {
        try {
            return ffmpeg.getProcessExitCode();
        } catch (NullPointerException stoppedByUs) {
            return KILLED_BY_SIGTERM;
        }
    }

    /** Kills every running ffmpeg (shutdown); their jobs count as interrupted, not as bad input. */
    public void stopAll() {
        stopping = true;
        running.forEach(ProcessWrapper::destroy);
    }

    List<String> arguments(Input input, String container, ConversionOptions options, Path output) {
        // Only the one protocol the input needs: a crafted file cannot make ffmpeg open anything else.
        String protocol = input.file() != null ? "file" : "pipe";
        List<String> args = new ArrayList<>(List.of("-nostdin", "-hide_banner", "-loglevel", "info",
                "-protocol_whitelist", protocol, "-format_whitelist", container, "-f", container));
        if (options.startSeconds() != null) {
            args.addAll(List.of("-ss", seconds(options.startSeconds())));
        }
        args.addAll(List.of("-i", input.file() != null ? input.file().toString() : "pipe:0",
                "-map", "0:a:0", "-vn", "-sn", "-dn"));
        Double length = clipLength(options);
        if (length != null) {
            args.addAll(List.of("-t", seconds(length)));
        }
        args.addAll(List.of("-c:a", "libmp3lame"));
        if (options.bitrateKbps() != null) {
            args.addAll(List.of("-b:a", options.bitrateKbps() + "k"));
        } else {
            args.addAll(List.of("-q:a", String.valueOf(options.vbrQuality() != null ? options.vbrQuality() : ConversionOptions.DEFAULT_VBR_QUALITY)));
        }
        if (options.sampleRate() != null) {
            args.addAll(List.of("-ar", String.valueOf(options.sampleRate())));
        }
        if (options.channels() != null) {
            args.addAll(List.of("-ac", String.valueOf(options.channels())));
        }
        args.addAll(List.of("-map_metadata", "0", "-id3v2_version", "3", "-progress", "pipe:1", "-nostats",
                "-f", "mp3", "-y", output.toString()));
        return args;
    }

    private static Double clipLength(ConversionOptions options) {
        if (options.endSeconds() == null) {
            return null;
        }
        return options.endSeconds() - (options.startSeconds() == null ? 0 : options.startSeconds());
    }

    private static String seconds(double value) {
        return String.format(Locale.ROOT, "%.3f", value);
    }

    /**
     * Copies the video into ffmpeg's stdin on its own thread. A failure to read the source is kept: the
     * job must be retried even if ffmpeg, seeing the input end early, exits cleanly with a short MP3.
     */
    private static final class Feed {
        private volatile Exception sourceFailure;

        static Feed start(InputStream source, OutputStream ffmpegStdin) {
            Feed feed = new Feed();
            Thread thread = new Thread(() -> feed.copy(source, ffmpegStdin), "ffmpeg-feed");
            thread.setDaemon(true);
            thread.start();
            return feed;
        }

        private void copy(InputStream source, OutputStream ffmpegStdin) {
            byte[] buffer = new byte[256 * 1024];
            try (source; ffmpegStdin) {
                while (true) {
                    int n;
                    try {
                        n = source.read(buffer);
                    } catch (IOException | RuntimeException e) {
                        sourceFailure = e;
                        return;
                    }
                    if (n < 0) {
                        return;
                    }
                    ffmpegStdin.write(buffer, 0, n);
                }
            } catch (IOException ffmpegStoppedReading) {
                // ffmpeg exited (done early, bad input or killed): its exit code says which
            }
        }

        void rethrowSourceFailure() throws IOException {
            if (sourceFailure instanceof java.io.FileNotFoundException gone) {
                throw gone; // the upload was aborted or the video deleted: no retry will find it
            }
            if (sourceFailure != null) {
                throw new IOException("reading the video from storage failed: " + sourceFailure.getMessage(), sourceFailure);
            }
        }
    }

    /** State of one ffmpeg run, shared by the stdout, stderr and watchdog threads. */
    private final class Run {
        private final ConversionOptions options;
        private final Input input;
        /** When the deadline started counting: the run's start, or the end of the input's arrival. */
        private long timedFrom = System.nanoTime();
        private final ArrayDeque<String> lastLines = new ArrayDeque<>();
        private volatile double sourceSeconds;
        private volatile double encodedSeconds;
        private volatile boolean timedOut;
        private volatile boolean unwanted;
        private volatile boolean arrivalOverdue;

        Run(ConversionOptions options, Input input) {
            this.options = options;
            this.input = input;
        }

        void readDiagnostics(ProcessWrapper ffmpeg) {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(ffmpeg.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = err.readLine()) != null) {
                    Matcher m = DURATION.matcher(line);
                    if (sourceSeconds == 0 && m.find()) {
                        sourceSeconds = Integer.parseInt(m.group(1)) * 3600 + Integer.parseInt(m.group(2)) * 60
                                + Double.parseDouble(m.group(3));
                    }
                    synchronized (lastLines) {
                        lastLines.addLast(line);
                        if (lastLines.size() > STDERR_LINES_KEPT) {
                            lastLines.removeFirst();
                        }
                    }
                }
            } catch (IOException ignored) {
                // process ended
            }
        }

        /** Until ffmpeg's stdout ends, or is closed under it by a stop (the watchdog's): outcome() then says why. */
        void readProgress(ProcessWrapper ffmpeg, IntConsumer progress) {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(ffmpeg.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("out_time_us=") && !line.endsWith("N/A")) {
                        encodedSeconds = Long.parseLong(line.substring(12)) / 1e6;
                        double expected = expectedSeconds();
                        if (expected > 0) {
                            progress.accept((int) Math.min(99, Math.max(0, encodedSeconds * 100 / expected)));
                        }
                    }
                }
            } catch (IOException stoppedOrEnded) {
                // ffmpeg's exit code and our stop flags decide
            }
        }

        double expectedSeconds() {
            Double clip = clipLength(options);
            double fromStart = sourceSeconds - (options.startSeconds() == null ? 0 : options.startSeconds());
            return clip != null ? Math.min(clip, fromStart) : fromStart;
        }

        void killIfLateOrUnwanted(ProcessWrapper ffmpeg, BooleanSupplier keepGoing) {
            if (!keepGoing.getAsBoolean()) {
                unwanted = true;
                ffmpeg.destroy();
                return;
            }
            if (input.arriving().getAsBoolean()) { // ffmpeg waits for the upload, not the other way round...
                if (input.arrivalOverdue().getAsBoolean()) { // ...as long as the upload keeps coming
                    Log.infof("The upload arrives too slowly to wait on; stopping ffmpeg");
                    arrivalOverdue = true;
                    ffmpeg.destroy();
                }
                timedFrom = System.nanoTime();
                return;
            }
            // A stream may declare no duration: then the size bounds it.
            double mediaSeconds = sourceSeconds > 0 ? expectedSeconds()
                    : (double) input.sizeBytes().getAsLong() / MIN_BYTES_PER_MEDIA_SECOND;
            Duration allowed = config.timeoutBase().plus(config.timeoutPerMediaSecond().multipliedBy(
                    (long) Math.ceil(Math.max(mediaSeconds, 0))));
            if (System.nanoTime() - timedFrom > allowed.toNanos()) {
                Log.warnf("ffmpeg exceeded %s, stopping it", allowed);
                timedOut = true;
                ffmpeg.destroy();
            }
        }

        /** A plain-words reason from ffmpeg's last lines; never the file path or raw output. */
        String reason() {
            String text;
            synchronized (lastLines) {
                text = String.join("\n", lastLines);
            }
            Log.infof("ffmpeg failed:\n%s", text);
            if (text.contains("matches no streams")) {
                return "the file has no audio track";
            }
            if (text.contains("moov atom not found") || text.contains("Invalid data found")
                    || text.contains("could not find codec parameters") || text.contains("End of file")
                    || text.contains("Format") && text.contains("not on whitelist")) {
                return "the file is not a readable video or audio file (corrupt, truncated or unsupported)";
            }
            return "the file could not be converted (ffmpeg could not decode it)";
        }
    }
}
