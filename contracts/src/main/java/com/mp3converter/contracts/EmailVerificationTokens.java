package com.mp3converter.contracts;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The one-time link of the verification email, {@code /verify-email?token=<token>}: the token names an email address and
 * an expiry, signed with HMAC-SHA256. The notifier signs, the gateway checks. Both hold the download-link key
 * ({@code DOWNLOAD_LINK_KEY}), from which this class derives a key of its own, so a download-link token is never a
 * verification token nor the reverse; the previous keys of a rotation still verify.
 *
 * <p>Token: base64url(address, UTF-8) "." expiry in epoch seconds "." base64url(HMAC). At most {@link #MAX_TOKEN_CHARS}
 * characters; anything longer or of another shape is refused before any work.
 */
public final class EmailVerificationTokens {

    public static final String PATH = "/verify-email";
    /** An address is at most 254 bytes (RFC 5321), 339 in base64url, plus expiry and MAC. */
    public static final int MAX_TOKEN_CHARS = 400;
    private static final int MAX_EMAIL_BYTES = 254;
    private static final int MIN_KEY_BYTES = 32;
    private static final String PURPOSE = "mp3converter email verification v1";
    private static final Pattern TOKEN = Pattern.compile("([A-Za-z0-9_-]{1,339})\\.([0-9]{1,12})\\.([A-Za-z0-9_-]{43})");
    private static final Pattern EMAIL = Pattern.compile("[^\\s@\\p{Cc}\\p{Cf}]{1,64}@[^\\s@\\p{Cc}\\p{Cf}]{1,253}");

    /** What a valid token says: this address, until then. */
    public record Verification(String email, Instant expiresAt) {
    }

    private final byte[] signingKey;
    private final List<byte[]> verifyingKeys = new ArrayList<>();

    /** @param key the download-link key; @param previousKeys download-link keys that still verify (may be empty) */
    public EmailVerificationTokens(String key, List<String> previousKeys) {
        this.signingKey = derived(key);
        verifyingKeys.add(signingKey);
        previousKeys.stream().filter(k -> !k.isBlank()).map(EmailVerificationTokens::derived).forEach(verifyingKeys::add);
    }

    /** @throws IllegalArgumentException if {@code email} is not one address of at most 254 bytes */
    public String sign(Verification verification) {
        if (!isAddress(verification.email())) {
            throw new IllegalArgumentException("not an email address");
        }
        String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(verification.email().getBytes(StandardCharsets.UTF_8))
                + "." + verification.expiresAt().getEpochSecond();
        return payload + "." + mac(signingKey, payload);
    }

    /** The address a token names, if the token is intact, signed with a current or previous key, and not expired. */
    public Optional<Verification> verify(String token, Instant now) {
        if (token == null || token.length() > MAX_TOKEN_CHARS) {
            return Optional.empty();
        }
        var parts = TOKEN.matcher(token);
        if (!parts.matches()) {
            return Optional.empty();
        }
        String payload = parts.group(1) + "." + parts.group(2);
        byte[] presented = parts.group(3).getBytes(StandardCharsets.US_ASCII);
        boolean signed = verifyingKeys.stream()
                .anyMatch(key -> MessageDigest.isEqual(mac(key, payload).getBytes(StandardCharsets.US_ASCII), presented));
        Instant expiresAt = Instant.ofEpochSecond(Long.parseLong(parts.group(2)));
        if (!signed || !now.isBefore(expiresAt)) {
            return Optional.empty();
        }
        // Signed by us, so well formed; checked anyway, as every input is.
        String email;
        try {
            email = new String(Base64.getUrlDecoder().decode(parts.group(1)), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return isAddress(email) ? Optional.of(new Verification(email, expiresAt)) : Optional.empty();
    }

    private static boolean isAddress(String email) {
        return email != null && email.getBytes(StandardCharsets.UTF_8).length <= MAX_EMAIL_BYTES && EMAIL.matcher(email).matches();
    }

    private static String mac(byte[] key, String payload) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Hmac.sha256(key, payload));
    }

    private static byte[] derived(String key) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("the download link key needs at least " + MIN_KEY_BYTES
                    + " bytes (openssl rand -base64 32)");
        }
        return Hmac.sha256(bytes, PURPOSE);
    }
}
