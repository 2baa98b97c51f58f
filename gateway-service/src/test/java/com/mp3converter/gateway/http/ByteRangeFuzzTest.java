package com.mp3converter.gateway.http;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.mp3converter.gateway.service.ApiException;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Range parser's contract: for any header and file size it answers the whole file, a range inside the file, or
 * 416 for a range that starts past it; nothing else escapes, and a range never reaches past the file's last byte.
 */
class ByteRangeFuzzTest {

    /** The input: 8 bytes of file size (made non-negative), then the Range header. */
    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void answersARangeInsideTheFileOr416(byte[] input) {
        ByteBuffer in = ByteBuffer.wrap(input);
        long size = in.remaining() >= 8 ? in.getLong() & Long.MAX_VALUE : 1000;
        String header = StandardCharsets.ISO_8859_1.decode(in).toString();
        ByteRange range;
        try {
            range = ByteRange.parse(header, size);
        } catch (ApiException e) {
            assertThat(e.status()).isEqualTo(416);
            assertThat(header.trim()).startsWith("bytes=");
            return;
        }
        if (range.partial()) {
            assertThat(range.first()).isNotNegative().isLessThanOrEqualTo(range.last());
            assertThat(range.last()).isLessThan(size);
            assertThat(range.length()).isPositive().isLessThanOrEqualTo(size);
        } else {
            assertThat(range).isEqualTo(new ByteRange(0, size - 1, false));
        }
    }
}
