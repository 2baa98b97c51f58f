package com.mp3converter.mediastore;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReadAheadInputStreamTest {

    @Test
    void yieldsTheSourceByteForByte() throws IOException {
        byte[] content = new byte[1_000_003];
        new Random(1).nextBytes(content);
        try (InputStream in = new ReadAheadInputStream(new ByteArrayInputStream(content), new ReadAheadInputStream.Blocks(4096, 5), 3, "test")) {
            assertThat(in.read()).isEqualTo(content[0] & 0xff);
            assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(content, 1, content.length));
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void reusedBlocksCarryOnlyWhatEachShortReadGave() throws IOException {
        byte[] content = new byte[300_007];
        new Random(2).nextBytes(content);
        InputStream shortReads = new ByteArrayInputStream(content) {
            private int call;

            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1 + (call++ * 977) % 4096)); // as chunks still arriving
            }
        };
        try (InputStream in = new ReadAheadInputStream(shortReads, new ReadAheadInputStream.Blocks(4096, 5), 3, "test")) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
    }

    @Test
    void streamsSharingBlocksAtOnceEachYieldTheirOwnBytes() throws Exception {
        ReadAheadInputStream.Blocks pool = new ReadAheadInputStream.Blocks(4096, 4);
        byte[][] contents = {new byte[2_000_011], new byte[1_500_017]};
        byte[][] read = new byte[2][];
        Thread[] readers = new Thread[2];
        for (int i = 0; i < 2; i++) {
            new Random(10 + i).nextBytes(contents[i]);
            int stream = i;
            readers[i] = new Thread(() -> {
                try (InputStream in = new ReadAheadInputStream(new ByteArrayInputStream(contents[stream]), pool, 3, "test")) {
                    read[stream] = in.readAllBytes();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            readers[i].start();
        }
        for (Thread reader : readers) {
            reader.join();
        }
        assertThat(read[0]).isEqualTo(contents[0]);
        assertThat(read[1]).isEqualTo(contents[1]);
    }

    @Test
    void theNextStreamFillsTheBlocksOfTheLastOne() throws IOException {
        ReadAheadInputStream.Blocks pool = new ReadAheadInputStream.Blocks(4096, 4);
        byte[] content = new byte[100_000];
        java.util.Arrays.fill(content, (byte) 9);
        try (InputStream in = new ReadAheadInputStream(new ByteArrayInputStream(content), pool, 3, "test")) {
            in.readAllBytes();
        }
        assertThat(pool.take()).as("a block kept from the first stream, not a new one").contains((byte) 9);
    }

    @Test
    void aSourceFailureReachesTheConsumerAfterTheBytesBeforeIt() {
        InputStream failing = new InputStream() {
            private int served;

            @Override
            public int read() throws IOException {
                if (served == 10_000) {
                    throw new IOException("storage went away");
                }
                served++;
                return 7;
            }
        };
        InputStream in = new ReadAheadInputStream(failing, new ReadAheadInputStream.Blocks(1024, 4), 2, "test");
        byte[] first = new byte[9 * 1024];
        assertThatThrownBy(() -> {
            assertThat(in.readNBytes(first, 0, first.length)).isEqualTo(first.length);
            in.readAllBytes();
        }).isInstanceOf(IOException.class).hasMessage("storage went away");
        assertThat(first).containsOnly(7);
    }

    @Test
    void closingEarlyStopsReadingAndClosesTheSource() throws Exception {
        CountDownLatch sourceClosed = new CountDownLatch(1);
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 1;
            }

            @Override
            public void close() {
                sourceClosed.countDown();
            }
        };
        InputStream in = new ReadAheadInputStream(endless, new ReadAheadInputStream.Blocks(1024, 4), 2, "test");
        assertThat(in.readNBytes(10)).hasSize(10);
        in.close();
        assertThat(sourceClosed.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void closingWhileTheConsumerWaitsForDataEndsItsRead() throws Exception {
        InputStream stillArriving = new InputStream() { // as an upload in progress: waits, and honours interrupts
            @Override
            public int read() throws IOException {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for the upload");
                }
                return 1;
            }
        };
        InputStream in = new ReadAheadInputStream(stillArriving, new ReadAheadInputStream.Blocks(1024, 4), 2, "test");
        CompletableFuture<Integer> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return in.read();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        Thread.sleep(200);
        assertThat(waiting).isNotDone();

        in.close();
        assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS)).as("the consumer is not left waiting forever")
                .hasRootCauseInstanceOf(IOException.class).hasRootCauseMessage("the read-ahead stream was closed");
    }
}
