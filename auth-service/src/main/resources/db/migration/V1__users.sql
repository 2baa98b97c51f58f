CREATE TABLE users (
    id            CHAR(36)     NOT NULL PRIMARY KEY,
    email         VARCHAR(254) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    is_admin      BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    CONSTRAINT uk_users_email UNIQUE (email)
) ENGINE = InnoDB;

-- Keyed by the attempted email whether or not such a user exists, so throttling answers the same
-- for unknown and known accounts (no user enumeration through the lock).
CREATE TABLE login_throttle (
    email                VARCHAR(254) NOT NULL PRIMARY KEY,
    consecutive_failures INT          NOT NULL,
    blocked_until_ms     BIGINT       NULL COMMENT 'epoch milliseconds',
    updated_at           TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE = InnoDB;
