package com.mp3converter.auth.rest;

import io.netty.util.NetUtil;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The address a request is counted against (service.Throttles). It is the connection's peer, or, for a
 * connection from one of {@code quarkus.http.proxy.trusted-proxies} (the gateway), the address that proxy
 * forwarded in X-Forwarded-For; the gateway overwrites whatever its client sent there. IPv6 addresses count by
 * their /64 prefix: one subscriber gets a whole /64, and counting each of its addresses alone would give an
 * attacker 2^64 fresh starts.
 */
final class ClientAddress {

    /**
     * A forwarded value that is not an IP literal is kept, shortened, as its own key (never resolved), marked so it
     * can never equal an address's key (the fuzzer sent "80:fe13.71::/64", shaped like an IPv6 block's key).
     */
    private static final String OTHER = "other:";
    private static final int MAX_OTHER_LENGTH = 64 - OTHER.length();

    private ClientAddress() {
    }

    static String of(HttpServerRequest request) {
        SocketAddress peer = request.remoteAddress();
        return normalize(peer == null || peer.hostAddress() == null ? "unknown" : peer.hostAddress());
    }

    static String normalize(String address) {
        String literal = address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1) : address;
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(literal);
        if (bytes == null) {
            if (literal.startsWith(OTHER)) {
                return literal.length() > 64 ? literal.substring(0, 64) : literal; // a key already
            }
            return OTHER + (literal.length() > MAX_OTHER_LENGTH ? literal.substring(0, MAX_OTHER_LENGTH) : literal);
        }
        if (bytes.length == 4) {
            return NetUtil.bytesToIpAddress(bytes);
        }
        if (isIpv4Mapped(bytes)) {
            return NetUtil.bytesToIpAddress(Arrays.copyOfRange(bytes, 12, 16));
        }
        return HexFormat.of().formatHex(bytes, 0, 8) + "::/64";
    }

    private static boolean isIpv4Mapped(byte[] v6) {
        for (int i = 0; i < 10; i++) {
            if (v6[i] != 0) {
                return false;
            }
        }
        return v6[10] == (byte) 0xff && v6[11] == (byte) 0xff;
    }
}
