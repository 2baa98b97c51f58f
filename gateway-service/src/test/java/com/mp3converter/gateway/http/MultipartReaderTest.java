package com.mp3converter.gateway.http;

import com.mp3converter.gateway.service.ApiException;
import com.mp3converter.gateway.service.QuotaExceeded;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MultipartReaderTest {

    private static final String TYPE = "multipart/form-data; boundary=----xyz";
    private static final MultipartReader.Limits LIMITS = new MultipartReader.Limits(10, 100, 1000);

    @Test
    void readsFieldsAndAFileWhoseBytesLookLikeTheBoundaryWhateverTheReadSizes() throws Exception {
        // Content full of near-misses: CRLF, "--", and the boundary without its leading CRLF.
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte next = (byte) random.nextInt();
            file.writeBytes(random.nextInt(7) == 0 ? "\r\n------xyZ".getBytes(StandardCharsets.ISO_8859_1) : new byte[]{next == '\r' ? 0 : next});
        }
        file.writeBytes("------xyz".getBytes(StandardCharsets.ISO_8859_1));
        byte[] content = file.toByteArray();
        byte[] body = concat("preamble to ignore\r\n------xyz\r\nContent-Disposition: form-data; name=\"bitrate\"\r\n\r\n192\r\n"
                + "------xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"quoted\\\" name.mp4\"\r\n"
                + "Content-Type: video/mp4\r\n\r\n", content,
                "\r\n------xyz\r\nContent-Disposition: form-data; name=\"quality\"\r\n\r\n3\r\n------xyz--\r\nepilogue");

        for (int maxRead : new int[]{1, 7, 4096, 1 << 20}) {
            MultipartReader form = new MultipartReader(new Trickle(body, maxRead), TYPE, LIMITS);
            assertThat(form.next()).isEqualTo(new MultipartReader.Part("bitrate", null));
            assertThat(form.fieldValue()).isEqualTo("192");
            assertThat(form.next()).isEqualTo(new MultipartReader.Part("file", "a \"quoted\" name.mp4"));
            assertThat(form.content().readAllBytes()).as("read %d bytes at a time", maxRead).isEqualTo(content);
            assertThat(form.next()).isEqualTo(new MultipartReader.Part("quality", null));
            assertThat(form.fieldValue()).isEqualTo("3");
            assertThat(form.next()).isNull();
        }
    }

    @Test
    void skipsAPartNobodyReadAndRefusesBrokenBodies() throws Exception {
        byte[] body = ("------xyz\r\nContent-Disposition: form-data; name=\"other\"; filename=\"x.bin\"\r\n\r\nskipped bytes\r\n"
                + "------xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"v.mp4\"\r\n\r\nvideo\r\n------xyz--\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        MultipartReader form = new MultipartReader(new ByteArrayInputStream(body), TYPE, LIMITS);
        assertThat(form.next().name()).isEqualTo("other");
        assertThat(form.next().filename()).isEqualTo("v.mp4");
        assertThat(new String(form.content().readAllBytes(), StandardCharsets.ISO_8859_1)).isEqualTo("video");

        assertThatThrownBy(() -> new MultipartReader(InputStream.nullInputStream(), "multipart/form-data", LIMITS))
                .isInstanceOf(ApiException.class);
        MultipartReader cut = new MultipartReader(new ByteArrayInputStream(
                "------xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"v.mp4\"\r\n\r\nvideo without end"
                        .getBytes(StandardCharsets.ISO_8859_1)), TYPE, LIMITS);
        cut.next();
        assertThatThrownBy(() -> cut.content().readAllBytes()).isInstanceOf(ApiException.class);
        MultipartReader longField = new MultipartReader(new ByteArrayInputStream(
                ("------xyz\r\nContent-Disposition: form-data; name=\"bitrate\"\r\n\r\n" + "9".repeat(100) + "\r\n------xyz--")
                        .getBytes(StandardCharsets.ISO_8859_1)), TYPE, new MultipartReader.Limits(10, 10, 1000));
        longField.next();
        assertThatThrownBy(() -> longField.fieldValue()).isInstanceOf(ApiException.class);
    }

    @Test
    void moreFieldsThanTheLimitAre413NamingTheLimitWhateverTheirNames() throws Exception {
        MultipartReader form = reader(field("bitrate", "128") + field("x", "1") + field("x", "2") + field("unknown", "3") + "------xyz--",
                new MultipartReader.Limits(3, 100, 1000));
        for (int i = 0; i < 3; i++) {
            form.next();
            form.fieldValue();
        }
        assertLimit(form::next, MultipartReader.FIELDS, 3);
    }

    @Test
    void aFieldLongerThanTheLimitIs413NamingTheLimit() throws Exception {
        MultipartReader form = reader(field("start", "1".repeat(101)) + "------xyz--", LIMITS);
        form.next();
        assertLimit(form::fieldValue, MultipartReader.FIELD_BYTES, 100);
    }

    @Test
    void fieldsLongerTogetherThanTheLimitAre413NamingTheLimit() throws Exception {
        String body = field("a", "1".repeat(90)) + field("b", "2".repeat(90)) + field("c", "3".repeat(90)) + "------xyz--";
        MultipartReader form = reader(body, new MultipartReader.Limits(10, 100, 200));
        form.next();
        form.fieldValue();
        form.next();
        form.fieldValue();
        form.next();
        assertLimit(form::fieldValue, MultipartReader.FIELDS_BYTES, 200);
    }

    @Test
    void aPartNobodyReadsCountsAsAFieldInNumberAndBytes() throws Exception {
        String skipped = "------xyz\r\nContent-Disposition: form-data; name=\"other\"; filename=\"x.bin\"\r\n\r\n";
        MultipartReader many = reader(skipped + "a\r\n" + skipped + "b\r\n" + skipped + "c\r\n------xyz--", new MultipartReader.Limits(2, 100, 1000));
        many.next();
        many.next();
        many.next();
        assertLimit(many::next, MultipartReader.FIELDS, 2);
        MultipartReader big = reader(skipped + "9".repeat(101) + "\r\n------xyz--", LIMITS);
        big.next();
        assertLimit(big::next, MultipartReader.FIELD_BYTES, 100);
    }

    @Test
    void aLongPreambleOrEpilogueIs413() throws Exception {
        assertLimit(() -> reader("p".repeat(200) + "\r\n" + field("a", "1") + "------xyz--", LIMITS).next(), MultipartReader.FIELD_BYTES, 100);
        MultipartReader form = reader(field("a", "1") + "------xyz--\r\n" + "e".repeat(200), LIMITS);
        form.next();
        form.fieldValue();
        assertLimit(form::next, MultipartReader.FIELD_BYTES, 100);
    }

    @Test
    void aLongQuotedNameInAPartHeaderIsReadWithoutOverflowingTheStack() throws Exception {
        String name = "n".repeat(4000) + "\\\"" + "\\".repeat(2000);
        MultipartReader form = reader("------xyz\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"f\"\r\n\r\nv\r\n------xyz--",
                LIMITS);
        assertThat(form.next()).isEqualTo(new MultipartReader.Part("n".repeat(4000) + "\"" + "\\".repeat(2000), "f"));
    }

    @Test
    void aBoundaryLineThatNeverEndsIs400() throws Exception {
        // "--B" then padding for ever: it is neither a field nor the file, so only this bound stops it.
        MultipartReader form = reader("------xyz" + " ".repeat(5000) + "\r\n" + field("a", "1").substring(11) + "------xyz--", LIMITS);
        assertThatThrownBy(form::next).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.getMessage()).contains("boundary line");
        });
        MultipartReader padded = reader("------xyz  \r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n------xyz--", LIMITS);
        assertThat(padded.next()).as("a little transport padding is fine").isEqualTo(new MultipartReader.Part("a", null));
    }

    private static String field(String name, String value) {
        return "------xyz\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
    }

    private static MultipartReader reader(String body, MultipartReader.Limits limits) {
        return new MultipartReader(new ByteArrayInputStream(body.getBytes(StandardCharsets.ISO_8859_1)), TYPE, limits);
    }

    private static void assertLimit(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String limit, long max) {
        assertThatThrownBy(call).isInstanceOfSatisfying(QuotaExceeded.class, e -> {
            assertThat(e.status()).isEqualTo(413);
            assertThat(e.limit().name()).isEqualTo(limit);
            assertThat(e.limit().max()).isEqualTo(max);
            assertThat(e.limit().used()).isGreaterThan(max);
        });
    }

    private static byte[] concat(String head, byte[] middle, String tail) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(middle);
        out.writeBytes(tail.getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    /** Hands out at most maxRead bytes per read, as a network stream does. */
    private static final class Trickle extends InputStream {
        private final ByteArrayInputStream data;
        private final int maxRead;

        Trickle(byte[] bytes, int maxRead) {
            this.data = new ByteArrayInputStream(bytes);
            this.maxRead = maxRead;
        }

        @Override
        public int read() {
            return data.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return data.read(b, off, Math.min(len, maxRead));
        }
    }
}
