package com.mp3converter.auth.config;

import io.smallrye.config.ConfigMapping;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

@ConfigMapping(prefix = "auth")
public interface AuthConfig {

    Jwt jwt();

    Login login();

    Registration registration();

    Hashing hashing();

    Seed seed();

    interface Jwt {
        /** Value of the {@code iss} claim; verifiers must expect exactly this. */
        String issuer();

        /** Value of the {@code aud} claim. */
        String audience();

        /** Token lifetime ({@code exp - iat}). */
        Duration lifetime();

        /** PKCS#8 PEM of the EC P-256 signing key (from a Kubernetes Secret). */
        Optional<String> signingKey();

        /**
         * Where to keep a generated key pair when {@code signing-key} is not set. Empty in production,
         * where a missing signing key is a startup error.
         */
        Optional<Path> generatedKeyFile();

        /** Extra PEM public keys published in the JWKS, e.g. the previous key during rotation. */
        Optional<List<String>> additionalPublicKeys();
    }

    /**
     * Sign-in throttling, counted per (account, client address), per client address and per account; see
     * {@code service.Throttles} for why the last two never lock out a pair that signed in lately.
     */
    interface Login {
        /**
         * Failed sign-ins allowed for one account from one client address; the attempt that reaches this count
         * locks that pair.
         */
        int freeAttempts();

        /**
         * Failed sign-ins allowed from one client address, whatever the accounts; past it the address is locked
         * the same way, so one address cannot guess across many accounts.
         */
        int clientFreeAttempts();

        /**
         * Failed sign-ins allowed to one account from client addresses it was not signed in from lately,
         * whatever the addresses; past it the account is locked the same way for such addresses only, so a
         * guesser with many addresses cannot guess on, while the owner's known addresses still sign in.
         */
        int accountFreeAttempts();

        /**
         * How long a (account, client address) pair stays known after signing in with the right password. A
         * known pair is not held by the per-address or account-wide lock (its own pair count still applies).
         */
        Duration knownClientFor();

        /** Lock after the first failure past the free attempts; doubles with each further failure. */
        Duration initialLock();

        /** Upper bound of the lock, so an attacker can never lock a user out for long. */
        Duration maxLock();

        /** A count is forgotten once no failure was counted for this long. */
        Duration forgetAfter();
    }

    interface Registration {
        /** Whether anyone may register with POST /users; when false only an admin token may. */
        boolean selfService();

        /** Registrations one client address may attempt per {@link #window()} (admins are not counted). */
        int perClient();

        /** The fixed window {@link #perClient()} counts in. */
        Duration window();
    }

    /** The password-hash work queue (Argon2id: memory and a core per hash). */
    interface Hashing {
        /** Hashes computed at once; unset: one per core. */
        OptionalInt atOnce();

        /**
         * How long a sign-in or registration waits for its turn to hash before it is answered 503 with
         * Retry-After. Must stay well below the gateway's timeout for calls to auth-service (10 s), or a burst
         * of sign-ins times out at the gateway and opens its circuit breaker for everyone.
         */
        Duration queueWait();

        /**
         * Callers that may wait for a turn at once; one more is answered 503 at once. Bounds the request threads
         * a burst can hold (each waits up to {@link #queueWait()}).
         */
        int maxWaiting();
    }

    interface Seed {
        /** Demo user created at startup if both values are set and the user does not exist. */
        Optional<String> demoEmail();

        Optional<String> demoPassword();

        /** Admin created at startup if both values are set and the user does not exist. */
        Optional<String> adminEmail();

        Optional<String> adminPassword();
    }
}
