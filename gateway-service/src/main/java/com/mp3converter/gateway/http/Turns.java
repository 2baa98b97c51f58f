package com.mp3converter.gateway.http;

import io.vertx.core.Context;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashSet;

/**
 * At most {@code atOnce} turns at a time; the others wait in arrival order, each on its own event loop and
 * with no thread of its own, until a turn is released to it or its wait runs out.
 */
final class Turns {

    private final int atOnce;
    private final Duration wait;
    private final LinkedHashSet<Waiter> waiting = new LinkedHashSet<>();
    /** Written under the lock, read without it: every body asks it for each buffer that arrives. */
    private volatile int taken;

    Turns(int atOnce, Duration wait) {
        this.atOnce = atOnce;
        this.wait = wait;
    }

    /** One request for a turn, until it is granted, refused or withdrawn. */
    final class Waiter {
        private final Context context;
        private final Runnable granted;
        private long timer = -1;

        private Waiter(Context context, Runnable granted) {
            this.context = context;
            this.granted = granted;
        }

        /**
         * Gives up waiting (the client went away): neither callback runs. No-op once granted or refused.
         * @return whether it was still waiting
         */
        boolean withdraw() {
            if (leaveQueue(this)) {
                context.owner().cancelTimer(timer);
                return true;
            }
            return false;
        }

        private void grant() {
            context.runOnContext(v -> {
                context.owner().cancelTimer(timer);
                granted.run();
            });
        }
    }

    /**
     * Asks for a turn, on the event loop of {@code context}: {@code granted} runs there once it has one (at once
     * if one is free), {@code refused} if none came within the wait. Every grant must be paired with a
     * {@link #release()}.
     */
    Waiter take(Context context, Runnable granted, Runnable refused) {
        Waiter waiter = new Waiter(context, granted);
        synchronized (this) {
            if (taken < atOnce) {
                taken++;
            } else {
                waiting.add(waiter);
                waiter.timer = context.owner().setTimer(wait.toMillis(), t -> {
                    if (leaveQueue(waiter)) {
                        refused.run();
                    }
                });
                return waiter;
            }
        }
        granted.run();
        return waiter;
    }

    /** Ends a turn: it passes to the longest waiting request, if any. */
    void release() {
        Waiter next;
        synchronized (this) {
            Iterator<Waiter> first = waiting.iterator();
            if (!first.hasNext()) {
                taken--;
                return;
            }
            next = first.next();
            first.remove();
        }
        next.grant();
    }

    /** The turns held now. */
    int taken() {
        return taken;
    }

    private synchronized boolean leaveQueue(Waiter waiter) {
        return waiting.remove(waiter);
    }
}
