package com.mp3converter.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Deployment of the rendered manifests as a Docker container with the pod's settings: user, read-only
 * root file system, dropped capabilities, no privilege escalation, memory and CPU limits, its emptyDir
 * volumes (as fresh host directories, disk-backed like an emptyDir), the env from its ConfigMaps, Secrets and
 * own list. The cluster's Service names resolve to this machine (host network), where the infrastructure is;
 * {@code infra} replaces the manifest's values that locate the infrastructure (where the machine's differs), and
 * {@code additions} sets what the manifests leave to defaults: the broker and database names of this run (so the
 * check shares nothing with other users of the machine's MariaDB and RabbitMQ) and its trace receiver's protocol. Anything in the pod spec this
 * class cannot reproduce fails loudly, so the check never runs a container that differs from the pod.
 */
final class ManifestContainer {

    private static final List<String> SUPPORTED_CONTAINER_FIELDS = List.of("name", "image", "imagePullPolicy", "ports",
            "envFrom", "env", "resources", "startupProbe", "readinessProbe", "livenessProbe", "securityContext", "volumeMounts");

    final String service;
    final String containerName;
    final String image;
    final int port;
    final Map<String, String> env = new LinkedHashMap<>();
    final Map<String, String> probes = new LinkedHashMap<>(); // probe -> path
    final long memoryLimitBytes;
    final String cpuLimit;
    final long runAsUser;
    private final List<String> options = new ArrayList<>();
    private final Path dir;

    ManifestContainer(List<ObjectNode> rendered, String service, Map<String, String> infra, Map<String, String> additions,
                      Path dir, String runLabel) throws IOException {
        this.service = service;
        this.containerName = "mp3c-check-" + service;
        this.dir = dir;
        JsonNode pod = find(rendered, "Deployment", service).path("spec").path("template").path("spec");
        JsonNode container = pod.path("containers").get(0);
        container.fieldNames().forEachRemaining(field -> {
            if (!SUPPORTED_CONTAINER_FIELDS.contains(field)) {
                throw new IllegalStateException(service + ": container field '" + field + "' is not reproduced by the image check");
            }
        });
        this.image = container.path("image").asText();
        this.port = container.path("ports").get(0).path("containerPort").asInt();
        probes(container);
        environment(rendered, container);
        infra.forEach(env::replace);
        env.putAll(additions);

        JsonNode podSecurity = pod.path("securityContext");
        JsonNode security = container.path("securityContext");
        this.runAsUser = security.path("runAsUser").asLong(podSecurity.path("runAsUser").asLong(-1));
        if (runAsUser < 0) {
            throw new IllegalStateException(service + ": no runAsUser in the manifest");
        }
        options.addAll(List.of("--name", containerName, "--label", "mp3converter.image-check=" + runLabel,
                "--network", "host", "--user", String.valueOf(runAsUser)));
        if (security.path("readOnlyRootFilesystem").asBoolean()) {
            options.add("--read-only");
        }
        for (JsonNode capability : security.path("capabilities").path("drop")) {
            options.addAll(List.of("--cap-drop", capability.asText()));
        }
        if (!security.path("allowPrivilegeEscalation").asBoolean(true)) {
            options.addAll(List.of("--security-opt", "no-new-privileges"));
        }
        // Docker's default seccomp profile is the runtime default the pod asks for.
        JsonNode limits = container.path("resources").path("limits");
        this.memoryLimitBytes = bytes(limits.path("memory").asText());
        this.cpuLimit = cpus(limits.path("cpu").asText());
        options.addAll(List.of("--memory", String.valueOf(memoryLimitBytes), "--memory-swap", String.valueOf(memoryLimitBytes),
                "--cpus", cpuLimit));
        for (JsonNode mount : container.path("volumeMounts")) {
            options.addAll(List.of("-v", emptyDir(pod, mount.path("name").asText()) + ":" + mount.path("mountPath").asText()));
        }
        for (ObjectNode object : rendered) {
            if (object.path("kind").asText().equals("Service")) {
                options.addAll(List.of("--add-host", object.path("metadata").path("name").asText() + ":127.0.0.1"));
            }
        }
    }

    /** {@code docker run -d} with the env passed through the client's environment (a PEM key has newlines). */
    void start() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("docker", "run", "-d"));
        command.addAll(options);
        env.keySet().forEach(name -> command.addAll(List.of("-e", name)));
        command.add(image);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes()).trim();
        if (process.waitFor() != 0) {
            throw new IllegalStateException("docker run " + service + " failed: " + out);
        }
    }

    /** The docker run options, as printed in the report (env names only: values may be secrets). */
    String describe() {
        return String.join(" ", options) + " -e " + String.join(" -e ", env.keySet()) + " " + image;
    }

    boolean healthy(String path) {
        try {
            var response = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path))
                            .timeout(java.time.Duration.ofSeconds(5)).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String logs() throws IOException, InterruptedException {
        return Docker.run("logs", containerName);
    }

    /** The container's processes as the host sees them: pid, uid and command line. */
    List<String> processes() throws IOException, InterruptedException {
        return Docker.run("top", containerName, "-o", "pid,uid,args").lines().skip(1).toList();
    }

    /** What Docker actually applied: user, read-only root, dropped capabilities, no-new-privileges, memory, CPUs. */
    String applied() throws IOException, InterruptedException {
        return Docker.run("inspect", "--format", "user={{.Config.User}} readOnly={{.HostConfig.ReadonlyRootfs}} "
                + "capDrop={{.HostConfig.CapDrop}} securityOpt={{.HostConfig.SecurityOpt}} memory={{.HostConfig.Memory}} "
                + "nanoCpus={{.HostConfig.NanoCpus}}", containerName).trim();
    }

    /** Resident memory now, as the container's cgroup counts it. */
    String memoryUsage() throws IOException, InterruptedException {
        return Docker.run("stats", "--no-stream", "--format", "{{.MemUsage}}", containerName).trim();
    }

    String state() throws IOException, InterruptedException {
        return Docker.run("inspect", "--format", "{{.State.Status}} exit={{.State.ExitCode}} oom={{.State.OOMKilled}}",
                containerName).trim();
    }

    /** Docker stop (SIGTERM, then the pod's grace period) and remove, keeping the log. */
    void stopAndRemove(int graceSeconds) throws IOException, InterruptedException {
        Files.writeString(dir.resolve(service + ".log"), logs());
        Docker.run("stop", "-t", String.valueOf(graceSeconds), containerName);
        Docker.run("rm", "-f", containerName);
    }

    private void probes(JsonNode container) {
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            JsonNode httpGet = container.path(probe).path("httpGet");
            if (!httpGet.isMissingNode()) {
                probes.put(probe, httpGet.path("path").asText());
            }
        }
    }

    private void environment(List<ObjectNode> rendered, JsonNode container) {
        for (JsonNode source : container.path("envFrom")) {
            if (source.has("configMapRef")) {
                find(rendered, "ConfigMap", source.path("configMapRef").path("name").asText()).path("data").fields()
                        .forEachRemaining(entry -> env.put(entry.getKey(), entry.getValue().asText()));
            } else {
                find(rendered, "Secret", source.path("secretRef").path("name").asText()).path("stringData").fields()
                        .forEachRemaining(entry -> env.put(entry.getKey(), entry.getValue().asText()));
            }
        }
        for (JsonNode variable : container.path("env")) {
            if (!variable.has("value")) {
                throw new IllegalStateException(service + ": env " + variable + " is not a plain value");
            }
            env.put(variable.path("name").asText(), variable.path("value").asText());
        }
    }

    private Path emptyDir(JsonNode pod, String volume) throws IOException {
        for (JsonNode candidate : pod.path("volumes")) {
            if (candidate.path("name").asText().equals(volume)) {
                if (!candidate.has("emptyDir")) {
                    throw new IllegalStateException(service + ": volume " + volume + " is not an emptyDir");
                }
                Path host = dir.resolve(service + "-" + volume);
                Pipeline.deleteRecursively(host);
                Files.createDirectories(host);
                Files.setPosixFilePermissions(host, PosixFilePermissions.fromString("rwxrwxrwx")); // any runAsUser
                return host;
            }
        }
        throw new IllegalStateException(service + ": no volume " + volume);
    }

    private static ObjectNode find(List<ObjectNode> rendered, String kind, String name) {
        return rendered.stream()
                .filter(o -> o.path("kind").asText().equals(kind) && o.path("metadata").path("name").asText().equals(name))
                .findFirst().orElseThrow(() -> new IllegalStateException("no " + kind + " " + name + " in the manifests"));
    }

    static long bytes(String quantity) {
        Map<String, Long> units = Map.of("Ki", 1L << 10, "Mi", 1L << 20, "Gi", 1L << 30);
        for (var unit : units.entrySet()) {
            if (quantity.endsWith(unit.getKey())) {
                return Long.parseLong(quantity.substring(0, quantity.length() - 2)) * unit.getValue();
            }
        }
        return Long.parseLong(quantity);
    }

    static String cpus(String quantity) {
        return quantity.endsWith("m") ? String.valueOf(Long.parseLong(quantity.substring(0, quantity.length() - 1)) / 1000.0) : quantity;
    }

    /** The docker CLI. */
    static final class Docker {

        private Docker() {
        }

        static String run(String... arguments) throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(List.of("docker"));
            command.addAll(List.of(arguments));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
            }
            return out;
        }

        /** Removes what an earlier, interrupted check left. */
        static void removeLeftovers() throws IOException, InterruptedException {
            for (String id : run("ps", "-aq", "--filter", "label=mp3converter.image-check").lines().toList()) {
                run("rm", "-f", id);
            }
        }
    }
}
