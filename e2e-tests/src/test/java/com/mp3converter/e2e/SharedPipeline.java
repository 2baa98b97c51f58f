package com.mp3converter.e2e;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives test classes one pipeline, started on first use and stopped after the last test (JUnit closes
 * AutoCloseable values of the root store), so the services' start-up is paid once.
 */
final class SharedPipeline implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedPipeline.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Pipeline.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent("pipeline", key -> {
            try {
                return Pipeline.start("e2e", 2);
            } catch (Exception e) {
                throw new IllegalStateException("could not start the pipeline", e);
            }
        }, Pipeline.class);
    }
}
