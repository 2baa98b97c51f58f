package com.mp3converter.auth.service;

import com.mp3converter.auth.config.AuthConfig;
import com.mp3converter.auth.repository.User;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import jakarta.enterprise.context.ApplicationScoped;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;

import java.time.Instant;
import java.util.Set;
import java.util.UUID;

@ApplicationScoped
/** Issues our ES256 tokens and checks the ones presented back to this service (admin actions). */
public class TokenService {

    public static final String USER_GROUP = "user";
    public static final String ADMIN_GROUP = "admin";

    private final AuthConfig config;
    private final SigningKeys keys;

    TokenService(AuthConfig config, SigningKeys keys) {
        this.config = config;
        this.keys = keys;
    }

    public String issue(User user) {
        Instant now = Instant.now();
        return Jwt.issuer(config.jwt().issuer())
                .audience(config.jwt().audience())
                .subject(user.id())
                .upn(user.email())
                .groups(user.admin() ? Set.of(USER_GROUP, ADMIN_GROUP) : Set.of(USER_GROUP))
                .issuedAt(now)
                .expiresAt(now.plus(config.jwt().lifetime()))
                .claim("jti", UUID.randomUUID().toString())
                .jws()
                .keyId(keys.keyId())
                .algorithm(SignatureAlgorithm.ES256)
                .sign(keys.signingKey());
    }

    /** True if the bearer token is one of ours, unexpired, and carries the admin group. */
    public boolean isAdminToken(String token) {
        JwtConsumer consumer = new JwtConsumerBuilder()
                .setVerificationKey(keys.signingPublicKey())
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256)
                .setExpectedIssuer(config.jwt().issuer())
                .setExpectedAudience(config.jwt().audience())
                .setRequireExpirationTime()
                .build();
        try {
            return consumer.processToClaims(token).getStringListClaimValue("groups").contains(ADMIN_GROUP);
        } catch (InvalidJwtException | MalformedClaimException e) {
            return false;
        }
    }
}
