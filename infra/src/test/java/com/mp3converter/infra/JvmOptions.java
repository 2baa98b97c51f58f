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

    private JvmOptions() {
    }

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
