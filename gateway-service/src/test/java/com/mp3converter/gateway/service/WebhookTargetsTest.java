package com.mp3converter.gateway.service;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebhookTargetsTest {

    /** Names resolve to what this says; no DNS is asked. */
    private static WebhookTargets resolvingTo(String... addresses) {
        return new WebhookTargets(List.of("127.0.0.1:9999"), host -> {
            InetAddress[] answers = new InetAddress[addresses.length];
            for (int i = 0; i < addresses.length; i++) {
                answers[i] = InetAddress.getByName(addresses[i]);
            }
            if (answers.length == 0) {
                throw new UnknownHostException(host);
            }
            return answers;
        });
    }

    @Test
    void refusesEveryRangeThatCanReachAnInternalAddressWith422() {
        WebhookTargets targets = resolvingTo();
        for (String host : List.of("[64:ff9b::7f00:1]", "[64:ff9b::a9fe:a9fe]", "[64:ff9b:1::a00:1]", "[2002:7f00:1::1]",
                "[2002:c0a8:101::]", "[2001:0:4136:e378:8000:63bf:3fff:fdd2]", "[::ffff:127.0.0.1]", "[::ffff:169.254.169.254]",
                "[::7f00:1]", "[::]", "[::1]", "0.0.0.0", "0.1.2.3", "100.64.0.1", "100.127.255.254", "192.0.0.8", "198.18.0.1",
                "198.19.255.255", "240.0.0.1", "255.255.255.255", "[fc00::1]", "[fd12:3456::1]", "[fe80::1]", "[fec0::1]",
                "[ff02::1]", "224.0.0.1", "239.255.255.250", "192.0.2.1", "198.51.100.1", "203.0.113.1", "[2001:db8::1]",
                "[3fff::1]", "[100::1]", "127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.169.254", "192.88.99.1")) {
            assertThatThrownBy(() -> targets.check("http://" + host + "/hook")).as(host)
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(422));
        }
    }

    @Test
    void refusesNumberSpellingsOfAnAddressAndZoneIdsWith400() {
        for (String url : List.of("http://2130706433/", "http://0x7f.1/", "http://0x7f000001/", "http://0177.0.0.1/", "http://127.1/",
                "http://127.000.000.001/", "http://1.2.3.4./", "http://017700000001/", "http://example.0x10/", "http://a.b.123/",
                "http://[fe80::1%25eth0]/", "http://[2606:4700::1%251]/",
                "http://[::ffff:169.254.9.24444444444444]/")) { // the last: java.net.URI threw NumberFormatException
            assertThatThrownBy(() -> WebhookTargets.parse(url)).as(url)
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
        }
    }

    @Test
    void aNameIsRefusedIfAnyOfItsAddressesIsInternal() {
        assertThatThrownBy(() -> resolvingTo("8.8.8.8", "10.0.0.1").check("https://hooks.example.com/x"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(422));
        assertThatThrownBy(() -> resolvingTo("2606:4700:4700::1111", "64:ff9b::a00:1").check("https://hooks.example.com/x"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(422));
        assertThatThrownBy(() -> resolvingTo().check("https://nowhere.example.com/x"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(422));
    }

    @Test
    void acceptsPublicAddressesAndSaysWhichItChecked() throws Exception {
        assertThat(resolvingTo("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c").check("https://hooks.example.com:8443/x"))
                .containsExactly(InetAddress.getByName("93.184.215.14"), InetAddress.getByName("2606:2800:21f:cb07:6820:80da:af6b:8b2c"));
        assertThat(resolvingTo().check("http://8.8.8.8/hook")).containsExactly(InetAddress.getByName("8.8.8.8"));
        assertThat(resolvingTo().check("http://[2606:4700:4700::1111]/hook")).hasSize(1);
        assertThat(resolvingTo("1.1.1.1").check("http://one.one.one.one/")).isNotEmpty();
    }

    @Test
    void anAllowedHostAndPortPassesWithoutALookup() {
        assertThat(resolvingTo().check("http://127.0.0.1:9999/hook")).isEmpty();
        assertThatThrownBy(() -> resolvingTo().check("http://127.0.0.1:9998/hook")).isInstanceOf(ApiException.class);
    }

    @Test
    void theIndependentTableAgreesOnTheBlockBoundaries() throws Exception {
        for (String address : List.of("100.63.255.255", "100.128.0.0", "198.17.255.255", "198.20.0.0", "223.255.255.255",
                "2001:200::1", "2003::1", "2606:4700:4700::1111", "8.8.8.8", "172.32.0.1", "172.15.255.255")) {
            byte[] bytes = InetAddress.getByName(address).getAddress();
            assertThat(WebhookTargets.isPublic(InetAddress.getByName(address))).as(address).isTrue();
            assertThat(ReservedAddresses.isReserved(bytes)).as(address).isFalse();
        }
    }
}
