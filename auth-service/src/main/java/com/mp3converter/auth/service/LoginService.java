package com.mp3converter.auth.service;

import com.mp3converter.auth.config.AuthConfig;
import com.mp3converter.auth.repository.LoginThrottleRepository;
import com.mp3converter.auth.repository.User;
import com.mp3converter.auth.repository.UserRepository;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;

/**
 * Checks credentials. Unknown email and wrong password take the same path (a decoy hash is verified
 * for unknown users) and give the same answer. Failures are counted per attempted email; past the
 * free attempts each failure locks that email for a doubling time capped at {@code max-lock}, so a
 * lock always expires. A hash made with older parameters is replaced at the user's next sign-in.
 */
@ApplicationScoped
public class LoginService {

    static final String BAD_CREDENTIALS = "invalid email or password";

    private final UserRepository users;
    private final LoginThrottleRepository throttle;
    private final PasswordHasher hasher;
    private final TokenService tokens;
    private final AuthConfig.Login policy;
    private final MeterRegistry metrics;

    LoginService(UserRepository users, LoginThrottleRepository throttle, PasswordHasher hasher, TokenService tokens,
                 AuthConfig config, MeterRegistry metrics) {
        this.metrics = metrics;
        this.users = users;
        this.throttle = throttle;
        this.hasher = hasher;
        this.tokens = tokens;
        this.policy = config.login();
    }

    /** Returns a signed JWT or throws 401 (bad credentials) or 429 (locked for a while). */
    public String login(String email, String password) {
        String key = email.trim().toLowerCase(Locale.ROOT);
        Optional<Instant> blockedUntil = throttle.blockedUntil(key).filter(Instant.now()::isBefore);
        if (blockedUntil.isPresent()) {
            metrics.counter("auth.logins", "outcome", "locked").increment();
            throw tooManyAttempts(blockedUntil.get());
        }
        Optional<User> user = users.findByEmail(key);
        boolean valid = user.map(u -> hasher.verify(password, u.passwordHash())).orElseGet(() -> hasher.verifyDecoy(password));
        if (!valid) {
            int failures = throttle.recordFailure(key);
            if (failures >= policy.freeAttempts()) {
                Instant until = Instant.now().plus(lockFor(failures));
                throttle.block(key, until);
                Log.infof("Login for an account failed %d times in a row; locked until %s", failures, until);
            }
            metrics.counter("auth.logins", "outcome", "failed").increment();
            throw new ApiException(401, BAD_CREDENTIALS);
        }
        throttle.reset(key);
        if (!hasher.isCurrent(user.get().passwordHash())) {
            users.updatePasswordHash(user.get().id(), hasher.hash(password));
        }
        metrics.counter("auth.logins", "outcome", "ok").increment();
        return tokens.issue(user.get());
    }

    /** initial-lock * 2^(failures - free attempts), capped at max-lock. */
    Duration lockFor(int failures) {
        int doublings = Math.min(failures - policy.freeAttempts(), 30);
        Duration lock = policy.initialLock().multipliedBy(1L << doublings);
        return lock.compareTo(policy.maxLock()) > 0 ? policy.maxLock() : lock;
    }

    private static ApiException tooManyAttempts(Instant until) {
        Duration wait = Duration.between(Instant.now(), until).truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        return new ApiException(429, "too many failed attempts; try again later", wait);
    }

    @Scheduled(every = "1h", delayed = "1m")
    void forgetOldFailures() {
        throttle.purgeStale();
    }
}
