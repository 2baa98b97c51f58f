package com.mp3converter.e2e;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mp3converter.devinfra.EmbeddedMongoProcess;
import com.mp3converter.devinfra.TcpProxy;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The whole pipeline on this machine: the four packaged services as separate JVMs, the machine's real
 * MariaDB and RabbitMQ (under names of this run only), GreenMail as the SMTP server, and the embedded
 * MongoDB-protocol server in its own process behind a proxy that can be cut. The auth signing key is
 * made here, so tests can mint tokens the way an attacker who had it, or had an old one, would.
 */
final class Pipeline implements AutoCloseable {

    static final String AUTH = "auth-service";
    static final String GATEWAY = "gateway-service";
    static final String CONVERTER = "converter-service";
    static final String NOTIFICATION = "notification-service";

    static final String ISSUER = "https://mp3converter/auth";
    static final String AUDIENCE = "mp3converter";
    /** Small enough that the abuse suite can send an oversized upload quickly. */
    static final long UPLOAD_MAX_BYTES = 24L * 1024 * 1024;
    /** Above the services' 5 s MongoDB server-selection timeout, so a storage hiccup is not taken for a stalled client. */
    static final int IDLE_TIMEOUT_SECONDS = 8;
    /** The slowest upload the gateway takes (its default), averaged over a window shortened so AbuseSlowClientsTest waits seconds. */
    static final long UPLOAD_MIN_BYTES_PER_SECOND = 64 * 1024;
    static final int UPLOAD_RATE_WINDOW_SECONDS = 5;
    /** A download whose reader takes nothing for this long is cut off (production: 30 s). */
    static final int DOWNLOAD_STALL_SECONDS = 5;
    /** Uploads one user may send at once (the gateway's default). */
    static final int UPLOADS_PER_USER_AT_ONCE = 4;
    /** Downloads of one user's MP3s at once (the gateway's default). */
    static final int DOWNLOADS_PER_USER_AT_ONCE = 8;
    /** Event streams one user may hold open (the gateway's default). */
    static final int EVENT_STREAMS_PER_USER = 5;
    static final Duration RETRY_MAX_DELAY = Duration.ofSeconds(16);
    /** The one-click links' key, shared by the gateway and the notifiers. */
    static final String DOWNLOAD_LINK_KEY = "e2e-download-link-key-" + java.util.UUID.randomUUID();

    private static final String MYSQL_HOST = System.getenv().getOrDefault("MYSQL_HOST", "127.0.0.1");
    private static final int MYSQL_PORT = Integer.parseInt(System.getenv().getOrDefault("MYSQL_PORT", "3306"));
    private static final String RABBITMQ_HOST = System.getenv().getOrDefault("RABBITMQ_HOST", "127.0.0.1");
    private static final int RABBITMQ_PORT = Integer.parseInt(System.getenv().getOrDefault("RABBITMQ_PORT", "5672"));

    final String name;
    final Path dir;
    /** Each converter replica's own work dir (a pod's /tmp): a converter clears its own at startup. */
    final List<Path> converterWorkDirs = new ArrayList<>();
    final KeyPair signingKey;
    final GreenMail smtp;
    /** Where every service sends its spans (OTLP over HTTP). */
    final OtlpReceiver traces;
    /** A webhook receiver the gateways may reach (WEBHOOK_ALLOWED_HOSTS). */
    final WebhookReceiver webhooks;
    private final EmbeddedMongoProcess mongo;
    final TcpProxy mongoProxy;
    private final MongoClient mongoClient;
    private final Map<String, ServiceProcess> services = new LinkedHashMap<>();

