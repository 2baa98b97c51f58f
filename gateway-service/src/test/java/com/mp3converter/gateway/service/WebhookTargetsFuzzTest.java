package com.mp3converter.gateway.service;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The webhook address check's contract: every address it accepts is public by an independent table of the
 * reserved ranges (ReservedAddresses), whatever the URL and whatever its name resolves to; a refusal is 400 (not a
 * callback URL) or 422 (internal or unresolvable), nothing else. Names resolve to fuzzed answers, never through DNS.
 */
class WebhookTargetsFuzzTest {

    /**
     * The input: a byte whose low two bits say how many addresses a name resolves to; each address as a byte whose low
     * bit says IPv4 (0) or IPv6 (1) and then its 4 or 16 bytes; the rest is the URL, as UTF-8.
     */
    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void acceptsOnlyPublicAddresses(byte[] input) throws Exception {
        ByteBuffer in = ByteBuffer.wrap(input);
        InetAddress[] resolved = new InetAddress[in.hasRemaining() ? in.get() & 3 : 0];
        for (int i = 0; i < resolved.length; i++) {
            byte[] address = new byte[in.hasRemaining() && (in.get() & 1) == 1 ? 16 : 4];
            in.get(address, 0, Math.min(address.length, in.remaining()));
            resolved[i] = InetAddress.getByAddress(address);
        }
        String url = StandardCharsets.UTF_8.decode(in).toString();
        WebhookTargets targets = new WebhookTargets(List.of(), host -> {
            if (resolved.length == 0) {
                throw new UnknownHostException(host);
            }
            return resolved.clone();
        });
        List<InetAddress> checked;
        try {
            checked = targets.check(url);
        } catch (ApiException refused) {
            assertThat(refused.status()).isIn(400, 422);
            return;
        }
        assertThat(checked).as("an accepted URL names the addresses it was checked against").isNotEmpty();
        for (InetAddress address : checked) {
            assertThat(ReservedAddresses.isReserved(address.getAddress())).as("%s accepted %s", url, address).isFalse();
        }
        String host = URI.create(url).getHost().toLowerCase(Locale.ROOT);
        assertThat(host).as("no zone id").doesNotContain("%");
        String lastLabel = host.substring(host.lastIndexOf('.', host.length() - 2) + 1);
        if (!host.startsWith("[") && lastLabel.matches("(0x[0-9a-f]*|[0-9]+)\\.?")) {
            assertThat(host).as("a numeric host is a canonical dotted quad").matches("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
        }
    }

    /** The input: a byte whose low bit says IPv4 (0) or IPv6 (1), then the address. */
    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void judgesEveryAddressAsTheIndependentTableDoes(byte[] input) throws Exception {
        int size = input.length > 0 && (input[0] & 1) == 1 ? 16 : 4;
        byte[] bytes = Arrays.copyOf(input.length == 0 ? input : Arrays.copyOfRange(input, 1, input.length), size);
        InetAddress address = InetAddress.getByAddress(bytes);
        if (WebhookTargets.isPublic(address)) {
            assertThat(ReservedAddresses.isReserved(address.getAddress())).as("%s is reserved", address).isFalse();
        }
    }
}
