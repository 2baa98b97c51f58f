package com.mp3converter.auth;

import com.mp3converter.auth.service.PasswordHasher;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import jakarta.inject.Inject;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.junit.jupiter.api.Test;

import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

@QuarkusTest
@QuarkusTestResource(value = MariaDbResource.class, restrictToAnnotatedClass = true)
class AuthServiceTest {

    static final String PASSWORD = "correct horse battery";

    @Inject
    PasswordHasher hasher;

    static String newEmail() {
        return "user-" + UUID.randomUUID() + "@example.com";
    }

    /** Each user registers from an address of its own, as people do: the suite stays under the per-address limit. */
    static String register(String email, String password) {
        return given().contentType(ContentType.JSON).header("X-Forwarded-For", SignInThrottleTest.newAddress())
                .body(Map.of("email", email, "password", password))
                .post("/users").then().statusCode(201)
                .body("email", equalTo(email)).body("$", not(org.hamcrest.Matchers.hasKey("passwordHash")))
                .extract().path("id");
    }

    static String login(String email, String password) {
        return given().auth().preemptive().basic(email, password).post("/login")
                .then().statusCode(200).contentType(containsString("text/plain")).extract().asString();
    }

    JwtClaims verifyWithJwks(String token) throws Exception {
        String jwks = given().get("/.well-known/jwks.json").then().statusCode(200).extract().asString();
        var resolver = new JwksVerificationKeyResolver(new JsonWebKeySet(jwks).getJsonWebKeys());
        return new JwtConsumerBuilder()
                .setVerificationKeyResolver(resolver)
                .setExpectedIssuer("https://mp3converter/auth")
                .setExpectedAudience("mp3converter")
                .setRequireExpirationTime()
                .setRequireIssuedAt()
                .setRequireJwtId()
                .build()
                .processToClaims(token);
    }

    @Test
    void registeredUserLogsInAndGetsAnEs256TokenThatVerifiesAgainstTheJwks() throws Exception {
        String email = newEmail();
        String id = register(email, PASSWORD);
        String token = login(email, PASSWORD);

        JsonWebSignature header = (JsonWebSignature) JsonWebSignature.fromCompactSerialization(token);
        assertThat(header.getAlgorithmHeaderValue()).isEqualTo("ES256");
        assertThat(header.getKeyIdHeaderValue()).isNotBlank();

        JwtClaims claims = verifyWithJwks(token);
        assertThat(claims.getSubject()).isEqualTo(id);
        assertThat(claims.getStringClaimValue("upn")).isEqualTo(email);
        assertThat(claims.getStringListClaimValue("groups")).containsExactly("user");
        long lifetime = claims.getExpirationTime().getValue() - claims.getIssuedAt().getValue();
        assertThat(lifetime).isEqualTo(Duration.ofHours(1).toSeconds());
        assertThat(claims.getJwtId()).isNotBlank();
    }

    @Test
    void seededAdminGetsTheAdminGroup() throws Exception {
        String token = login("admin@test.local", "admin-password-1");
        assertThat(verifyWithJwks(token).getStringListClaimValue("groups")).containsExactlyInAnyOrder("user", "admin");
    }

    @Test
    void tokenSignedByAnotherKeyIsRejectedByTheJwks() throws Exception {
        String kid = ((JsonWebSignature) JsonWebSignature.fromCompactSerialization(login(register(newEmail()), PASSWORD)))
                .getKeyIdHeaderValue();
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        String forged = Jwt.issuer("https://mp3converter/auth").audience("mp3converter").subject("x")
                .groups("admin").expiresIn(3600).jws().keyId(kid).algorithm(SignatureAlgorithm.ES256)
                .sign(generator.generateKeyPair().getPrivate());

        assertThatThrownBy(() -> verifyWithJwks(forged)).isInstanceOf(InvalidJwtException.class);
    }

    @Test
    void wrongPasswordAndUnknownEmailGetTheSameGeneric401() {
        String email = newEmail();
        register(email, PASSWORD);
        String wrongPassword = given().auth().preemptive().basic(email, "not the password").post("/login")
                .then().statusCode(401).extract().asString();
        String unknownEmail = given().auth().preemptive().basic(newEmail(), PASSWORD).post("/login")
                .then().statusCode(401).extract().asString();
        assertThat(wrongPassword).isEqualTo(unknownEmail).contains("invalid email or password");
    }

    @Test
    void missingOrMalformedCredentialsGet401() {
        given().post("/login").then().statusCode(401).header("WWW-Authenticate", containsString("Basic"));
        given().header("Authorization", "Basic !!!").post("/login").then().statusCode(401);
        given().header("Authorization", "Bearer abc").post("/login").then().statusCode(401);
    }

    @Test
    void registrationRejectsDuplicatesBadEmailsAndBadPasswordLengths() {
        String email = newEmail();
        register(email, PASSWORD);
        given().contentType(ContentType.JSON).body(Map.of("email", email.toUpperCase(), "password", PASSWORD))
                .post("/users").then().statusCode(409);
        given().contentType(ContentType.JSON).body(Map.of("email", "not-an-email", "password", PASSWORD))
                .post("/users").then().statusCode(400).body("error", containsString("email"));
        given().contentType(ContentType.JSON).body(Map.of("email", newEmail(), "password", "short"))
                .post("/users").then().statusCode(400).body("error", containsString("password"));
        given().contentType(ContentType.JSON).body(Map.of("email", newEmail(), "password", "x".repeat(129)))
                .post("/users").then().statusCode(400).body("error", containsString("password"));
        given().contentType(ContentType.JSON).body(Map.of("email", newEmail(), "password", "x".repeat(128)))
                .post("/users").then().statusCode(201);
        given().contentType(ContentType.JSON).body("{not json").post("/users").then().statusCode(400);
    }

