package com.mp3converter.gateway.http;

import com.mp3converter.gateway.service.ApiException;
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
            MultipartReader form = new MultipartReader(new Trickle(body, maxRead), TYPE);
            assertThat(form.next()).isEqualTo(new MultipartReader.Part("bitrate", null));
            assertThat(form.fieldValue(100)).isEqualTo("192");
            assertThat(form.next()).isEqualTo(new MultipartReader.Part("file", "a \"quoted\" name.mp4"));
            assertThat(form.content().readAllBytes()).as("read %d bytes at a time", maxRead).isEqualTo(content);
            assertThat(form.next()).isEqualTo(new MultipartReader.Part("quality", null));
            assertThat(form.fieldValue(100)).isEqualTo("3");
            assertThat(form.next()).isNull();
        }
    }

    @Test
    void skipsAPartNobodyReadAndRefusesBrokenBodies() throws Exception {
        byte[] body = ("------xyz\r\nContent-Disposition: form-data; name=\"other\"; filename=\"x.bin\"\r\n\r\nskipped bytes\r\n"
                + "------xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"v.mp4\"\r\n\r\nvideo\r\n------xyz--\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        MultipartReader form = new MultipartReader(new ByteArrayInputStream(body), TYPE);
        assertThat(form.next().name()).isEqualTo("other");
        assertThat(form.next().filename()).isEqualTo("v.mp4");
        assertThat(new String(form.content().readAllBytes(), StandardCharsets.ISO_8859_1)).isEqualTo("video");

        assertThatThrownBy(() -> new MultipartReader(InputStream.nullInputStream(), "multipart/form-data"))
                .isInstanceOf(ApiException.class);
        MultipartReader cut = new MultipartReader(new ByteArrayInputStream(
                "------xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"v.mp4\"\r\n\r\nvideo without end"
                        .getBytes(StandardCharsets.ISO_8859_1)), TYPE);
        cut.next();
        assertThatThrownBy(() -> cut.content().readAllBytes()).isInstanceOf(ApiException.class);
        MultipartReader longField = new MultipartReader(new ByteArrayInputStream(
                ("------xyz\r\nContent-Disposition: form-data; name=\"bitrate\"\r\n\r\n" + "9".repeat(100) + "\r\n------xyz--")
                        .getBytes(StandardCharsets.ISO_8859_1)), TYPE);
        longField.next();
        assertThatThrownBy(() -> longField.fieldValue(10)).isInstanceOf(ApiException.class);
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
