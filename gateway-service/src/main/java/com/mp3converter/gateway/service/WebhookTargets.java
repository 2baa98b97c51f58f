package com.mp3converter.gateway.service;

import com.mp3converter.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where webhooks may go. A callback URL is http or https with a host and no user info; every address its host
 * resolves to must be public: not loopback, private, link-local (the cloud metadata address among them),
 * carrier-grade NAT, multicast or unspecified, in IPv4 or IPv6, unless {@code host:port} is in
 * WEBHOOK_ALLOWED_HOSTS (tests, private deployments). Checked at upload and again before every delivery
 * (a name may change what it points to); the JVM caches lookups, so the connection goes where the check looked.
 */
@ApplicationScoped
public class WebhookTargets {

    private static final int MAX_LENGTH = 2000;

    private final Set<String> allowed;

    WebhookTargets(GatewayConfig config) {
        this.allowed = config.webhooks().allowedHosts().orElse(List.of()).stream()
                .map(host -> host.trim().toLowerCase(Locale.ROOT)).filter(host -> !host.isEmpty()).collect(Collectors.toSet());
    }

    /** The URL if it is one a webhook may have; 400 otherwise. Resolves nothing. */
    public static URI parse(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new ApiException(400, "callbackUrl is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (url.length() > MAX_LENGTH || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
                || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            throw new ApiException(400, "callbackUrl must be an http or https URL with a host, no user info and at most "
                    + MAX_LENGTH + " characters");
        }
        return uri;
    }

    /** 422 unless the URL's host is allowed or resolves to public addresses only. */
    public void check(String url) {
        URI uri = parse(url);
        int port = uri.getPort() != -1 ? uri.getPort() : uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
        String host = uri.getHost().toLowerCase(Locale.ROOT).replaceAll("^\\[|]$", "");
        if (allowed.contains(host + ":" + port)) {
            return;
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new ApiException(422, "callbackUrl's host does not resolve: " + host);
        }
        for (InetAddress address : addresses) {
            if (!isPublic(address)) {
                throw new ApiException(422, "callbackUrl must point to a public address; " + host + " is "
                        + address.getHostAddress() + " (loopback, private, link-local or otherwise internal)");
            }
        }
    }

    static boolean isPublic(InetAddress address) {
        if (address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress()
                || address.isAnyLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first != 0 && !(first == 100 && second >= 64 && second < 128) // carrier-grade NAT
                    && !(first == 192 && second == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
                    && !(first == 198 && (second == 18 || second == 19)) // benchmarking
                    && first < 240; // reserved, broadcast
        }
        if (address instanceof Inet6Address) {
            boolean uniqueLocal = (b[0] & 0xfe) == 0xfc; // fc00::/7
            boolean mappedOrCompatible = isZero(b, 0, 10) && ((b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff || isZero(b, 10, 12));
            if (mappedOrCompatible) {
                try {
                    return isPublic(InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 12, 16)));
                } catch (UnknownHostException e) {
                    return false;
                }
            }
            return !uniqueLocal;
        }
        return false;
    }

    private static boolean isZero(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
