package com.mp3converter.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A service's JVM options from {@code infra/jvm.options}, as run.sh reads them: the common lines, then those
 * under a {@code [service ...]} header that names it.
 */
public final class JvmOptions {

    /** The image's working directory: a file under it is one of the service's {@code src/main/jib/home/jboss/}. */
    private static final String IMAGE_HOME = "/home/jboss/";

    private JvmOptions() {
    }

    /** The options as run from a checkout at {@code root} (files from the module, not the image). */
    public static List<String> outsideTheImage(Path root, String service) {
        String home = root.resolve(service).resolve("src/main/jib/home/jboss").toAbsolutePath().normalize() + "/";
        return of(root.resolve("infra/jvm.options"), service).stream().map(option -> option.replace(IMAGE_HOME, home)).toList();
    }

    /** The options as the images run them. */
    public static List<String> of(Path file, String service) {
        List<String> options = new ArrayList<>();
        boolean inSection = false;
        boolean mine = false;
        try {
            for (String line : Files.readAllLines(file)) {
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                if (trimmed.startsWith("[")) {
                    inSection = true;
                    mine = List.of(trimmed.replaceAll("[\\[\\]]", "").split("\\s+")).contains(service);
                } else if (!inSection || mine) {
                    options.add(trimmed);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return options;
    }
}
