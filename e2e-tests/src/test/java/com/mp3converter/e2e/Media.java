package com.mp3converter.e2e;

import com.mp3converter.devinfra.TestMedia;
import ws.schild.jave.MultimediaObject;
import ws.schild.jave.info.MultimediaInfo;

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

    static MultimediaInfo probe(Path file) throws Exception {
        return new MultimediaObject(file.toFile()).getInfo();
    }
}
