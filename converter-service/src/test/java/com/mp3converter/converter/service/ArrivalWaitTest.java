package com.mp3converter.converter.service;

import com.mp3converter.converter.config.ConverterConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;

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

    private static final long KIB = 1024;
    private static final long MB = 1_000_000;
    /** The clock the waits below read: moved by hand, so nothing depends on how busy the machine is. */
    private final AtomicLong now = new AtomicLong();

    private ArrivalWait waitWithClock(Duration grace, long minBytesPerSecond, Duration maxWait) {
        return new ArrivalWait(limits(grace, minBytesPerSecond, maxWait), alarms, now::get);
    }

    private void at(Duration sinceStart) {
        now.set(sinceStart.toNanos());
    }

    @Test
    void anUploadThatStartsFastAndThenTricklesLetsGoOfTheWorkerOneGraceAfterTheWaitBegan() {
        ArrivalWait wait = waitWithClock(Duration.ofSeconds(20), 256 * KIB, Duration.ofMinutes(5));
        long fastStart = 80 * MB; // stored before the worker began to wait: it buys no waiting
        assertThat(wait.overdue(fastStart)).isFalse();
        at(Duration.ofSeconds(10));
        assertThat(wait.overdue(fastStart + 10 * 64 * KIB)).as("within the grace").isFalse();
        at(Duration.ofSeconds(20));
        assertThat(wait.overdue(fastStart + 20 * 64 * KIB)).as("64 KiB/s, the gateway's floor, is below 256 KiB/s").isTrue();
        at(Duration.ofSeconds(21));
        assertThat(wait.overdue(fastStart + 200 * MB)).as("once let go, the worker stays let go").isTrue();
    }

    @Test
    void aBurstInOneWindowBuysNoTimeInTheNext() {
        ArrivalWait wait = waitWithClock(Duration.ofSeconds(20), 256 * KIB, Duration.ofMinutes(5));
        assertThat(wait.overdue(0)).isFalse();
        at(Duration.ofSeconds(20));
        assertThat(wait.overdue(100 * MB)).as("100 MB in the first window").isFalse();
        at(Duration.ofSeconds(30));
        assertThat(wait.overdue(100 * MB + 10 * 64 * KIB)).as("the second window is not over").isFalse();
        at(Duration.ofSeconds(40));
        assertThat(wait.overdue(100 * MB + 20 * 64 * KIB)).as("a trickle in the second window").isTrue();
    }

    @Test
    void anUploadKeepingTheMinimumRateInEveryWindowIsWaitedOnUntilTheMaximumAndNoLonger() {
        ArrivalWait wait = waitWithClock(Duration.ofSeconds(20), 256 * KIB, Duration.ofMinutes(2));
        long stored = 5 * MB;
        for (int second = 0; second <= 120; second++) {
            at(Duration.ofSeconds(second));
            assertThat(wait.overdue(stored)).as("second %d at 300 KiB/s", second).isFalse();
            stored += 300 * KIB;
        }
        at(Duration.ofSeconds(121));
        assertThat(wait.overdue(stored)).as("past max-wait, however fast it arrives").isTrue();
    }

    @Test
    void anUploadThatBringsNothingAfterTheGraceIsOverdue() {
        ArrivalWait wait = waitWithClock(Duration.ofSeconds(8), 1, Duration.ofMinutes(5));
        assertThat(wait.overdue(1_000)).isFalse();
        at(Duration.ofSeconds(8));
        assertThat(wait.overdue(1_000)).isTrue();
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
