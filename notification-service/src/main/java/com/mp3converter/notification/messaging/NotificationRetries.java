package com.mp3converter.notification.messaging;

import com.mp3converter.messaging.RetryQueues;
import com.mp3converter.notification.config.NotificationConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The retry queues of the job events: emails not sent yet wait there, with the policy of notification.retry. */
@ApplicationScoped
class NotificationRetries {

    @Produces
    @Singleton
    RetryQueues retryQueues(NotificationConfig config, Config mpConfig,
                            @ConfigProperty(name = "mp.messaging.incoming.job-finished.queue.name") String eventQueue) {
        return new RetryQueues(mpConfig, "notification-service-retries", eventQueue, config.retry().initialDelay(),
                config.retry().maxDelay());
    }

    void close(@Disposes RetryQueues queues) {
        queues.close();
    }
}
