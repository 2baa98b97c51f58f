package com.mp3converter.gateway.http;

import java.io.IOException;
import java.io.InputStream;

/** An InputStream that reads in bulk only: the single-byte read goes through {@link #read(byte[], int, int)}. */
abstract class BulkInputStream extends InputStream {

    @Override
    public final int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public abstract int read(byte[] target, int offset, int length) throws IOException;
}
