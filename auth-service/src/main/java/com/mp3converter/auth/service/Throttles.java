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
 * the ones past the allowance are refused without a hash. An attempt that turns out right resets its pair's
 * count; one that never got checked (the hash queue was full) is taken back.
 *
 * <p>Sign-in failures are counted per (account, client address), per client address and per account. The
 * pair count is what holds a guesser at one address: keyed by (account, address), he locks only himself, and
 * the owner, signing in from an address with no recent failures, is let in with the right password. The
 * per-address count stops one address from guessing across many accounts; the account-wide count (with a
 * much higher allowance) stops a guesser with many addresses (an IPv6 /48 is 65,536 /64s) from getting
 * {@code free-attempts} guesses per address. Both of these wider counts would turn into the attack if they
 * held everyone: behind an office NAT or a mobile CGNAT, one guesser would lock every account out of that
 * address, and anyone who knows a victim's email could lock the victim out everywhere by guessing wrong. So
 * a pair that signed in with the right password within {@code known-client-for} is "known": the address and
 * account-wide locks do not hold it and its failures are counted on its pair only (which still locks it after
 * {@code free-attempts}). Unknown pairs are held by all three. IPv6 addresses count by their /64, which is
 * what one subscriber gets.
 *
 * <p>What this leaves: a distributed guesser gets {@code account-free-attempts} guesses per account, then one
 * per lock (doubling up to {@code max-lock}); meanwhile the owner signs in from any address he used lately,
 * but from a new one only after the lock. Someone behind the same address as the victim can still slow the
 * victim's unknown pairs down for at most {@code max-lock} at a time, and can tell from a 401 instead of a 429
 * on a locked address that an account signed in from that address lately. The address is the one the gateway
 * forwards (X-Forwarded-For, trusted only from {@code quarkus.http.proxy.trusted-proxies}).
 *
 * <p>Registrations are counted per client address in a fixed window; one that was never checked (no turn to
 * hash, storage down) is taken back.
 */
@ApplicationScoped
public class Throttles {

    /** A sign-in {@link #admitSignIn} let through, and whether it counted as a known pair. */
    public record SignIn(String email, String client, boolean known) {
    }

    private final ThrottleRepository counters;
    private final AuthConfig.Login login;
    private final AuthConfig.Registration registration;

    Throttles(ThrottleRepository counters, AuthConfig config) {
        this.counters = counters;
        this.login = config.login();
        this.registration = config.registration();
    }

    /**
     * Counts a sign-in as failed before its password is checked; throws 429 if the pair is locked or, for a pair
     * not known, the address or the account is.
     */
    public SignIn admitSignIn(String email, String client) {
        long now = System.currentTimeMillis();
        boolean known = counters.isKnown(knownKey(email, client), now);
        counters.update(signInKeys(email, client), now, locked -> {
            Counter byClient = locked.get(0);
            Counter byAccount = locked.get(1);
            Counter byPair = locked.get(2);
            locked.forEach(counter -> forgetIfIdle(counter, now));
            if (!known && byClient.blockedUntilMs > now) {
                throw locked(byClient, now, "too many failed sign-ins from your address; try again later",
                        "auth.login.client-free-attempts", login.clientFreeAttempts());
            }
            if (!known && byAccount.blockedUntilMs > now) {
                throw locked(byAccount, now, "too many failed sign-ins to this account from new addresses; try again later",
                        "auth.login.account-free-attempts", login.accountFreeAttempts());
            }
            if (byPair.blockedUntilMs > now) {
                throw locked(byPair, now, "too many failed sign-ins to this account from your address; try again later",
                        "auth.login.free-attempts", login.freeAttempts());
            }
            if (!known) {
                count(byClient, login.clientFreeAttempts(), now);
                count(byAccount, login.accountFreeAttempts(), now);
                if (byAccount.attempts >= login.accountFreeAttempts()) {
                    Log.warnf("Sign-in to an account failed %d times from addresses it is not known at; "
                            + "locked for those for %s", byAccount.attempts,
                            lockFor(byAccount.attempts, login.accountFreeAttempts()));
                }
            }
            count(byPair, login.freeAttempts(), now);
            if (byPair.attempts >= login.freeAttempts()) {
                Log.infof("Sign-in to an account failed %d times in a row from one address; locked for %s",
                        byPair.attempts, lockFor(byPair.attempts, login.freeAttempts()));
            }
            return null;
        });
        return new SignIn(email, client, known);
    }

    /**
     * The sign-in admitted by {@link #admitSignIn} was right: the pair's count starts over and the pair is known
     * for {@code known-client-for}. The address and the account only get this one attempt back, so signing in
     * to one's own account between guesses clears neither.
     */
    public void signedIn(SignIn signIn) {
        long now = System.currentTimeMillis();
        counters.update(signInKeys(signIn.email(), signIn.client()), now, locked -> {
            if (!signIn.known()) {
                takeBack(locked.get(0), login.clientFreeAttempts());
                takeBack(locked.get(1), login.accountFreeAttempts());
            }
            locked.get(2).attempts = 0;
            locked.get(2).blockedUntilMs = 0;
            return null;
        });
        counters.markKnown(knownKey(signIn.email(), signIn.client()), now + login.knownClientFor().toMillis());
    }

    /** The sign-in admitted by {@link #admitSignIn} was never checked (no turn to hash): it does not count. */
    public void notChecked(SignIn signIn) {
        counters.update(signInKeys(signIn.email(), signIn.client()), System.currentTimeMillis(), locked -> {
            if (!signIn.known()) {
                takeBack(locked.get(0), login.clientFreeAttempts());
                takeBack(locked.get(1), login.accountFreeAttempts());
            }
            takeBack(locked.get(2), login.freeAttempts());
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

    /** The registration admitted by {@link #admitRegistration} was never checked (no turn to hash, storage down). */
    public void registrationNotChecked(String client) {
        counters.update(List.of(key("register", client)), System.currentTimeMillis(), locked -> {
            locked.get(0).attempts = Math.max(0, locked.get(0).attempts - 1);
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
        counters.purgeKnownBefore(now);
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

    /** The wider keys (the address, the account) first: every caller locks in this order. */
    private static List<String> signInKeys(String email, String client) {
        return List.of(key("sign-in client", client), key("sign-in account", email),
                key("sign-in", email + "\n" + client));
    }

    private static String knownKey(String email, String client) {
        return key("known client", email + "\n" + client);
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
