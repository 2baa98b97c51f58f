package com.mp3converter.auth.repository;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Attempt counters (table {@code throttle_counter}) and the pairs that signed in lately (table
 * {@code known_client}). {@link #update} reads counters under a row lock, lets the
 * caller decide and change them, and writes them back in the same transaction: two requests counting the same
 * key run one after the other, so a decision taken on a count can never be raced past.
 */
@ApplicationScoped
public class ThrottleRepository {

    /** One counter as read under its row lock; the caller changes the fields, the repository writes them back. */
    public static final class Counter {
        public int attempts;
        public long firstMs;
        public long lastMs;
        public long blockedUntilMs;
    }

    private final AgroalDataSource dataSource;

    ThrottleRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Locks the counters of {@code keys} (created empty if missing), in the order given, and applies
     * {@code decide}; what it changed is committed when it returns, nothing is when it throws. Callers lock keys
     * in one fixed order (the wider key first), so no two updates wait for each other in a cycle.
     */
    public <T> T update(List<String> keys, long nowMs, Function<List<Counter>, T> decide) {
        try (Connection c = dataSource.getConnection()) {
            // Created outside the transaction (each its own statement), so the locks below are plain row locks
            // on existing rows: concurrent first attempts on one key queue instead of deadlocking on the insert.
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT IGNORE INTO throttle_counter (throttle_key, attempts, first_ms, last_ms, blocked_until_ms)
                    VALUES (?, 0, ?, ?, 0)""")) {
                for (String key : keys) {
                    ps.setString(1, key);
                    ps.setLong(2, nowMs);
                    ps.setLong(3, nowMs);
                    ps.executeUpdate();
                }
            }
            c.setAutoCommit(false);
            try {
                List<Counter> counters = new ArrayList<>();
                for (String key : keys) {
                    counters.add(lock(c, key, nowMs));
                }
                T result = decide.apply(counters);
                write(c, keys, counters);
                c.commit();
                return result;
            } catch (RuntimeException | SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StorageUnavailableException(e);
        }
    }

    /** Forgets counters untouched since {@code beforeMs} that block nothing any more. */
    public void purgeIdleSince(long beforeMs, long nowMs) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "DELETE FROM throttle_counter WHERE last_ms < ? AND blocked_until_ms < ?")) {
            ps.setLong(1, beforeMs);
            ps.setLong(2, nowMs);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StorageUnavailableException(e);
        }
    }

    /** Whether {@code pairKey} was marked known and its mark has not expired. */
    public boolean isKnown(String pairKey, long nowMs) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT 1 FROM known_client WHERE pair_key = ? AND known_until_ms > ?")) {
            ps.setString(1, pairKey);
            ps.setLong(2, nowMs);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new StorageUnavailableException(e);
        }
    }

    /** Marks {@code pairKey} known until {@code untilMs} (a later sign-in moves the mark's end on). */
    public void markKnown(String pairKey, long untilMs) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("""
                     INSERT INTO known_client (pair_key, known_until_ms) VALUES (?, ?)
                     ON DUPLICATE KEY UPDATE known_until_ms = GREATEST(known_until_ms, VALUES(known_until_ms))""")) {
            ps.setString(1, pairKey);
            ps.setLong(2, untilMs);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StorageUnavailableException(e);
        }
    }

    /** Forgets the known pairs whose mark has expired. */
    public void purgeKnownBefore(long nowMs) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM known_client WHERE known_until_ms <= ?")) {
            ps.setLong(1, nowMs);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StorageUnavailableException(e);
        }
    }

    private static Counter lock(Connection c, String key, long nowMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT attempts, first_ms, last_ms, blocked_until_ms FROM throttle_counter
                WHERE throttle_key = ? FOR UPDATE""")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                Counter counter = new Counter();
                if (rs.next()) { // else purged since it was created: it starts empty and is written back below
                    counter.attempts = rs.getInt(1);
                    counter.firstMs = rs.getLong(2);
                    counter.lastMs = rs.getLong(3);
                    counter.blockedUntilMs = rs.getLong(4);
                } else {
                    counter.firstMs = nowMs;
                    counter.lastMs = nowMs;
                }
                return counter;
            }
        }
    }

    private static void write(Connection c, List<String> keys, List<Counter> counters) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO throttle_counter (throttle_key, attempts, first_ms, last_ms, blocked_until_ms)
                VALUES (?, ?, ?, ?, ?)
                ON DUPLICATE KEY UPDATE attempts = VALUES(attempts), first_ms = VALUES(first_ms),
                                        last_ms = VALUES(last_ms), blocked_until_ms = VALUES(blocked_until_ms)""")) {
            for (int i = 0; i < keys.size(); i++) {
                Counter counter = counters.get(i);
                ps.setString(1, keys.get(i));
                ps.setInt(2, counter.attempts);
                ps.setLong(3, counter.firstMs);
                ps.setLong(4, counter.lastMs);
                ps.setLong(5, counter.blockedUntilMs);
                ps.executeUpdate();
            }
        }
    }
}
