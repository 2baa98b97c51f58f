package com.mp3converter.converter.service;

import java.io.IOException;

/**
 * The video's upload arrives too slowly for a worker to wait on it (converter.arrival): the worker lets go of the
 * job, which waits in the broker until the upload is complete. Neither the file's failure nor ours.
 */
public class UploadStillArriving extends IOException {
    public UploadStillArriving(String reason) {
        super(reason, null);
    }
}
