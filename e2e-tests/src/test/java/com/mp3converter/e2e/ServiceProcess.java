package com.mp3converter.e2e;

import com.mp3converter.infra.JvmOptions;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One service as a separate JVM from its packaged jar, the way run.sh and a container start it. */
final class ServiceProcess {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    /** The instance: the service's name, with a replica number from the second replica on. */
    final String name;
    final int port;
    private final String service;
    private final Path jar;
    private final Path log;
    private final String heap;
    private final Map<String, String> env;
    private Process process;
    private long logOffset;

    ServiceProcess(String service, String name, int port, String heap, Map<String, String> env, Path logDir) {
        this.service = service;
        this.name = name;
        this.port = port;
        this.heap = heap;
        this.env = env;
        this.jar = Path.of("..", service, "target", "quarkus-app", "quarkus-run.jar").toAbsolutePath().normalize();
        this.log = logDir.resolve(name + ".log");
    }

    void start() throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: package the services first (./mvnw verify does)");
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap));
        command.addAll(JvmOptions.outsideTheImage(Path.of(".."), service)); // as run.sh and k8s give them
        // C1 only: the suite starts dozens of JVMs on two cores, and C2 compiling them cost more than it saved.
        command.addAll(List.of("-XX:TieredStopAtLevel=1", "-Dquarkus.profile=local", "-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        logOffset = Files.exists(log) ? Files.size(log) : 0;
        process = builder.start();
    }

    void awaitReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + logTail());
            }
            if (healthy("ready")) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(name + " not ready after " + timeout + ":\n" + logTail());
    }

    /** GET /q/health/{check} answered 200 (live, ready, started). */
    boolean healthy(String check) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/" + check))
                    .timeout(Duration.ofSeconds(3)).build();
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** SIGKILL: no shutdown hooks, no acks, whatever it held is left as it was. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM, then SIGKILL if it does not stop in time. */
    void stop() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(45, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** What every process of this service wrote to the log, restarts included. */
    String wholeLog() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    /** What the current (or last) process wrote to the log. */
    String logSinceStart() {
        try {
            byte[] all = Files.readAllBytes(log);
            return new String(all, (int) Math.min(logOffset, all.length), (int) Math.max(0, all.length - logOffset));
        } catch (IOException e) {
            return "";
        }
    }
}
