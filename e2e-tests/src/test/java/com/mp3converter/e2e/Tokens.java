package com.mp3converter.e2e;

import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.keys.HmacKey;

import java.security.Key;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/** Tokens as auth-service signs them, and the usual ways of faking one. */
final class Tokens {

    private Tokens() {
    }

    static JwtClaims claims(String subject, String email) {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(Pipeline.ISSUER);
        claims.setAudience(Pipeline.AUDIENCE);
        claims.setSubject(subject);
        claims.setClaim("upn", email);
        claims.setStringListClaim("groups", List.of("user"));
        claims.setIssuedAtToNow();
        claims.setExpirationTimeMinutesInTheFuture(60);
        claims.setJwtId(UUID.randomUUID().toString());
        return claims;
    }

    static String es256(Key privateKey, String kid, JwtClaims claims) throws Exception {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256);
        jws.setKeyIdHeaderValue(kid);
        jws.setKey(privateKey);
        return jws.getCompactSerialization();
    }

    /** "alg": "none", no signature at all. */
    static String unsigned(String kid, JwtClaims claims) throws Exception {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setAlgorithmConstraints(AlgorithmConstraints.NO_CONSTRAINTS);
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.NONE);
        jws.setKeyIdHeaderValue(kid);
        return jws.getCompactSerialization();
    }

    /** Algorithm confusion: HS256 keyed with the server's public key, which anyone can download. */
    static String hmacWithPublicKey(byte[] publicKey, String kid, JwtClaims claims) throws Exception {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.HMAC_SHA256);
        jws.setKeyIdHeaderValue(kid);
        jws.setKey(new HmacKey(publicKey));
        jws.setDoKeyValidation(false);
        return jws.getCompactSerialization();
    }

    static JwtClaims with(JwtClaims claims, Consumer<JwtClaims> change) {
        change.accept(claims);
        return claims;
    }

    static NumericDate minutesAgo(int minutes) {
        NumericDate date = NumericDate.now();
        date.addSeconds(-60L * minutes);
        return date;
    }
}
