package com.mp3converter.e2e;

import com.mp3converter.devinfra.TestMedia;
import ws.schild.jave.MultimediaObject;
import ws.schild.jave.info.MultimediaInfo;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The media the suites upload, generated once per build, and a probe for what comes back. */
final class Media {

    private Media() {
    }

    static Path mp4(double seconds) throws Exception {
        return TestMedia.video("e2e-" + seconds + "s.mp4", seconds, "stereo", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac");
    }

    static Path webm(double seconds) throws Exception {
        return TestMedia.video("e2e-" + seconds + "s.webm", seconds, "stereo", "-c:v", "libvpx", "-deadline", "realtime",
                "-c:a", "libopus");
    }

    /**
     * The same MP4 with an MP4 "free" box (skipped by every reader) naming {@code n} appended: other bytes, so
     * the gateway converts it instead of answering it with the MP3 of an earlier identical upload.
     */
    static Path distinct(Path mp4, int n) throws IOException {
        String name = mp4.getFileName().toString().replace(".mp4", "-" + n + ".mp4");
        Path copy = mp4.resolveSibling(name);
        byte[] tag = ("copy " + n).getBytes(StandardCharsets.US_ASCII);
        ByteBuffer free = ByteBuffer.allocate(8 + tag.length).putInt(8 + tag.length).put("free".getBytes(StandardCharsets.US_ASCII)).put(tag);
        try (OutputStream out = Files.newOutputStream(copy)) {
            Files.copy(mp4, out);
            out.write(free.array());
        }
        return copy;
    }

    static MultimediaInfo probe(Path file) throws Exception {
        return new MultimediaObject(file.toFile()).getInfo();
    }
}
