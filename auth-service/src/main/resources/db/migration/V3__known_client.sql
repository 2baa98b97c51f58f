-- Sign-in throttling (service.Throttles): (account, client address) pairs that signed in with the right password
-- lately, which the per-address and account-wide locks let through. The key is a SHA-256 of the pair, as in
-- throttle_counter, so neither emails nor addresses are kept here in the clear.
CREATE TABLE known_client (
    pair_key       CHAR(64) NOT NULL PRIMARY KEY COMMENT 'hex SHA-256 of kind, account and client address',
    known_until_ms BIGINT   NOT NULL COMMENT 'epoch milliseconds: the mark expires then',
    INDEX ix_known_client_until (known_until_ms)
) ENGINE = InnoDB;
