-- Bootstrap for MySQL/MariaDB, run once as an administrator (the k8s MySQL pod runs it on first start;
-- locally: `mariadb -uroot < infra/k8s/base/mysql/init.sql`). Idempotent.
-- It creates the database and the service account only: the table schema belongs to auth-service
-- (Flyway migrations in auth-service/src/main/resources/db/migration), so there is one source of truth.
-- The password is a development value; production sets its own (ALTER USER) and puts it in the Secret.

CREATE DATABASE IF NOT EXISTS auth CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE USER IF NOT EXISTS 'auth'@'%' IDENTIFIED BY 'auth-dev-password';
CREATE USER IF NOT EXISTS 'auth'@'localhost' IDENTIFIED BY 'auth-dev-password';

-- Data access plus the DDL its own migrations need, on its own database only. No global privileges.
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES ON auth.* TO 'auth'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES ON auth.* TO 'auth'@'localhost';
FLUSH PRIVILEGES;
