package com.mp3converter.auth.config;

import io.smallrye.config.ConfigMapping;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

@ConfigMapping(prefix = "auth")
public interface AuthConfig {

    Jwt jwt();

    Login login();

    Registration registration();

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

    interface Login {
        /** Consecutive failures allowed for one account before attempts are slowed. */
        int freeAttempts();

        /** Lock after the first failure past the free attempts; doubles with each further failure. */
        Duration initialLock();

        /** Upper bound of the lock, so an attacker can never lock a user out for long. */
        Duration maxLock();
    }

    interface Registration {
        /** Whether anyone may register with POST /users; when false only an admin token may. */
        boolean selfService();
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
