package com.mp3converter.auth.service;

import com.mp3converter.auth.config.AuthConfig;
import com.mp3converter.auth.repository.StorageUnavailableException;
import com.mp3converter.auth.repository.User;
import com.mp3converter.auth.repository.UserRepository;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.Locale;
import java.util.Optional;

@ApplicationScoped
public class UserService {

    private final UserRepository users;
    private final PasswordHasher hasher;
    private final Throttles throttles;
    private final AuthConfig config;

    UserService(UserRepository users, PasswordHasher hasher, Throttles throttles, AuthConfig config) {
        this.users = users;
        this.hasher = hasher;
        this.throttles = throttles;
        this.config = config;
    }

    /**
     * Registers a user (email and password already validated by the resource). Only admins may
     * register when self-service is off, and only admins may create admins. Others are counted per client
     * address first (429 past {@code auth.registration.per-client}), and a taken email is answered 409 before
     * any hash is computed: neither costs the hash queue anything. An attempt answered 503 (no turn to hash,
     * storage down) is taken back, so retries behind a shared address do not use up its allowance.
     */
    public User register(String email, String password, boolean asAdmin, boolean callerIsAdmin, String client) {
        if (!config.registration().selfService() && !callerIsAdmin) {
            throw new ApiException(403, "registration is closed; ask an administrator");
        }
        if (asAdmin && !callerIsAdmin) {
            throw new ApiException(403, "only an administrator may create administrators");
        }
        if (!callerIsAdmin) {
            throttles.admitRegistration(client);
        }
        try {
            return create(email, password, asAdmin);
        } catch (PasswordHasher.HashQueueFull | StorageUnavailableException notChecked) {
            if (!callerIsAdmin) {
                takeBackRegistration(client);
            }
            throw notChecked;
        }
    }

    private User create(String email, String password, boolean asAdmin) {
        String normalized = email.trim().toLowerCase(Locale.ROOT);
        if (users.findByEmail(normalized).isPresent()) {
            throw emailTaken();
        }
        // Two registrations of one new email at once both get here; the unique index lets one in.
        User user = users.insert(normalized, hasher.hash(password), asAdmin).orElseThrow(UserService::emailTaken);
        Log.infof("Registered user %s", user.id());
        return user;
    }

    /** A 503 is a retry waiting to happen: it must not use up the address's allowance (a NAT shares it). */
    private void takeBackRegistration(String client) {
        try {
            throttles.registrationNotChecked(client);
        } catch (StorageUnavailableException down) {
            Log.debug("Storage down: a registration attempt that was never checked stays counted");
        }
    }

    private static ApiException emailTaken() {
        return new ApiException(409, "a user with this email already exists");
    }

    void seed(@Observes StartupEvent start) {
        var seed = config.seed();
        seedOne(seed.demoEmail(), seed.demoPassword(), false);
        seedOne(seed.adminEmail(), seed.adminPassword(), true);
    }

    private void seedOne(Optional<String> email, Optional<String> password, boolean admin) {
        if (email.isEmpty() || password.isEmpty()) {
            return;
        }
        String normalized = email.get().trim().toLowerCase(Locale.ROOT);
        if (users.findByEmail(normalized).isEmpty()
                && users.insert(normalized, hasher.hash(password.get()), admin).isPresent()) {
            Log.infof("Seeded %s %s", admin ? "admin" : "demo user", normalized);
        }
    }
}
