package com.mp3converter.converter.service;

import com.mp3converter.converter.config.ConverterConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ArrivalWaitTest {

    private final ScheduledExecutorService alarms = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        alarms.shutdownNow();
    }

    @Test
    void aWaitForAnUploadThatNeverEndsIsCutShortAfterTheGraceAndLeavesTheWorkerThreadUsable() {
        ArrivalWait wait = new ArrivalWait(limits(Duration.ofMillis(200), 1024, Duration.ofMinutes(5)), alarms);

        assertThatThrownBy(() -> wait.atMostTheGrace(() -> {
            try {
                Thread.sleep(60_000); // an upload that stalled: the media store waits on
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the upload");
            }
        })).isInstanceOf(UploadStillArriving.class);
        assertThat(Thread.currentThread().isInterrupted()).as("the worker goes on with other jobs").isFalse();
    }

    @Test
    void aWaitThatEndsInTimeReturnsItsAnswer() throws Exception {
        ArrivalWait wait = new ArrivalWait(limits(Duration.ofSeconds(10), 1024, Duration.ofMinutes(5)), alarms);

        assertThat(wait.atMostTheGrace(() -> "complete")).isEqualTo("complete");
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void anUploadIsWaitedOnWhileItKeepsTheMinimumRateAndNeverLongerThanTheMaximum() throws Exception {
        ArrivalWait ratePaced = new ArrivalWait(limits(Duration.ZERO, 1_000_000, Duration.ofMinutes(5)), alarms);
        Thread.sleep(50);
        assertThat(ratePaced.overdue(100_000_000)).as("100 MB arrived: 100 s of waiting allowed").isFalse();
        assertThat(ratePaced.overdue(1_000)).as("1 kB arrived: 1 ms allowed").isTrue();

        ArrivalWait capped = new ArrivalWait(limits(Duration.ofMinutes(5), 1, Duration.ofMillis(20)), alarms);
        Thread.sleep(50);
        assertThat(capped.overdue(Long.MAX_VALUE / 2)).as("past the maximum wait, whatever arrived").isTrue();
    }

    private static ConverterConfig.Arrival limits(Duration grace, long minBytesPerSecond, Duration maxWait) {
        return new ConverterConfig.Arrival() {
            public long minBytesPerSecond() {
                return minBytesPerSecond;
            }

            public Duration grace() {
                return grace;
            }

            public Duration maxWait() {
                return maxWait;
            }

            public Duration recheck() {
                return Duration.ofSeconds(10);
            }

            public Duration maxUploadTime() {
                return Duration.ofHours(6);
            }
        };
    }
}
