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
 * One-click download links, {@code /links/<token>}: the token names one job's MP3 and an expiry, signed with
 * HMAC-SHA256. The notifier signs the ones it mails, the gateway signs fresh ones and checks them all, both
 * with the same key ({@code DOWNLOAD_LINK_KEY}, a Secret). Rotation: the new key signs, and the previous ones
 * ({@code DOWNLOAD_LINK_PREVIOUS_KEYS}) still verify until their links have expired. A link also dies with its
 * job: the gateway serves it only while the job exists with that MP3.
 */
public final class DownloadLinks {

    public static final String PATH = "/links/";
    private static final int MIN_KEY_BYTES = 32;
    /** job id (a UUID) . MP3 id (an ObjectId) . expiry in epoch seconds */
    private static final Pattern TOKEN_PAYLOAD = Pattern.compile("[0-9A-Za-z-]{1,64}\\.[0-9a-f]{24}\\.[0-9]{1,12}");

    /** What a valid token says: this job's MP3, until then. */
    public record Link(String jobId, String mp3Id, Instant expiresAt) {
    }

    private final byte[] signingKey;
    private final List<byte[]> verifyingKeys = new ArrayList<>();

    /** @param key the signing key; @param previousKeys keys that still verify (may be empty) */
    public DownloadLinks(String key, List<String> previousKeys) {
        this.signingKey = checked(key);
        verifyingKeys.add(signingKey);
        previousKeys.stream().filter(k -> !k.isBlank()).map(DownloadLinks::checked).forEach(verifyingKeys::add);
    }

    public String sign(Link link) {
        String payload = link.jobId() + "." + link.mp3Id() + "." + link.expiresAt().getEpochSecond();
        if (!TOKEN_PAYLOAD.matcher(payload).matches()) {
            throw new IllegalArgumentException("not a job id and MP3 id: " + link);
        }
        return payload + "." + mac(signingKey, payload);
    }

    /** The link a token names, if the token is intact, signed with a current or previous key, and not expired. */
    public Optional<Link> verify(String token, Instant now) {
        int lastDot = token == null ? -1 : token.lastIndexOf('.');
        if (lastDot < 0 || !TOKEN_PAYLOAD.matcher(token.substring(0, lastDot)).matches()) {
            return Optional.empty();
        }
        String payload = token.substring(0, lastDot);
        byte[] presented = token.substring(lastDot + 1).getBytes(StandardCharsets.US_ASCII);
        boolean signed = verifyingKeys.stream()
                .anyMatch(key -> MessageDigest.isEqual(mac(key, payload).getBytes(StandardCharsets.US_ASCII), presented));
        String[] parts = payload.split("\\.");
        Instant expiresAt = Instant.ofEpochSecond(Long.parseLong(parts[2]));
        return signed && now.isBefore(expiresAt) ? Optional.of(new Link(parts[0], parts[1], expiresAt)) : Optional.empty();
    }

    private static String mac(byte[] key, String payload) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Hmac.sha256(key, payload));
    }

    private static byte[] checked(String key) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("a download link key needs at least " + MIN_KEY_BYTES
                    + " bytes (openssl rand -base64 32)");
        }
        return bytes;
    }
}
