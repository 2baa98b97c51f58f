package com.mp3converter.gateway.http;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.mp3converter.gateway.service.ApiException;
import com.mp3converter.gateway.service.QuotaExceeded;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The multipart reader's contract on any body and Content-Type, driven as the upload route drives it (fields read
 * with fieldValue, a file's content read, some parts passed over): it ends within a bound, lets only ApiException
 * 400 or 413 escape (a 413 naming one of the form limits), and never hands out more than the limits allow: the
 * fields in number, each and together, the part headers in length.
 */
class MultipartReaderFuzzTest {

    private static final MultipartReader.Limits LIMITS = new MultipartReader.Limits(4, 64, 160);
    /** What MultipartReader allows a part's headers (its MAX_HEADER_BYTES). */
    private static final int HEADER_BYTES = 8 * 1024;

    /** The input: the Content-Type up to the first newline, then the body. */
    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void readsOnlyWithinTheLimitsAndRefusesOnlyWith400Or413(byte[] input) throws IOException {
        int newline = indexOf(input, (byte) '\n');
        String contentType = new String(input, 0, newline, StandardCharsets.ISO_8859_1);
        byte[] body = Arrays.copyOfRange(input, Math.min(newline + 1, input.length), input.length);
        int fields = 0;
        long fieldChars = 0;
        long fileBytes = 0;
        try {
            MultipartReader form = new MultipartReader(new ByteArrayInputStream(body), contentType, LIMITS);
            MultipartReader.Part part;
            int parts = 0;
            while ((part = form.next()) != null) {
                assertThat(++parts).as("every part takes bytes of the body").isLessThanOrEqualTo(body.length / 4 + 1);
                assertThat(String.valueOf(part.name()).length()).isLessThanOrEqualTo(HEADER_BYTES);
                assertThat(String.valueOf(part.filename()).length()).isLessThanOrEqualTo(HEADER_BYTES);
                if (part.filename() == null) {
                    String value = form.fieldValue();
                    fields++;
                    // UTF-8 decoding makes at most one char of each byte: chars bound the bytes handed out from below.
                    fieldChars += value.length();
                    assertThat(value.length()).isLessThanOrEqualTo(LIMITS.maxFieldBytes());
                } else if (parts % 2 == 1) { // the others are passed over unread
                    fileBytes += drain(form.content());
                }
                assertThat(fields).isLessThanOrEqualTo(LIMITS.maxFields());
                assertThat(fieldChars).isLessThanOrEqualTo(LIMITS.maxFieldsBytes());
            }
            assertThat(fileBytes).as("no content is invented").isLessThanOrEqualTo(body.length);
        } catch (QuotaExceeded e) {
            assertThat(e.status()).isEqualTo(413);
            assertThat(e.limit().name()).isIn(MultipartReader.FIELDS, MultipartReader.FIELD_BYTES, MultipartReader.FIELDS_BYTES);
            assertThat(e.limit().max()).isIn((long) LIMITS.maxFields(), (long) LIMITS.maxFieldBytes(), LIMITS.maxFieldsBytes());
            assertThat(e.limit().used()).isGreaterThan(e.limit().max());
        } catch (ApiException e) {
            assertThat(e.status()).as(e.getMessage()).isEqualTo(400);
        }
    }

    private static long drain(InputStream content) throws IOException {
        byte[] buffer = new byte[777];
        long total = 0;
        int n;
        while ((n = content.read(buffer)) >= 0) {
            assertThat(n).as("a read of a non-empty buffer makes progress or ends").isPositive();
            total += n;
        }
        return total;
    }

    private static int indexOf(byte[] bytes, byte wanted) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return bytes.length;
    }

}
