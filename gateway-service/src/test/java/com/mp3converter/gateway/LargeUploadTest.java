package com.mp3converter.gateway;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.bson.Document;
import com.mongodb.client.model.Filters;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A 400 MB upload, generated on the fly, through a JVM whose heap is capped at 256 MB (surefire's
 * argLine): it can only pass if the body streams into GridFS instead of being held in memory.
 */
@QuarkusTest
@TestProfile(LargeUploadTest.RealLimit.class)
@QuarkusTestResource(value = GatewayInfra.class, restrictToAnnotatedClass = true)
class LargeUploadTest {

    public static class RealLimit implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.upload.max-bytes", "2147483648");
        }
    }

    static final long SIZE = 400L * 1024 * 1024;

    @TestHTTPResource("/")
    URL base;

    @Test
    void fourHundredMegabytesStreamThroughA256MegabyteHeap() throws Exception {
        assertThat(Runtime.getRuntime().maxMemory()).as("the heap must be well below the upload size")
                .isLessThan(SIZE * 2 / 3);
        // curl, as users upload: chunked, streamed from a pipe, no Content-Length.
        Process curl = new ProcessBuilder("bash", "-c",
                "(printf '\\0\\0\\0\\030ftypisom'; head -c " + (SIZE - 12) + " /dev/urandom) | curl -sS -T - "
                        + "-H 'Authorization: Bearer " + GatewayInfra.token() + "' -w '\\n%{http_code}' "
                        + base.toURI().resolve("/videos/big.mp4"))
                .redirectErrorStream(true).start();
        String output = new String(curl.getInputStream().readAllBytes());
        curl.waitFor();
        assertThat(output).as(output).endsWith("202");
        Document file = GatewayInfra.db().getCollection("videos.files").find(Filters.eq("filename", "big.mp4")).first();
        assertThat(file.get("length", Number.class).longValue()).isEqualTo(SIZE);
        GatewayInfra.drainRequests();
    }

    /** An MP4-looking header followed by a pattern, produced as it is read. */
    static final class GeneratedVideo extends InputStream {
        private final long size;
        private long position;

        GeneratedVideo(long size) {
            this.size = size;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= size) {
                return -1;
            }
            int n = (int) Math.min(len, size - position);
            for (int i = 0; i < n; i++) {
                long p = position + i;
                b[off + i] = p < 8 ? (byte) "\0\0\0\u0018ftyp".charAt((int) p) : (byte) (p * 31 + (p >>> 13));
            }
            position += n;
            return n;
        }
    }
}
