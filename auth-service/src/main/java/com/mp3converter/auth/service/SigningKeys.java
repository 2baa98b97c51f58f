package com.mp3converter.auth.service;

import com.mp3converter.auth.config.AuthConfig;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import org.bouncycastle.jce.ECNamedCurveTable;
import org.jose4j.jwk.EllipticCurveJsonWebKey;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.lang.JoseException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The ES256 signing key and the public keys published as JWKS. The key id is the RFC 7638
 * thumbprint of the public key, so it needs no configuration and changes exactly when the key does.
 */
@ApplicationScoped
public class SigningKeys {

    private final PrivateKey signingKey;
    private final PublicKey signingPublicKey;
    private final String keyId;
    private final String jwksJson;

    SigningKeys(AuthConfig config) {
        KeyPair pair = config.jwt().signingKey()
                .map(SigningKeys::keyPairFromPem)
                .orElseGet(() -> loadOrGenerate(config.jwt().generatedKeyFile().orElseThrow(() ->
                        new IllegalStateException("auth.jwt.signing-key is not set (PKCS#8 PEM of an EC P-256 key)"))));
        try {
            List<JsonWebKey> keys = new ArrayList<>();
            EllipticCurveJsonWebKey current = publicJwk(pair.getPublic());
            keys.add(current);
            for (String pem : config.jwt().additionalPublicKeys().orElse(List.of())) {
                keys.add(publicJwk(KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(pemBody(pem)))));
            }
            this.signingKey = pair.getPrivate();
            this.signingPublicKey = pair.getPublic();
            this.keyId = current.getKeyId();
            this.jwksJson = new JsonWebKeySet(keys).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
        } catch (GeneralSecurityException | JoseException e) {
            throw new IllegalStateException("invalid JWT key configuration", e);
        }
    }

    public PrivateKey signingKey() {
        return signingKey;
    }

    public PublicKey signingPublicKey() {
        return signingPublicKey;
    }

    public String keyId() {
        return keyId;
    }

    public String jwksJson() {
        return jwksJson;
    }

    private static EllipticCurveJsonWebKey publicJwk(PublicKey key) throws JoseException {
        EllipticCurveJsonWebKey jwk = new EllipticCurveJsonWebKey((ECPublicKey) key);
        jwk.setKeyId(jwk.calculateBase64urlEncodedThumbprint("SHA-256"));
        jwk.setUse("sig");
        jwk.setAlgorithm("ES256");
        return jwk;
    }

    private static KeyPair loadOrGenerate(Path file) {
        try {
            if (Files.exists(file)) {
                return keyPairFromPem(Files.readString(file));
            }
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "key", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pair.getPrivate().getEncoded())
                    + "\n-----END PRIVATE KEY-----\n");
            Files.move(tmp, file);
            Log.infof("Generated a development signing key in %s", file);
            return pair;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a PKCS#8 EC private key and derives its public key. */
    static KeyPair keyPairFromPem(String pem) {
        try {
            KeyFactory factory = KeyFactory.getInstance("EC");
            ECPrivateKey privateKey = (ECPrivateKey) factory.generatePrivate(new PKCS8EncodedKeySpec(pemBody(pem)));
            var q = ECNamedCurveTable.getParameterSpec("secp256r1").getG().multiply(privateKey.getS()).normalize();
            var w = new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
            PublicKey publicKey = factory.generatePublic(new ECPublicKeySpec(w, privateKey.getParams()));
            return new KeyPair(publicKey, privateKey);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("auth.jwt.signing-key is not a PKCS#8 EC private key", e);
        }
    }

    private static byte[] pemBody(String pem) {
        String base64 = pem.replaceAll("-----(BEGIN|END) [A-Z ]+-----", "").replaceAll("\\s", "");
        return Base64.getDecoder().decode(base64);
    }
}
