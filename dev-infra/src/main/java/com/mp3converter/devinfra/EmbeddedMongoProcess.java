package com.mp3converter.devinfra;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs {@link EmbeddedMongo} as a child JVM, for tests: its memory is not the tested service's heap,
 * and it can be stopped to make MongoDB unreachable. The child uses the
 * caller's class path, so a module only needs this artifact as a test dependency.
 */
public final class EmbeddedMongoProcess implements AutoCloseable {

    private Process process;
    private int port;

    private EmbeddedMongoProcess() {
    }

    /** Starts an in-memory server (the fastest backend; test data need not survive). */
    public static EmbeddedMongoProcess start() throws IOException {
        EmbeddedMongoProcess mongo = new EmbeddedMongoProcess();
        mongo.launch(0);
        return mongo;
    }

    public String uri() {
        return "mongodb://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    /** Starts a stopped server again on the same port, empty: storage back after an outage that lost its data. */
    public void restart() throws IOException {
        launch(port);
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    /**
     * The caller's class path without the JBoss Log Manager binding for SLF4J: unconfigured in the child it
     * let the server's debug logging through, which renders every 255 KB GridFS chunk as hex (minutes of
     * CPU for a 400 MB upload). Without a binding SLF4J logs nothing.
     */
    private static String serverClassPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.contains("slf4j-jboss-logmanager"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    private void launch(int onPort) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g",
                "-XX:TieredStopAtLevel=1", // as run.sh: C2 spent more CPU compiling the server than it saved
                "-cp", serverClassPath(), EmbeddedMongo.class.getName(), String.valueOf(onPort)));
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("ready ")) {
                port = Integer.parseInt(line.substring(6).trim());
                Thread drain = new Thread(() -> {
                    try {
                        while (out.readLine() != null) {
                            // keep the pipe from filling up
                        }
                    } catch (IOException ignored) {
                        // process ended
                    }
                }, "embedded-mongo-output");
                drain.setDaemon(true);
                drain.start();
                Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
                return;
            }
        }
        throw new IOException("embedded MongoDB did not start");
    }
}
