package com.mp3converter.auth.service;

/** Lets a test hold every turn to hash, as a burst of sign-ins would. */
public final class HashTurns {

    private HashTurns() {
    }

    public static int takeAll(PasswordHasher hasher) {
        return hasher.takeAllTurns();
    }

    public static void giveBack(PasswordHasher hasher, int taken) {
        hasher.giveBackTurns(taken);
    }
}
