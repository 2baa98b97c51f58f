package com.mp3converter.auth.service;

import com.mp3converter.auth.config.AuthConfig;
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
    private final AuthConfig config;

    UserService(UserRepository users, PasswordHasher hasher, AuthConfig config) {
        this.users = users;
        this.hasher = hasher;
        this.config = config;
    }

    /**
     * Registers a user (email and password already validated by the resource). Only admins may
     * register when self-service is off, and only admins may create admins.
     */
    public User register(String email, String password, boolean asAdmin, boolean callerIsAdmin) {
        if (!config.registration().selfService() && !callerIsAdmin) {
            throw new ApiException(403, "registration is closed; ask an administrator");
        }
        if (asAdmin && !callerIsAdmin) {
            throw new ApiException(403, "only an administrator may create administrators");
        }
        String normalized = email.trim().toLowerCase(Locale.ROOT);
        User user = users.insert(normalized, hasher.hash(password), asAdmin)
                .orElseThrow(() -> new ApiException(409, "a user with this email already exists"));
        Log.infof("Registered user %s", user.id());
        return user;
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
