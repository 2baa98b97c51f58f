package com.mp3converter.auth.service;

import com.mp3converter.auth.repository.StorageUnavailableException;
import com.mp3converter.auth.repository.User;
import com.mp3converter.auth.repository.UserRepository;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Locale;
import java.util.Optional;

/**
 * Checks credentials. Unknown email and wrong password take the same path (a decoy hash is verified
 * for unknown users) and give the same answer. Every attempt is counted as a failure before its hash is
 * checked, and taken back only once it proved right or was never checked ({@link Throttles} says how and
 * why per account and client address). A hash made with older parameters is replaced at the user's next
 * sign-in.
 */
@ApplicationScoped
public class LoginService {

    static final String BAD_CREDENTIALS = "invalid email or password";

    private final UserRepository users;
    private final Throttles throttles;
    private final PasswordHasher hasher;
    private final TokenService tokens;
    private final MeterRegistry metrics;

    LoginService(UserRepository users, Throttles throttles, PasswordHasher hasher, TokenService tokens,
                 MeterRegistry metrics) {
        this.users = users;
        this.throttles = throttles;
        this.hasher = hasher;
        this.tokens = tokens;
        this.metrics = metrics;
    }

    /**
     * Returns a signed JWT or throws 401 (bad credentials), 429 (this account from this address locked for a
     * while, or, unless the account signed in from this address lately, this address or this account) or 503 (no
     * turn to hash in time).
     */
    public String login(String email, String password, String client) {
        String key = email.trim().toLowerCase(Locale.ROOT);
        Throttles.SignIn attempt;
        try {
            attempt = throttles.admitSignIn(key, client);
        } catch (ApiException locked) {
            metrics.counter("auth.logins", "outcome", "locked").increment();
            throw locked;
        }
        Optional<User> user;
        boolean valid;
        try {
            user = users.findByEmail(key);
            valid = user.map(u -> hasher.verify(password, u.passwordHash())).orElseGet(() -> hasher.verifyDecoy(password));
        } catch (PasswordHasher.HashQueueFull | StorageUnavailableException e) {
            throttles.notChecked(attempt);
            metrics.counter("auth.logins", "outcome", "busy").increment();
            throw e;
        }
        if (!valid) {
            metrics.counter("auth.logins", "outcome", "failed").increment();
            throw new ApiException(401, BAD_CREDENTIALS);
        }
        throttles.signedIn(attempt);
        upgradeHash(user.get(), password);
        metrics.counter("auth.logins", "outcome", "ok").increment();
        return tokens.issue(user.get());
    }

    private void upgradeHash(User user, String password) {
        if (hasher.isCurrent(user.passwordHash())) {
            return;
        }
        try {
            users.updatePasswordHash(user.id(), hasher.hash(password));
        } catch (PasswordHasher.HashQueueFull busy) {
            Log.debug("No turn to re-hash a password with today's parameters; it is done at a later sign-in");
        }
    }
}
