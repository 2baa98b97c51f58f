package com.mp3converter.gateway.http;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class TurnsTest {

    private final Vertx vertx = Vertx.vertx();
    private final Context eventLoop = vertx.getOrCreateContext();
    private final List<String> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        vertx.close();
    }

    @Test
    void releasedTurnsPassInArrivalOrderSkippingAWaiterThatLeft() throws Exception {
        Turns turns = new Turns(1, Duration.ofMinutes(1));
        onEventLoop(() -> {
            take(turns, "a");
            take(turns, "b");
            take(turns, "c").withdraw();
            take(turns, "d");
        });
        assertThat(events).containsExactly("a granted");

        turns.release();
        awaitEvents(2);
        turns.release();
        awaitEvents(3);
        assertThat(events).containsExactly("a granted", "b granted", "d granted");
        assertThat(turns.taken()).isEqualTo(1);
        turns.release();
        assertThat(turns.taken()).isZero();
    }

    @Test
    void aWaiterWithNoTurnWithinTheWaitIsRefusedAndNeverGrantedLater() throws Exception {
        Turns turns = new Turns(1, Duration.ofMillis(200));
        onEventLoop(() -> {
            take(turns, "a");
            take(turns, "b");
        });
        awaitEvents(2);
        assertThat(events).containsExactly("a granted", "b refused");

        turns.release();
        assertThat(turns.taken()).isZero();
        Thread.sleep(100);
        assertThat(events).hasSize(2);
    }

    private Turns.Waiter take(Turns turns, String name) {
        return turns.take(eventLoop, () -> events.add(name + " granted"), () -> events.add(name + " refused"));
    }

    private void onEventLoop(Runnable action) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        eventLoop.runOnContext(v -> {
            action.run();
            done.complete(null);
        });
        done.get(5, TimeUnit.SECONDS);
    }

    private void awaitEvents(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (events.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }
}
