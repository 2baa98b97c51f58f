package com.mp3converter.converter.service;

import java.time.Duration;

/** What becomes of a conversion request after a delivery handled it. */
public sealed interface Next {

    /** The job reached its outcome and it was announced: ack. */
    record Finished() implements Next {
    }

    /** Something on our side failed (storage, broker, a killed ffmpeg): try again after a growing delay. */
    record Retry(String reason) implements Next {
    }

    /** Another delivery holds the job: look again once its lease may have run out. */
    record Defer(Duration lookAgainIn) implements Next {
    }

    /** The video's upload arrives too slowly to wait on: look again later, converting once it is complete. */
    record AwaitUpload(Duration lookAgainIn) implements Next {
    }

    Next FINISHED = new Finished();
}