    private Pipeline(String name, int converterWorkers, int replicas, Map<String, String> extraEnv) throws Exception {
        this.name = name;
        this.dir = Path.of("target", "e2e", name).toAbsolutePath();
        deleteRecursively(dir); // logs and files of an earlier run
        Files.createDirectories(dir);
        this.signingKey = ecKeyPair();
        this.smtp = new GreenMail(new ServerSetup(freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        this.traces = OtlpReceiver.start();
        this.webhooks = WebhookReceiver.start();
        this.mongo = EmbeddedMongoProcess.start();
        this.mongoProxy = new TcpProxy("127.0.0.1", mongo.port());
        this.mongoClient = MongoClients.create(mongo.uri()); // direct, so checks work while the proxy is cut
        freshAuthDatabase(authDatabase());
        deleteQueues();

        int authPort = freePort();
        Map<String, String> env = new HashMap<>();
        env.put("AUTH_PORT", String.valueOf(authPort));
        env.put("AUTH_DB_URL", jdbcUrl(authDatabase()));
        env.put("JWT_SIGNING_KEY", pem(signingKey));
        env.put("JWT_ISSUER", ISSUER);
        env.put("JWT_AUDIENCE", AUDIENCE);
        env.put("DOWNLOAD_LINK_KEY", DOWNLOAD_LINK_KEY);
        env.put("WEBHOOK_ALLOWED_HOSTS", webhooks.hostAndPort());
        env.put("AUTH_URL", "http://127.0.0.1:" + authPort);
        env.put("AUTH_JWKS_URL", "http://127.0.0.1:" + authPort + "/.well-known/jwks.json");
        env.put("MONGODB_URI", "mongodb://127.0.0.1:" + mongoProxy.port());
        env.put("MONGODB_DATABASE", name);
        env.put("RABBITMQ_HOST", RABBITMQ_HOST);
        env.put("RABBITMQ_PORT", String.valueOf(RABBITMQ_PORT));
        env.put("RABBITMQ_EXCHANGE", exchange());
        env.put("CONVERTER_QUEUE", queues().get(0));
        env.put("GATEWAY_EVENTS_QUEUE", queues().get(1));
        env.put("NOTIFICATION_QUEUE", queues().get(2));
        env.put("NOTIFICATION_VERIFIED_QUEUE", queues().get(3));
        env.put("CONVERTER_WORKERS", String.valueOf(converterWorkers));
        // Short enough that jobs held back by a fault come back within the suite's patience.
        env.put("CONVERTER_RETRY_MAX_DELAY", RETRY_MAX_DELAY.toString());
        env.put("SMTP_HOST", "127.0.0.1");
        env.put("SMTP_PORT", String.valueOf(smtp.getSmtp().getPort()));
        env.put("SMTP_STARTTLS", "DISABLED");
        env.put("UPLOAD_MAX_BYTES", String.valueOf(UPLOAD_MAX_BYTES));
        env.put("HTTP_IDLE_TIMEOUT", IDLE_TIMEOUT_SECONDS + "s");
        env.put("OTEL_EXPORTER_OTLP_ENDPOINT", traces.endpoint());
        env.put("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
        env.put("ORPHAN_CHUNK_GRACE", "PT10S"); // nothing here uploads for longer
        // Every client of the suites is 127.0.0.1: the per-address sign-in and sign-up throttles would take the whole
        // suite for one guesser (auth-service's SignInThrottleTest proves them with addresses of their own).
        env.put("LOGIN_CLIENT_FREE_ATTEMPTS", "1000");
        env.put("UPLOAD_MIN_BYTES_PER_SECOND", String.valueOf(UPLOAD_MIN_BYTES_PER_SECOND));
        env.put("GATEWAY_UPLOAD_RATE_WINDOW", "PT" + UPLOAD_RATE_WINDOW_SECONDS + "S");
        env.put("GATEWAY_DOWNLOAD_STALL_TIMEOUT", "PT" + DOWNLOAD_STALL_SECONDS + "S");
        env.put("GATEWAY_DOWNLOAD_RATE_GRACE", "PT" + DOWNLOAD_STALL_SECONDS + "S");
        env.put("GATEWAY_EVENTS_STREAMS_PER_USER", String.valueOf(EVENT_STREAMS_PER_USER));
        env.put("REGISTRATIONS_PER_CLIENT", "1000");
        env.put("ORPHAN_CHUNK_SWEEP_EVERY", "2s");
        env.putAll(extraEnv);

        // The heaps are run.sh's, so the suite proves what a local run uses.
        add(AUTH, 1, "AUTH_PORT", authPort, "64m", env);
        int gatewayPort = freePort();
        env.put("GATEWAY_PUBLIC_URL", "http://localhost:" + gatewayPort);
        add(GATEWAY, 1, "GATEWAY_PORT", gatewayPort, "80m", env);
        for (int replica = 1; replica <= replicas; replica++) {
            if (replica > 1) {
                add(GATEWAY, replica, "GATEWAY_PORT", freePort(), "80m", env);
            }
            Path workDir = dir.resolve("converter-work-" + replica);
            converterWorkDirs.add(workDir);
            Map<String, String> converterEnv = new HashMap<>(env);
            converterEnv.put("CONVERTER_WORK_DIR", workDir.toString());
            add(CONVERTER, replica, "CONVERTER_PORT", freePort(), "128m", converterEnv);
            add(NOTIFICATION, replica, "NOTIFICATION_PORT", freePort(), "64m", env);
        }
    }

    private void add(String service, int replica, String portVariable, int port, String heap, Map<String, String> env) {
        Map<String, String> own = new HashMap<>(env);
        own.put(portVariable, String.valueOf(port));
        String instance = replica == 1 ? service : service + "-" + replica;
        services.put(instance, new ServiceProcess(service, instance, port, heap, own, dir));
    }

    static Pipeline start(String name, int converterWorkers) throws Exception {
        return start(name, converterWorkers, 1);
    }

    /** With {@code replicas} gateways, converters and notifiers (one auth-service). */
    static Pipeline start(String name, int converterWorkers, int replicas) throws Exception {
        return start(name, converterWorkers, replicas, Map.of());
    }

    /** @param extraEnv settings of every service that differ from the suites' usual ones */
    static Pipeline start(String name, int converterWorkers, int replicas, Map<String, String> extraEnv) throws Exception {
        Pipeline pipeline = new Pipeline(name, converterWorkers, replicas, extraEnv);
        try {
            for (ServiceProcess service : pipeline.services.values()) {
                service.start();
            }
            for (ServiceProcess service : pipeline.services.values()) {
                service.awaitReady(Duration.ofSeconds(240));
            }
            return pipeline;
        } catch (Exception | Error e) {
            pipeline.close();
            throw e;
        }
    }

    /** The first (or only) replica of a service, or a replica by its instance name ("converter-service-2"). */
    ServiceProcess service(String name) {
        return services.get(name);
    }

    /** Every replica of a service. */
    List<ServiceProcess> replicas(String service) {
        return services.values().stream().filter(p -> p.name.equals(service) || p.name.startsWith(service + "-")).toList();
    }

    List<ServiceProcess> all() {
        return List.copyOf(services.values());
    }

    Api api() {
        return api(services.get(GATEWAY));
    }

    Api api(ServiceProcess gateway) {
        return new Api(URI.create("http://127.0.0.1:" + gateway.port));
    }

    Api authApi() {
        return new Api(URI.create("http://127.0.0.1:" + services.get(AUTH).port));
    }

    MongoDatabase mongo() {
        return mongoClient.getDatabase(name);
    }

    String exchange() {
        return "e2e-" + name;
    }

    /** The converter's retry queues, one per delay tier (2 s doubling up to the maximum). */
    List<String> retryQueues() {
        return retryQueues(queues().get(0), RETRY_MAX_DELAY);
    }

    static List<String> retryQueues(String requestsQueue, Duration maxDelay) {
        List<String> tiers = new ArrayList<>();
        for (Duration tier = Duration.ofSeconds(2); tier.compareTo(maxDelay) < 0; tier = tier.multipliedBy(2)) {
            tiers.add(requestsQueue + ".retry." + tier.toMillis() + "ms");
        }
        tiers.add(requestsQueue + ".retry." + maxDelay.toMillis() + "ms");
        return tiers;
    }

    /** Converter requests, gateway job events, notifier job events, notifier verified addresses: this run's own. */
    List<String> queues() {
        return List.of(name + ".converter.requests", name + ".gateway.job-events", name + ".notification.job-finished",
                name + ".notification.email-verified");
    }

    /**
     * What waits in the dead-letter queues, one line per message: its queue, why it was dead-lettered
     * (x-first-death-reason: rejected, delivery_limit...) and its body. Read without acking, so it stays.
     */
    List<String> deadLetters() throws Exception {
        List<String> letters = new ArrayList<>();
        try (Connection connection = rabbit().newConnection(); Channel channel = connection.createChannel()) {
            for (String queue : queues()) {
                GetResponse letter;
                while ((letter = channel.basicGet(queue + ".dlq", false)) != null) {
                    Map<String, Object> headers = letter.getProps().getHeaders() == null ? Map.of() : letter.getProps().getHeaders();
                    letters.add(queue + ".dlq: " + headers.get("x-first-death-reason") + ", "
                            + new String(letter.getBody(), StandardCharsets.UTF_8));
                }
            }
        }
        return letters;
    }

    @Override
    public void close() throws Exception {
        List<ServiceProcess> lastStartedFirst = new ArrayList<>(services.values());
        Collections.reverse(lastStartedFirst);
        for (ServiceProcess service : lastStartedFirst) {
            service.stop();
        }
        mongoClient.close();
        mongoProxy.close();
        mongo.close();
        smtp.stop();
        traces.closeInto(dir.resolve("spans.txt"));
        webhooks.close();
        deleteQueues();
    }

    private String authDatabase() {
        return "auth_" + name.replaceAll("\\W", "_");
    }

    /** An empty database for auth-service, with the grants init.sql gives the service account on its own. */
    static void freshAuthDatabase(String database) throws Exception {
        try (var connection = mysqlRoot(); Statement sql = connection.createStatement()) {
            // The bootstrap script an operator runs (idempotent): the service account must come from it.
            String initSql = Files.readString(Path.of("..", "infra", "k8s", "base", "mysql", "init.sql")).replaceAll("(?m)^--.*$", "");
            for (String statement : initSql.split(";")) {
                if (!statement.isBlank()) {
                    sql.execute(statement);
                }
            }
            sql.execute("DROP DATABASE IF EXISTS " + database);
            sql.execute("CREATE DATABASE " + database);
            sql.execute("GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES ON "
                    + database + ".* TO 'auth'@'%'");
        }
    }

    static void dropDatabase(String database) throws Exception {
        try (var connection = mysqlRoot(); Statement sql = connection.createStatement()) {
            sql.execute("DROP DATABASE IF EXISTS " + database);
        }
    }

    private static java.sql.Connection mysqlRoot() throws java.sql.SQLException {
        return DriverManager.getConnection("jdbc:mysql://" + MYSQL_HOST + ":" + MYSQL_PORT + "/",
                System.getenv().getOrDefault("MYSQL_ROOT_USER", "root"), System.getenv().getOrDefault("MYSQL_ROOT_PASSWORD", ""));
    }

    private void deleteQueues() throws Exception {
        List<String> all = new ArrayList<>(retryQueues());
        queues().forEach(queue -> all.addAll(List.of(queue, queue + ".dlq")));
        deleteBrokerObjects(exchange(), all);
    }

    static void deleteBrokerObjects(String exchange, List<String> queues) throws Exception {
        try (Connection connection = rabbit().newConnection(); Channel channel = connection.createChannel()) {
            for (String queue : queues) {
                channel.queueDelete(queue);
            }
            channel.exchangeDelete(exchange);
        }
    }

    static String jdbcUrl(String database) {
        return "jdbc:mysql://" + MYSQL_HOST + ":" + MYSQL_PORT + "/" + database;
    }

    static ConnectionFactory rabbit() {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(RABBITMQ_HOST);
        factory.setPort(RABBITMQ_PORT);
        factory.setUsername(System.getenv().getOrDefault("RABBITMQ_USER", "guest"));
        factory.setPassword(System.getenv().getOrDefault("RABBITMQ_PASSWORD", "guest"));
        return factory;
    }

    static void deleteRecursively(Path path) throws IOException {
        if (Files.exists(path)) {
            try (Stream<Path> paths = Files.walk(path)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /**
     * A port free now, below the kernel's ephemeral range (32768-60999): a port from that range can be taken, before
     * the service that was given it listens, as the local port of some other process's outgoing connection.
     */
    /** Ports handed out: free until their service binds them, seconds later, so they must not go twice. */
    private static final Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static int freePort() throws IOException {
        int start = 20000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(12000);
        for (int port = start; port < start + 500; port++) {
            if (HANDED_OUT.contains(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket(port)) {
                HANDED_OUT.add(port);
                return socket.getLocalPort();
            } catch (IOException taken) {
                // next one
            }
        }
        throw new IOException("no free port from " + start);
    }

    static KeyPair ecKeyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static String pem(KeyPair key) {
        return "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }
}
