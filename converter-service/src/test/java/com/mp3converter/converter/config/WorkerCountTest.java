package com.mp3converter.converter.config;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The number of conversions at once (the request queue's prefetch), as application.properties resolves it. */
class WorkerCountTest {

    private static final String PREFETCH = "mp.messaging.incoming.conversion-requests.max-outstanding-messages";

    @Test
    void defaultsToTheCpusThisJvmMayUse() throws IOException {
        assertThat(config(Map.of()).getValue(PREFETCH, Integer.class)).isEqualTo(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void converterWorkersOverridesIt() throws IOException {
        assertThat(config(Map.of("CONVERTER_WORKERS", "7")).getValue(PREFETCH, Integer.class)).isEqualTo(7);
    }

    private SmallRyeConfig config(Map<String, String> env) throws IOException {
        return new SmallRyeConfigBuilder()
                .addDefaultInterceptors() // expressions
                .addDiscoveredSources() // META-INF/services: the AvailableProcessorsConfigSource registration
                .withSources(new PropertiesConfigSource(getClass().getResource("/application.properties"), 250))
                .withSources(new PropertiesConfigSource(env, "env", 300))
                .build();
    }
}
