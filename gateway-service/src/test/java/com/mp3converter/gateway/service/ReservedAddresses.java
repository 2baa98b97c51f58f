package com.mp3converter.gateway.service;

import java.math.BigInteger;
import java.util.List;

/**
 * The address blocks a webhook must never reach, written out independently of WebhookTargets (its own table, no
 * InetAddress parsing): the IANA special-purpose registries for IPv4 and IPv6, and every IPv6 prefix that carries
 * or reaches an IPv4 address. The fuzz tests check every accepted address against it.
 */
final class ReservedAddresses {

    /** "a.b.c.d/bits" */
    private static final List<String> V4 = List.of("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
            "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
            "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32");

    /** Leading hex digits of the address (32 in all), then the prefix length. */
    private static final List<String> V6 = List.of(
            "00000000000000000000000000000000/128", // unspecified
            "00000000000000000000000000000001/128", // loopback
            "000000000000000000000000/96", // IPv4-compatible
            "00000000000000000000ffff/96", // IPv4-mapped
            "0064ff9b0000000000000000/96", // NAT64
            "0064ff9b0001/48", // local-use NAT64
            "0100000000000000/64", // discard-only
            "200100/23", // IETF protocol assignments
            "20010000/32", // Teredo
            "20010db8/32", // documentation
            "2002/16", // 6to4
            "3fff0/20", // documentation
            "fc/7", // unique-local
            "fe8/10", // link-local
            "fec/10", // site-local
            "ff/8"); // multicast

    private ReservedAddresses() {
    }

    static boolean isReserved(byte[] address) {
        if (address.length == 4) {
            long value = new BigInteger(1, address).longValue();
            for (String block : V4) {
                String[] parts = block.split("/");
                String[] octets = parts[0].split("\\.");
                long prefix = 0;
                for (String octet : octets) {
                    prefix = prefix << 8 | Long.parseLong(octet);
                }
                int shift = 32 - Integer.parseInt(parts[1]);
                if (value >>> shift == prefix >>> shift) {
                    return true;
                }
            }
            return false;
        }
        BigInteger value = new BigInteger(1, address);
        for (String block : V6) {
            String[] parts = block.split("/");
            BigInteger prefix = new BigInteger(String.format("%-32s", parts[0]).replace(' ', '0'), 16);
            int shift = 128 - Integer.parseInt(parts[1]);
            if (value.shiftRight(shift).equals(prefix.shiftRight(shift))) {
                return true;
            }
        }
        return false;
    }
}
