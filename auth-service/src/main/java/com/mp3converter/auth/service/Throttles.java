package com.mp3converter.auth.service;

import com.mp3converter.auth.config.AuthConfig;
import com.mp3converter.auth.repository.ThrottleRepository;
import com.mp3converter.auth.repository.ThrottleRepository.Counter;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * Who may try to sign in or register now. Every attempt is counted BEFORE its password is hashed, under a row
 * lock (see {@link ThrottleRepository#update}): twenty guesses sent at once are twenty counted attempts, and
 * the ones past the allowance are refused without a hash. An attempt that turns out right resets its count; one
 * that never got checked (the hash queue was full) is taken back.
 *
 * <p>Sign-in failures are counted per (account, client address) and per client address, never per account
 * alone. Per account alone, anyone who knows a victim's email could keep the victim locked out by guessing
 * wrong passwords. Keyed by (account, address), a guesser locks only himself: the owner, signing in from an
 * address with no recent failures, is let in with the right password while the guesser gets 429. The
 * per-address count stops one address from guessing across many accounts instead. IPv6 addresses count by
 * their /64, which is what one subscriber gets. What this leaves: an attacker with many addresses gets
 * {@code free-attempts} guesses per address per account (then a doubling lock up to {@code max-lock}), and
 * someone behind the same address as the victim (a shared NAT) can still slow the victim down for at most
 * {@code max-lock} at a time. The address is the one the gateway forwards (X-Forwarded-For, trusted only from
 * {@code quarkus.http.proxy.trusted-proxies}).
 *
 * <p>Registrations are counted per client address in a fixed window.
 */
@ApplicationScoped
public class Throttles {

    private final ThrottleRepository counters;
    private final AuthConfig.Login login;
    private final AuthConfig.Registration registration;

    Throttles(ThrottleRepository counters, AuthConfig config) {
        this.counters = counters;
        this.login = config.login();
        this.registration = config.registration();
    }

    /** Counts a sign-in as failed before its password is checked; throws 429 if the account or address is locked. */
    public void admitSignIn(String email, String client) {
        long now = System.currentTimeMillis();
        counters.update(signInKeys(email, client), now, locked -> {
            Counter byClient = locked.get(0);
            Counter byAccount = locked.get(1);
            forgetIfIdle(byClient, now);
            forgetIfIdle(byAccount, now);
            if (byClient.blockedUntilMs > now) {
                throw locked(byClient, now, "too many failed sign-ins from your address; try again later",
                        "auth.login.client-free-attempts", login.clientFreeAttempts());
            }
            if (byAccount.blockedUntilMs > now) {
                throw locked(byAccount, now, "too many failed sign-ins to this account from your address; try again later",
                        "auth.login.free-attempts", login.freeAttempts());
            }
            count(byClient, login.clientFreeAttempts(), now);
            count(byAccount, login.freeAttempts(), now);
            if (byAccount.attempts >= login.freeAttempts()) {
                Log.infof("Sign-in to an account failed %d times in a row from one address; locked for %s",
                        byAccount.attempts, lockFor(byAccount.attempts, login.freeAttempts()));
            }
            return null;
        });
    }

    /**
     * The sign-in admitted by {@link #admitSignIn} was right: the pair's count starts over. The address only
     * gets this one attempt back, so signing in to one's own account between guesses does not clear it.
     */
    public void signedIn(String email, String client) {
        counters.update(signInKeys(email, client), System.currentTimeMillis(), locked -> {
            takeBack(locked.get(0), login.clientFreeAttempts());
            locked.get(1).attempts = 0;
            locked.get(1).blockedUntilMs = 0;
            return null;
        });
    }

    /** The sign-in admitted by {@link #admitSignIn} was never checked (no turn to hash): it does not count. */
    public void notChecked(String email, String client) {
        counters.update(signInKeys(email, client), System.currentTimeMillis(), locked -> {
            takeBack(locked.get(0), login.clientFreeAttempts());
            takeBack(locked.get(1), login.freeAttempts());
            return null;
        });
    }

    /** Counts a registration attempt from this address; throws 429 once the window's allowance is used. */
    public void admitRegistration(String client) {
        long now = System.currentTimeMillis();
        counters.update(List.of(key("register", client)), now, locked -> {
            Counter counter = locked.get(0);
            if (counter.firstMs + registration.window().toMillis() <= now) {
                counter.attempts = 0;
                counter.firstMs = now;
            }
            if (counter.attempts >= registration.perClient()) {
                Duration wait = Duration.ofMillis(counter.firstMs + registration.window().toMillis() - now);
                throw new ApiException(429, "too many registrations from your address; try again later",
                        roundUp(wait), new ApiException.Limit("auth.registration.per-client", registration.perClient()));
            }
            counter.attempts++;
            counter.lastMs = now;
            return null;
        });
    }

    /** initial-lock * 2^(attempts - free attempts), capped at max-lock. */
    Duration lockFor(int attempts, int free) {
        int doublings = Math.min(Math.max(attempts - free, 0), 30);
        Duration lock = login.initialLock().multipliedBy(1L << doublings);
        return lock.compareTo(login.maxLock()) > 0 ? login.maxLock() : lock;
    }

    @Scheduled(every = "1h", delayed = "1m")
    void forgetOldCounts() {
        long now = System.currentTimeMillis();
        long idle = Math.max(login.forgetAfter().toMillis(), registration.window().toMillis());
        counters.purgeIdleSince(now - idle, now);
    }

    /** The attempt that reaches the allowance is still checked; it locks the key for the ones after it. */
    private void count(Counter counter, int free, long now) {
        counter.attempts++;
        counter.lastMs = now;
        if (counter.attempts >= free) {
            counter.blockedUntilMs = now + lockFor(counter.attempts, free).toMillis();
        }
    }

    private static void takeBack(Counter counter, int free) {
        if (counter.attempts <= free) { // the lock, if any, came from this attempt
            counter.blockedUntilMs = 0;
        }
        counter.attempts = Math.max(0, counter.attempts - 1);
    }

    private void forgetIfIdle(Counter counter, long now) {
        if (counter.blockedUntilMs <= now && counter.lastMs + login.forgetAfter().toMillis() <= now) {
            counter.attempts = 0;
            counter.firstMs = now;
        }
    }

    private static ApiException locked(Counter counter, long now, String message, String limit, int max) {
        return new ApiException(429, message, roundUp(Duration.ofMillis(counter.blockedUntilMs - now)),
                new ApiException.Limit(limit, max));
    }

    private static Duration roundUp(Duration wait) {
        return Duration.ofSeconds((wait.toMillis() + 999) / 1000);
    }

    /** The wider key (the address) first: every caller locks in this order. */
    private static List<String> signInKeys(String email, String client) {
        return List.of(key("sign-in client", client), key("sign-in", email + "\n" + client));
    }

    static String key(String kind, String subject) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha256.digest((kind + "\n" + subject).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