    @Test
    void onlyAnAdminTokenMayCreateAnAdmin() {
        Map<String, Object> wannabe = Map.of("email", newEmail(), "password", PASSWORD, "admin", true);
        given().contentType(ContentType.JSON).body(wannabe).post("/users").then().statusCode(403);
        String userToken = login(register(newEmail()), PASSWORD);
        given().contentType(ContentType.JSON).auth().oauth2(userToken).body(wannabe).post("/users").then().statusCode(403);
        String adminToken = login("admin@test.local", "admin-password-1");
        given().contentType(ContentType.JSON).auth().oauth2(adminToken).body(wannabe).post("/users")
                .then().statusCode(201).body("admin", equalTo(true));
    }

    @Test
    void storesAnArgon2idHashNeverThePassword() throws Exception {
        String email = newEmail();
        register(email, PASSWORD);
        try (Connection c = MariaDbResource.rootConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT password_hash FROM " + MariaDbResource.DATABASE
                     + ".users WHERE email = '" + email + "'")) {
            assertThat(rs.next()).isTrue();
            String stored = rs.getString(1);
            assertThat(stored).doesNotContain(PASSWORD).startsWith("$argon2id$v=19$m=9216,t=4,p=1$");
            assertThat(hasher.verify(PASSWORD, stored)).isTrue();
            assertThat(hasher.verify(PASSWORD + "!", stored)).isFalse();
        }
    }

    @Test
    void aHashWithEarlierParametersStillSignsInAndIsReplacedThen() throws Exception {
        String email = newEmail();
        register(email, PASSWORD);
        String legacy = legacyHash(PASSWORD);
        storedHash(email, legacy);

        given().auth().preemptive().basic(email, PASSWORD + "!").post("/login").then().statusCode(401);
        assertThat(storedHash(email)).as("a failed sign-in leaves the hash alone").isEqualTo(legacy);

        login(email, PASSWORD);
        assertThat(storedHash(email)).startsWith("$argon2id$v=19$m=9216,t=4,p=1$");
        login(email, PASSWORD);
    }

    /** Argon2id at OWASP's 19 MiB and 2 iterations, as the service hashed before, made here by Bouncy Castle. */
    private static String legacyHash(String password) {
        byte[] salt = UUID.randomUUID().toString().substring(0, 16).getBytes(StandardCharsets.US_ASCII);
        var generator = new Argon2BytesGenerator();
        generator.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13).withMemoryAsKB(19456).withIterations(2).withParallelism(1).withSalt(salt).build());
        byte[] hash = new byte[32];
        generator.generateBytes(password.getBytes(StandardCharsets.UTF_8), hash);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return "$argon2id$v=19$m=19456,t=2,p=1$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    private static String storedHash(String email) throws Exception {
        try (Connection c = MariaDbResource.rootConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT password_hash FROM " + MariaDbResource.DATABASE + ".users WHERE email = ?")) {
            ps.setString(1, email);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }

    private static void storedHash(String email, String hash) throws Exception {
        try (Connection c = MariaDbResource.rootConnection();
             PreparedStatement ps = c.prepareStatement(
                     "UPDATE " + MariaDbResource.DATABASE + ".users SET password_hash = ? WHERE email = ?")) {
            ps.setString(1, hash);
            ps.setString(2, email);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    @Test
    void repeatedFailuresLockTheAccountBrieflyThenTheRightPasswordWorks() {
        String email = newEmail();
        register(email, PASSWORD);
        for (int i = 0; i < 5; i++) {
            given().auth().preemptive().basic(email, "wrong-" + i).post("/login").then().statusCode(401);
        }
        // Locked now: even the right password is turned away, with a hint when to retry.
        given().auth().preemptive().basic(email, PASSWORD).post("/login")
                .then().statusCode(429).header("Retry-After", not(org.hamcrest.Matchers.emptyOrNullString()));
        // The lock (1 s in tests) expires by itself.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                given().auth().preemptive().basic(email, PASSWORD).post("/login").then().statusCode(200));
    }

    @Test
    void databaseOutageAnswers503AndRecoversByItself() throws Exception {
        String email = newEmail();
        register(email, PASSWORD);
        MariaDbResource.proxy.stop();
        try {
            given().auth().preemptive().basic(email, PASSWORD).post("/login")
                    .then().statusCode(503).body("error", containsString("unavailable"))
                    .body(not(containsString("Exception")));
            given().get("/q/health/ready").then().statusCode(503);
        } finally {
            MariaDbResource.proxy.start();
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            given().get("/q/health/ready").then().statusCode(200);
            given().auth().preemptive().basic(email, PASSWORD).post("/login").then().statusCode(200);
        });
    }

    static String register(String email) {
        register(email, PASSWORD);
        return email;
    }
}
