package com.mp3converter.auth.repository;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.util.Optional;
import java.util.UUID;

@ApplicationScoped
public class UserRepository {

    private final AgroalDataSource dataSource;

    UserRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    public Optional<User> findByEmail(String email) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT id, email, password_hash, is_admin FROM users WHERE email = ?")) {
            ps.setString(1, email);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? Optional.of(new User(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4)))
                        : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StorageUnavailableException(e);
        }
    }

    /** Inserts a user; empty if the email is taken. */
    public Optional<User> insert(String email, String passwordHash, boolean admin) {
        User user = new User(UUID.randomUUID().toString(), email, passwordHash, admin);
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "INSERT INTO users (id, email, password_hash, is_admin) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, user.id());
            ps.setString(2, user.email());
            ps.setString(3, user.passwordHash());
            ps.setBoolean(4, user.admin());
            ps.executeUpdate();
            return Optional.of(user);
        } catch (SQLIntegrityConstraintViolationException duplicate) {
            return Optional.empty();
        } catch (SQLException e) {
            throw new StorageUnavailableException(e);
        }
    }

    public void updatePasswordHash(String id, String passwordHash) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE users SET password_hash = ? WHERE id = ?")) {
            ps.setString(1, passwordHash);
            ps.setString(2, id);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StorageUnavailableException(e);
        }
    }
}
