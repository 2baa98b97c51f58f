package com.mp3converter.auth.repository;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
             PreparedStatement ps = c.prepareStatement("SELECT blocked_until_ms FROM login_throttle WHERE email = ?")) {
            ps.setString(1, email);
            try (ResultSet rs = ps.executeQuery()) {
                long until = rs.next() ? rs.getLong(1) : 0;
                return until == 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(until));
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
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE login_throttle SET blocked_until_ms = ? WHERE email = ?")) {
            ps.setLong(1, until.toEpochMilli());
            ps.setString(2, email);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StorageUnavailableException(e);
        }
    }

    public void reset(String email) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM login_throttle WHERE email = ?")) {
            ps.setString(1, email);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StorageUnavailableException(e);
        }
    }

    /** Forgets entries untouched for a day (keeps the table small). */
    public void purgeStale() {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "DELETE FROM login_throttle WHERE updated_at < CURRENT_TIMESTAMP(3) - INTERVAL 1 DAY")) {
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StorageUnavailableException(e);
        }
    }
}
