package com.mp3converter.auth.repository;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

/** Consecutive failed logins per attempted email, and until when that email is blocked. */
@ApplicationScoped
public class LoginThrottleRepository {

    private final AgroalDataSource dataSource;

    LoginThrottleRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    public Optional<Instant> blockedUntil(String email) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT blocked_until FROM login_throttle WHERE email = ?")) {
            ps.setString(1, email);
            try (ResultSet rs = ps.executeQuery()) {
                Timestamp until = rs.next() ? rs.getTimestamp(1) : null;
                return Optional.ofNullable(until).map(Timestamp::toInstant);
            }
        } catch (SQLException e) {
            throw new StorageUnavailableException(e);
        }
    }

    /** Atomically counts one more failure and returns the new count. */
    public int recordFailure(String email) {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO login_throttle (email, consecutive_failures) VALUES (?, 1)
                    ON DUPLICATE KEY UPDATE consecutive_failures = consecutive_failures + 1,
                                            updated_at = CURRENT_TIMESTAMP(3)""")) {
                ps.setString(1, email);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT consecutive_failures FROM login_throttle WHERE email = ?")) {
                ps.setString(1, email);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        } catch (SQLException e) {
            throw new StorageUnavailableException(e);
        }
    }

    public void block(String email, Instant until) {
        update("UPDATE login_throttle SET blocked_until = ? WHERE email = ?", email, Timestamp.from(until));
    }

    public void reset(String email) {
        update("DELETE FROM login_throttle WHERE email = ?", email, null);
    }

    /** Forgets entries untouched since the given instant (keeps the table small). */
    public void purgeOlderThan(Instant instant) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM login_throttle WHERE updated_at < ?")) {
            ps.setTimestamp(1, Timestamp.from(instant));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StorageUnavailableException(e);
        }
    }

    private void update(String sql, String email, Timestamp first) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            if (first != null) {
                ps.setTimestamp(i++, first);
            }
            ps.setString(i, email);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StorageUnavailableException(e);
        }
    }
}
