-- Sign-in and registration throttling (service.Throttles): one row per counted key, e.g. (account, client
-- address) or a client address. The key is a SHA-256 of what it counts, so neither emails nor addresses are kept
-- here in the clear and every key has the same bounded length. Replaces the per-email login_throttle.
DROP TABLE login_throttle;

CREATE TABLE throttle_counter (
    throttle_key     CHAR(64) NOT NULL PRIMARY KEY COMMENT 'hex SHA-256 of kind and subject',
    attempts         INT      NOT NULL,
    first_ms         BIGINT   NOT NULL COMMENT 'epoch milliseconds: start of the counting window',
    last_ms          BIGINT   NOT NULL COMMENT 'epoch milliseconds: last counted attempt',
    blocked_until_ms BIGINT   NOT NULL COMMENT 'epoch milliseconds; 0: not blocked',
    INDEX ix_throttle_counter_last (last_ms)
) ENGINE = InnoDB;
