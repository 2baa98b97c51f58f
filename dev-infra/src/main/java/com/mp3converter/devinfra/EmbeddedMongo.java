package com.mp3converter.devinfra;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * A MongoDB wire-protocol server for local runs and tests, where no MongoDB package exists.
 * Usage: {@code java -jar embedded-mongo.jar [port] [data-file]}; without a data file it keeps
 * everything in memory, with one (H2 backend) data survives restarts. Prints "ready <port>" once
 * it accepts connections, and stops on SIGTERM.
 */
public final class EmbeddedMongo {

    private EmbeddedMongo() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 27017;
        MongoBackend backend;
        if (args.length > 1) {
            Path file = Path.of(args[1]).toAbsolutePath();
            Files.createDirectories(file.getParent());
            backend = new GridFsH2Backend(file.toString());
        } else {
            backend = new MemoryBackend();
        }
        MongoServer server = new MongoServer(backend);
        server.bind(new InetSocketAddress("127.0.0.1", port));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdown();
            stopped.countDown();
        }));
        System.out.println("ready " + server.getLocalAddress().getPort());
        System.out.flush();
        stopped.await();
    }
}
