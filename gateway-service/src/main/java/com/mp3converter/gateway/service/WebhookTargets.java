package com.mp3converter.gateway.service;

import com.mp3converter.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Where webhooks may go. A callback URL is http or https with a host and no user info. Its host is a name or
 * an address in canonical form (dotted-quad IPv4 without leading zeros, bracketed IPv6 without a zone id):
 * the number spellings some clients read as IPv4 ("2130706433", "0x7f.1", "0177.0.0.1") are refused, so the
 * check and the client never disagree on what the host is. Every address the host resolves to must be public
 * ({@link #isPublic}), unless {@code host:port} is in WEBHOOK_ALLOWED_HOSTS (tests, private deployments).
 * Checked at upload and again before every delivery (a name may change what it points to).
 */
@ApplicationScoped
public class WebhookTargets {

    private static final int MAX_LENGTH = 2000;
    /** A last label that is all digits or 0x-hex: URL parsers (WHATWG, curl) take such a host for an IPv4 address. */
    private static final Pattern NUMERIC_LAST_LABEL = Pattern.compile("(?i)(?:^|.*\\.)(?:0x[0-9a-f]*|[0-9]+)\\.?");
    private static final Pattern CANONICAL_IPV4 = Pattern.compile("(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}"
            + "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");
    private static final Pattern IPV6_LITERAL = Pattern.compile("\\[[0-9a-f:.]{2,45}]", Pattern.CASE_INSENSITIVE);

    /**
     * IPv4 blocks that are not public: this network, private, CGNAT, loopback, link-local (cloud metadata), IETF
     * assignments, documentation, the 6to4 relay, benchmarking, multicast, reserved and broadcast (RFC 6890).
     */
    private static final List<Block> BLOCKED_V4 = Block.all("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
            "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
            "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4");

    /**
     * Blocks inside 2000::/3 that are not public: IETF protocol assignments (Teredo 2001::/32, ORCHID among them),
     * documentation, 6to4. NAT64 (64:ff9b::/96, 64:ff9b:1::/48), mapped and compatible IPv4, unique-local
     * (fc00::/7), link-local (fe80::/10), site-local (fec0::/10) and multicast (ff00::/8) lie outside 2000::/3.
     */
    private static final List<Block> BLOCKED_V6 = Block.all("2001::/23", "2001:db8::/32", "2002::/16", "3fff::/20");

    /** Resolves a host name to every address it has: DNS in the service, a stand-in in the fuzz test. */
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final Set<String> allowed;
    private final Resolver resolver;

    @Inject
    WebhookTargets(GatewayConfig config) {
        this(config.webhooks().allowedHosts().orElse(List.of()), InetAddress::getAllByName);
    }

    WebhookTargets(List<String> allowedHosts, Resolver resolver) {
        this.allowed = allowedHosts.stream()
                .map(host -> host.trim().toLowerCase(Locale.ROOT)).filter(host -> !host.isEmpty()).collect(Collectors.toSet());
        this.resolver = resolver;
    }

    /** The URL if it is one a webhook may have; 400 otherwise. Resolves nothing. */
    public static URI parse(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException | IllegalArgumentException e) {
            // java.net.URI throws NumberFormatException, not URISyntaxException, for an IPv4 part with a long number
            // in an IPv6 literal ("http://[::ffff:1.2.3.4444444444]/"); the fuzzer found it.
            throw new ApiException(400, "callbackUrl is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (url.length() > MAX_LENGTH || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
                || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            throw new ApiException(400, "callbackUrl must be an http or https URL with a host, no user info and at most "
                    + MAX_LENGTH + " characters");
        }
        String host = uri.getHost();
        boolean ipv6 = host.startsWith("[");
        if (ipv6 ? !IPV6_LITERAL.matcher(host).matches()
                : NUMERIC_LAST_LABEL.matcher(host).matches() && !CANONICAL_IPV4.matcher(host).matches()) {
            throw new ApiException(400, "callbackUrl's host must be a name, a dotted-quad IPv4 address without leading zeros,"
                    + " or a bracketed IPv6 address without a zone id");
        }
        return uri;
    }

    /**
     * 422 unless the URL's host is allowed or resolves to public addresses only.
     *
     * @return the addresses checked (empty for an allowed host): a client that connects to one of these, rather
     *         than resolving the name again, goes where the check looked
     */
    public List<InetAddress> check(String url) {
        URI uri = parse(url);
        int port = uri.getPort() != -1 ? uri.getPort() : uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
        String host = uri.getHost().toLowerCase(Locale.ROOT).replaceAll("^\\[|]$", "");
        if (allowed.contains(host + ":" + port)) {
            return List.of();
        }
        InetAddress[] addresses;
        try {
            // A literal is parsed, never looked up (parse() let through only the canonical forms).
            addresses = CANONICAL_IPV4.matcher(host).matches() || host.contains(":")
                    ? new InetAddress[] {InetAddress.getByName(host)} : resolver.resolve(host);
        } catch (UnknownHostException e) {
            throw new ApiException(422, "callbackUrl's host does not resolve: " + host);
        }
        if (addresses == null || addresses.length == 0) {
            throw new ApiException(422, "callbackUrl's host does not resolve: " + host);
        }
        for (InetAddress address : addresses) {
            if (!isPublic(address)) {
                throw new ApiException(422, "callbackUrl must point to a public address; " + host + " is "
                        + address.getHostAddress() + " (loopback, private, link-local or otherwise internal)");
            }
        }
        return List.of(addresses);
    }

    /**
     * Public means: IPv4 outside every special-purpose block of the IANA registry that is not globally
     * reachable, and IPv6 inside global unicast (2000::/3) but outside the blocks that lead elsewhere. Every
     * IPv6 form that carries or reaches an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) is refused
     * whatever the IPv4 address: a cluster that routes them may reach an internal one.
     */
    static boolean isPublic(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 4) {
            return !inAny(b, BLOCKED_V4);
        }
        boolean globalUnicast = (b[0] & 0xe0) == 0x20; // 2000::/3
        return b.length == 16 && globalUnicast && !inAny(b, BLOCKED_V6);
    }

    private static boolean inAny(byte[] address, List<Block> blocks) {
        return blocks.stream().anyMatch(block -> block.contains(address));
    }

    /** An address block: a prefix of so many bits. */
    private record Block(byte[] prefix, int bits) {

        static List<Block> all(String... cidrs) {
            return Stream.of(cidrs).map(Block::of).toList();
        }

        static Block of(String cidr) {
            String[] parts = cidr.split("/");
            try {
                return new Block(InetAddress.getByName(parts[0]).getAddress(), Integer.parseInt(parts[1]));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(cidr, e);
            }
        }

        boolean contains(byte[] address) {
            if (address.length != prefix.length) {
                return false;
            }
            for (int bit = 0; bit < bits; bit++) {
                int mask = 0x80 >>> (bit % 8);
                if ((address[bit / 8] & mask) != (prefix[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }
}
