package com.mp3converter.auth.service;

import com.mp3converter.auth.config.AuthConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Argon2id, stored in the PHC string format so the parameters travel with each hash: a hash made with
 * other parameters still verifies, and {@link #isCurrent} tells the caller to replace it.
 *
 * <p>9 MiB and 4 iterations: one of the configurations OWASP's password storage cheat sheet lists as equal
 * in defence to 19 MiB and 2 iterations (the same memory-time product), chosen for the smaller heap: each
 * hash's memory is Java heap, two run at a time, and they decided the service's peak footprint.
 */
@ApplicationScoped
public class PasswordHasher {

    private static final int MEMORY_KIB = 9 * 1024;
    private static final int ITERATIONS = 4;
    private static final int PARALLELISM = 1;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();
    /** What a caller refused a turn to hash is told to wait: a burst of sign-ins lasts about this long. */
    private static final Duration BUSY_RETRY_AFTER = Duration.ofSeconds(5);
    private static final String PREFIX = "$argon2id$v=19$m=%d,t=%d,p=%d$".formatted(MEMORY_KIB, ITERATIONS, PARALLELISM);

    private final SecureRandom random = new SecureRandom();
    /**
     * Each hash takes its memory and a core for a moment: a burst of logins must queue, not run all at once
     * (50 parallel logins ran a 256 MB heap out of memory). More at a time would not finish sooner.
     */
    private final Semaphore turns;
    private final AtomicInteger waiting = new AtomicInteger();
    private final AuthConfig.Hashing config;
    private final Counter hashes;

    PasswordHasher(AuthConfig config, MeterRegistry metrics) {
        this.config = config.hashing();
        this.turns = new Semaphore(this.config.atOnce().orElse(Math.max(1, Runtime.getRuntime().availableProcessors())), true);
        this.hashes = Counter.builder("auth.password.hashes")
                .description("Argon2id computations: hashes made and hashes checked, decoys included")
                .register(metrics);
    }

    /**
     * Verified against when the user does not exist, to equalise timing: today's parameters with random salt
     * and hash bytes, the hash of no password, so nothing matches it and nothing is hashed to make it.
     */
    private final String decoyHash = PREFIX + B64.encodeToString(randomBytes(SALT_BYTES)) + "$"
            + B64.encodeToString(randomBytes(HASH_BYTES));

    public String hash(String password) {
        byte[] salt = randomBytes(SALT_BYTES);
        byte[] hash = argon2(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM, HASH_BYTES);
        return PREFIX + B64.encodeToString(salt) + "$" + B64.encodeToString(hash);
    }

    /** Whether a stored hash was made with today's parameters; if not, hash the password again once it verified. */
    public boolean isCurrent(String phc) {
        return phc.startsWith(PREFIX);
    }

    public boolean verify(String password, String phc) {
        String[] parts = phc.split("\\$");
        if (parts.length != 6 || !"argon2id".equals(parts[1])) {
            return false;
        }
        int memory = 0, iterations = 0, parallelism = 0;
        for (String param : parts[3].split(",")) {
            String[] kv = param.split("=");
            switch (kv[0]) {
                case "m" -> memory = Integer.parseInt(kv[1]);
                case "t" -> iterations = Integer.parseInt(kv[1]);
                case "p" -> parallelism = Integer.parseInt(kv[1]);
                default -> { return false; }
            }
        }
        byte[] salt = B64D.decode(parts[4]);
        byte[] expected = B64D.decode(parts[5]);
        byte[] actual = argon2(password, salt, memory, iterations, parallelism, expected.length);
        return MessageDigest.isEqual(expected, actual);
    }

    /** Spends the same work as {@link #verify} for an account that does not exist; always false. */
    public boolean verifyDecoy(String password) {
        verify(password, decoyHash);
        return false;
    }

    /** No turn to hash within {@code auth.hashing.queue-wait}: 503 with Retry-After; the password was not checked. */
    public static final class HashQueueFull extends ApiException {
        HashQueueFull(String message, Duration retryAfter, Limit limit) {
            super(503, message, retryAfter, limit);
        }
    }

    /** Holds every free turn to hash, as a burst would (tests of the queue's deadline); returns how many it took. */
    int takeAllTurns() {
        return turns.drainPermits();
    }

    void giveBackTurns(int taken) {
        turns.release(taken);
    }

    private byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private byte[] argon2(String password, byte[] salt, int memoryKib, int iterations, int parallelism,
                          int length) {
        takeTurn();
        try {
            hashes.increment();
            return argon2Now(password, salt, memoryKib, iterations, parallelism, length);
        } finally {
            turns.release();
        }
    }

    /**
     * Waits for a turn to hash, at most {@code queue-wait}; with {@code max-waiting} callers already waiting,
     * refuses at once, so a burst holds a bounded number of request threads instead of all of them.
     */
    private void takeTurn() {
        if (turns.tryAcquire()) {
            return;
        }
        if (waiting.incrementAndGet() > config.maxWaiting()) {
            waiting.decrementAndGet();
            throw new HashQueueFull("too many sign-ins at once; try again in a few seconds", BUSY_RETRY_AFTER,
                    new ApiException.Limit("auth.hashing.max-waiting", config.maxWaiting()));
        }
        try {
            if (!turns.tryAcquire(config.queueWait().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new HashQueueFull("too many sign-ins at once; try again in a few seconds", BUSY_RETRY_AFTER,
                        new ApiException.Limit("auth.hashing.queue-wait", config.queueWait().toMillis()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HashQueueFull("interrupted while waiting to check the password", BUSY_RETRY_AFTER, null);
        } finally {
            waiting.decrementAndGet();
        }
    }

    private static byte[] argon2Now(String password, byte[] salt, int memoryKib, int iterations, int parallelism,
                                    int length) {
        Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(memoryKib)
                .withIterations(iterations)
                .withParallelism(parallelism)
                .withSalt(salt)
                .build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(params);
        byte[] out = new byte[length];
        generator.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
        return out;
    }
}
