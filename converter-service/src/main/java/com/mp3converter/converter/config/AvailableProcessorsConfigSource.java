package com.mp3converter.converter.config;

import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.Set;

/**
 * {@code available-processors}: the CPUs this JVM may use (the container's CPU limit in a pod), so the
 * worker count defaults to them in application.properties. Lowest ordinal: it only supplies that name.
 */
public class AvailableProcessorsConfigSource implements ConfigSource {

    static final String NAME = "available-processors";

    @Override
    public Set<String> getPropertyNames() {
        return Set.of(NAME);
    }

    @Override
    public String getValue(String propertyName) {
        return NAME.equals(propertyName) ? String.valueOf(Runtime.getRuntime().availableProcessors()) : null;
    }

    @Override
    public String getName() {
        return AvailableProcessorsConfigSource.class.getSimpleName();
    }

    @Override
    public int getOrdinal() {
        return 1;
    }
}
