package com.mp3converter.auth;

import com.mp3converter.devinfra.TcpProxy;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;

/**
 * Uses the machine's real MariaDB: applies infra/k8s/base/mysql/init.sql as root (so the bootstrap script is
 * tested too), gives the service account a fresh `auth_test` database, and puts a cuttable TCP proxy
 * between the service and the server.
 */
public class MariaDbResource implements QuarkusTestResourceLifecycleManager {

    static final String HOST = System.getenv().getOrDefault("MYSQL_HOST", "127.0.0.1");
    static final int PORT = Integer.parseInt(System.getenv().getOrDefault("MYSQL_PORT", "3306"));
    static final String ROOT_USER = System.getenv().getOrDefault("MYSQL_ROOT_USER", "root");
    static final String ROOT_PASSWORD = System.getenv().getOrDefault("MYSQL_ROOT_PASSWORD", "");
    static final String DATABASE = "auth_test";

    static TcpProxy proxy;

    @Override
    public Map<String, String> start() {
        try (Connection c = rootConnection(); Statement st = c.createStatement()) {
            String script = Files.readString(Path.of("../infra/k8s/base/mysql/init.sql")).replaceAll("(?m)^--.*$", "");
            for (String sql : script.split(";")) {
                if (!sql.isBlank()) {
                    st.execute(sql);
                }
            }
            st.execute("DROP DATABASE IF EXISTS " + DATABASE);
            st.execute("CREATE DATABASE " + DATABASE);
            st.execute("GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES ON "
                    + DATABASE + ".* TO 'auth'@'%'");
            proxy = new TcpProxy(HOST, PORT);
        } catch (Exception e) {
            throw new IllegalStateException("MariaDB must run on " + HOST + ":" + PORT + " (see .ci/run)", e);
        }
        return Map.of("quarkus.datasource.jdbc.url",
                "jdbc:mysql://127.0.0.1:" + proxy.port() + "/" + DATABASE);
    }

    @Override
    public void stop() {
        try {
            proxy.close();
        } catch (Exception ignored) {
            // best effort
        }
    }

    static Connection rootConnection() throws Exception {
        return DriverManager.getConnection("jdbc:mysql://" + HOST + ":" + PORT + "/", ROOT_USER, ROOT_PASSWORD);
    }
}
