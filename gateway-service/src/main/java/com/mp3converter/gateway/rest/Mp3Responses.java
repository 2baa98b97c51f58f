package com.mp3converter.gateway.rest;

import com.mongodb.client.gridfs.GridFSDownloadStream;
import com.mp3converter.contracts.Mp3Names;
import com.mp3converter.gateway.http.ByteRange;
import com.mp3converter.gateway.service.FileNames;
import com.mp3converter.gateway.service.JobService;
import com.mp3converter.mediastore.MediaStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import java.io.IOException;
import java.io.OutputStream;

/** An MP3 streamed from GridFS, whole or by a byte range, named after the video it came from. */
@ApplicationScoped
class Mp3Responses {

    private final MediaStore storage;

    Mp3Responses(MediaStore storage) {
        this.storage = storage;
    }

    Response.ResponseBuilder of(JobService.Mp3Download mp3, String range) {
        long length = mp3.file().getLength();
        ByteRange byteRange = ByteRange.parse(range, length);
        StreamingOutput body = out -> copy(mp3, byteRange, out);
        Response.ResponseBuilder response = Response.status(byteRange.partial() ? 206 : 200)
                .type("audio/mpeg")
                .header("Accept-Ranges", "bytes")
                .header("Content-Length", byteRange.length())
                .header("Content-Disposition", FileNames.attachment(Mp3Names.of(mp3.job().originalFilename())))
                .header("ETag", '"' + mp3.file().getObjectId().toHexString() + '"');
        if (byteRange.partial()) {
            response.header("Content-Range", "bytes " + byteRange.first() + "-" + byteRange.last() + "/" + length);
        }
        return response.entity(body);
    }

    private void copy(JobService.Mp3Download mp3, ByteRange range, OutputStream out) throws IOException {
        try (GridFSDownloadStream in = storage.openMp3(mp3.file().getObjectId())) {
            in.skip(range.first());
            byte[] buffer = new byte[64 * 1024];
            long remaining = range.length();
            int n;
            while (remaining > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining))) > 0) {
                out.write(buffer, 0, n);
                remaining -= n;
            }
        }
    }
}
