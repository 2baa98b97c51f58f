package com.mp3converter.converter.messaging;

import com.mp3converter.converter.config.ConverterConfig;
import com.mp3converter.messaging.RetryQueues;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The retry queues of the conversion requests: transient failures wait there, with the policy of converter.retry. */
@ApplicationScoped
class ConversionRetries {

    @Produces
    @Singleton
    RetryQueues retryQueues(ConverterConfig config, Config mpConfig,
                            @ConfigProperty(name = "mp.messaging.incoming.conversion-requests.queue.name") String requestQueue) {
        return new RetryQueues(mpConfig, "converter-service-retries", requestQueue, config.retry().initialDelay(),
                config.retry().maxDelay());
    }

    void close(@Disposes RetryQueues queues) {
        queues.close();
    }
}
