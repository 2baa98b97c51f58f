package com.mp3converter.gateway;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static com.mp3converter.gateway.GatewayTest.uniqueFakeMp4;
import static com.mp3converter.gateway.GatewayTest.uploadMultipart;
import static org.assertj.core.api.Assertions.assertThat;

/** Uploads take turns (here one at a time, waiting at most a second): one that finds no turn is told to come back. */
@QuarkusTest
@TestProfile(UploadTurnsTest.OneAtATime.class)
@QuarkusTestResource(value = GatewayInfra.class, restrictToAnnotatedClass = true)
class UploadTurnsTest {

    public static class OneAtATime implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.upload.at-once", "1", "gateway.upload.turn-wait", "PT1S");
        }
    }

    @TestHTTPResource("/")
    URL base;

    @Test
    void anUploadThatFindsNoTurnWaitsWithItsBodyUnreadThen503sWithRetryAfterAndTheTurnComesBack() throws Exception {
        byte[] holding = uniqueFakeMp4(600_000);
        try (Socket first = new Socket(base.getHost(), base.getPort())) {
            first.setSoTimeout(10_000);
            first.getOutputStream().write(askToSend("first.mp4", holding.length));
            assertThat(headOf(first.getInputStream())).as("its turn").startsWith("HTTP/1.1 100 Continue");
            first.getOutputStream().write(Arrays.copyOf(holding, 300_000)); // holds the one turn, mid-upload

            try (Socket second = new Socket(base.getHost(), base.getPort())) {
                second.setSoTimeout(10_000);
                long asked = System.nanoTime();
                second.getOutputStream().write(askToSend("second.mp4", 200_000));
                String answer = headOf(second.getInputStream());
                double waited = (System.nanoTime() - asked) / 1e9;
                assertThat(answer).as("no turn within the wait, and no body asked for").startsWith("HTTP/1.1 503")
                        .contains("Retry-After: 5");
                assertThat(waited).as("it waited for a turn first").isGreaterThanOrEqualTo(0.9);
            }

            first.getOutputStream().write(holding, 300_000, holding.length - 300_000);
            assertThat(headOf(first.getInputStream())).as("the upload that held the turn").startsWith("HTTP/1.1 202");
        }
        uploadMultipart(GatewayInfra.token(), uniqueFakeMp4(200_000), "next.mp4").then().statusCode(202);
    }

    @Test
    void uploadsWaitingForATurnHoldNoThread() throws Exception {
        byte[] holding = uniqueFakeMp4(600_000);
        List<Socket> waiting = new ArrayList<>();
        try (Socket first = new Socket(base.getHost(), base.getPort())) {
            first.setSoTimeout(10_000);
            first.getOutputStream().write(askToSend("holder.mp4", holding.length));
            assertThat(headOf(first.getInputStream())).startsWith("HTTP/1.1 100 Continue");
            first.getOutputStream().write(Arrays.copyOf(holding, 300_000));
            long uploadThreads = uploadThreads();

            for (int i = 0; i < 30; i++) {
                Socket waiter = new Socket(base.getHost(), base.getPort());
                waiter.setSoTimeout(10_000);
                waiter.getOutputStream().write(askToSend("waiter" + i + ".mp4", 200_000));
                waiting.add(waiter);
            }
            Thread.sleep(300); // every request is in and waiting (each 503s after 1 s)
            assertThat(uploadThreads()).as("upload threads while 30 uploads wait for the one turn")
                    .isLessThanOrEqualTo(uploadThreads);
            for (Socket waiter : waiting) {
                assertThat(headOf(waiter.getInputStream())).startsWith("HTTP/1.1 503");
            }

            first.getOutputStream().write(holding, 300_000, holding.length - 300_000);
            assertThat(headOf(first.getInputStream())).startsWith("HTTP/1.1 202");
        } finally {
            for (Socket waiter : waiting) {
                waiter.close();
            }
        }
        uploadMultipart(GatewayInfra.token(), uniqueFakeMp4(200_000), "after.mp4").then().statusCode(202);
    }

    private static long uploadThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("upload")).count();
    }

    private static byte[] askToSend(String filename, int length) {
        return ("PUT /videos/" + filename + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + GatewayInfra.token()
                + "\r\nContent-Length: " + length + "\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The status line and headers of the next answer on the connection. */
    static String headOf(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }
}
