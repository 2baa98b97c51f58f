package com.mp3converter.gateway.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mongodb.MongoException;
import com.mp3converter.contracts.Hmac;
import com.mp3converter.gateway.config.GatewayConfig;
import com.mp3converter.gateway.repository.Job;
import com.mp3converter.gateway.repository.JobStatus;
import com.mp3converter.gateway.repository.WebhookDeliveries;
import com.mp3converter.gateway.repository.WebhookSecrets;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PreDestroy;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A job's end (DONE or FAILED) POSTed as JSON to the callbackUrl its upload named, signed for its owner:
 * {@code Mp3converter-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>" with the owner's secret>}, with
 * {@code Mp3converter-Event-Id} (the same on every attempt) and {@code Mp3converter-Timestamp} (epoch seconds, per
 * attempt) so a receiver can drop replays and duplicates. At least once: enqueued in MongoDB when the job ends, tried
 * until a 2xx, with a doubling delay, for {@code retry-for}; a redirect is not followed (it counts as a failure).
 * <p>
 * Bounded: {@code senders} attempts at once per replica, at most one per owner, one per receiver (host:port) and one
 * per address the receiver's name resolved to, so a slow receiver holds one sender and delays nobody else's webhooks,
 * even one reached under many names (wildcard DNS) or from many of one user's jobs. The receiver's name is looked up
 * within the attempt's deadline (a lookup slower than the timeout is a failed attempt, tried again later). A delivery is claimed only when a sender is free for it; the
 * rest wait in MongoDB (the outbox), never in a queue here. A claim lasts the attempt's deadline (twice the timeout)
 * plus a timeout of slack and is renewed every timeout while the attempt runs, so it never expires under its own
 * attempt and no delivery is posted twice at once; an attempt past its deadline is cut off (connection reset) before
 * it counts as failed. The posts run on threads of their own, so a slow receiver never holds up jobs or events.
 */
@ApplicationScoped
public class Webhooks {

    public static final String SIGNATURE = "Mp3converter-Signature";
    public static final String EVENT_ID = "Mp3converter-Event-Id";
    public static final String TIMESTAMP = "Mp3converter-Timestamp";

    private final WebhookDeliveries deliveries;
    private final WebhookSecrets secrets;
    private final WebhookTargets targets;
    private final ObjectMapper json;
    private final GatewayConfig.Webhooks config;
    /** Vert.x's client, closed with the application (the JDK's keeps a selector thread for as long as it lives). */
    private final HttpClient http;
    /** A permit per sender: taken before a claim, so nothing claimed ever waits for a thread. */
    private final Semaphore free;
    private final ExecutorService senders;
    /** Receivers (host:port) with an attempt in flight from this replica. */
    private final Set<String> busyReceivers = ConcurrentHashMap.newKeySet();
    /** Owners with an attempt in flight from this replica: one user's many jobs hold one sender at most. */
    private final Set<String> busyOwners = ConcurrentHashMap.newKeySet();
    /** Addresses (resolved by the check, whatever the name or port) with an attempt in flight from this replica. */
    private final Set<String> busyAddresses = ConcurrentHashMap.newKeySet();
    /**
     * Runs the check's DNS lookup, which the JDK cannot cut short, so a sender waits for it no longer than the timeout.
     * A lookup given up on runs on until the resolver's own timeout; twice the senders bound how many may.
     */
    private final ExecutorService lookups;
    /** Deliveries being attempted here, whose claims are renewed. */
    private final Set<WebhookDeliveries.Delivery> inFlight = ConcurrentHashMap.newKeySet();

    Webhooks(WebhookDeliveries deliveries, WebhookSecrets secrets, WebhookTargets targets, ObjectMapper json, GatewayConfig config,
             Vertx vertx) {
        this.deliveries = deliveries;
        this.secrets = secrets;
        this.targets = targets;
        this.json = json;
        this.config = config.webhooks();
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) this.config.timeout().toMillis())
                .setKeepAlive(false));
        int count = this.config.senders();
        this.free = new Semaphore(count);
        // The queue never holds more than the permits let in (a task may be handed over before a thread is idle again).
        this.senders = new ThreadPoolExecutor(count, count, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(count), r -> {
            Thread t = new Thread(r, "webhook-delivery");
            t.setDaemon(true);
            return t;
        });
        this.lookups = new ThreadPoolExecutor(0, 2 * count, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "webhook-lookup");
            t.setDaemon(true);
            return t;
        });
    }

    /** Deliveries in hand stay claimed and are taken up again once their claim runs out. */
    @PreDestroy
    void stop() {
        senders.shutdownNow();
        lookups.shutdownNow();
        http.close();
    }

    /** How long a claim lasts: the attempt's deadline plus a timeout of slack; renewed every timeout while it runs. */
    private Duration lease() {
        return attemptDeadline().plus(config.timeout());
    }

    private Duration attemptDeadline() {
        return config.timeout().multipliedBy(2);
    }

    /** Enqueues the job's end for its callbackUrl, once per end (a redelivered event enqueues nothing). */
    public void jobEnded(Job job) {
        if (job.callbackUrl() == null || !(job.status() == JobStatus.DONE || job.status() == JobStatus.FAILED)) {
            return;
        }
        String type = "job." + job.status().name().toLowerCase(Locale.ROOT);
        String eventId = job.id() + "." + job.status().name().toLowerCase(Locale.ROOT);
        ObjectNode event = json.createObjectNode().put("id", eventId).put("type", type).put("createdAt", Instant.now().toString());
        ObjectNode data = event.putObject("data").put("jobId", job.id()).put("status", job.status().name())
                .put("originalFilename", job.originalFilename());
        if (job.status() == JobStatus.DONE) {
            data.put("mp3Id", job.mp3Id()).put("mp3Size", job.mp3Size()).put("durationSeconds", job.durationSeconds());
            data.putObject("links").put("self", "/jobs/" + job.id()).put("download", "/download?fid=" + job.mp3Id());
        } else {
            data.put("reason", job.reason());
        }
        if (deliveries.enqueue(new WebhookDeliveries.Delivery(eventId, job.id(), job.owner(), job.callbackUrl(), event.toString(),
                Instant.now(), 0, null))) {
            Log.infof("Job %s: %s queued for its callback", job.id(), type);
        }
    }

    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void deliverDue() {
        claimWhileFree();
    }

    /**
     * Claims due deliveries while a sender is free, each to a receiver and for an owner with nothing in flight from
     * here. Also run by a sender that finished, so a receiver's backlog goes at its own pace, not one per pass.
     */
    private synchronized void claimWhileFree() {
        try {
            while (free.tryAcquire()) {
                Optional<WebhookDeliveries.Delivery> due;
                try {
                    Instant now = Instant.now();
                    due = deliveries.claimDue(now, now.plus(lease()), Set.copyOf(busyReceivers), Set.copyOf(busyOwners));
                } catch (RuntimeException e) {
                    free.release();
                    throw e;
                }
                if (due.isEmpty()) {
                    free.release();
                    return;
                }
                start(due.get());
            }
        } catch (MongoException e) {
            Log.warnf("Webhook deliveries skipped, storage unavailable: %s", e.getMessage());
        }
    }

    private void start(WebhookDeliveries.Delivery delivery) {
        String receiver = delivery.receiver();
        String owner = delivery.owner();
        if (!busyReceivers.add(receiver)) { // enqueued before receivers were recorded: back to the outbox
            free.release();
            deliveries.unclaim(delivery, Instant.now().plusSeconds(1));
            return;
        }
        if (!busyOwners.add(owner)) { // the same (claims skip busy owners; a record without one matches no filter)
            busyReceivers.remove(receiver);
            free.release();
            deliveries.unclaim(delivery, Instant.now().plusSeconds(1));
            return;
        }
        inFlight.add(delivery);
        senders.execute(() -> {
            try {
                attempt(delivery);
            } finally {
                inFlight.remove(delivery);
                busyOwners.remove(owner);
                busyReceivers.remove(receiver);
                free.release();
            }
            claimWhileFree();
        });
    }

    /** Keeps the claims of the attempts in flight here a lease ahead. */
    @Scheduled(every = "${gateway.webhooks.timeout}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void renewClaims() {
        for (WebhookDeliveries.Delivery delivery : inFlight) {
            try {
                deliveries.renew(delivery, Instant.now().plus(lease()));
            } catch (MongoException e) {
                Log.warnf("Job %s: webhook claim not renewed (the next renewal tries again): %s", delivery.jobId(), e.getMessage());
            }
        }
    }

    private static int port(String url) {
        URI uri = URI.create(url);
        return uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private void attempt(WebhookDeliveries.Delivery delivery) {
        int attempt = delivery.attempts() + 1;
        long deadline = System.nanoTime() + attemptDeadline().toNanos();
        List<InetAddress> approved;
        try {
            approved = check(delivery.url());
        } catch (ApiException refused) {
            deliveries.gaveUp(delivery, attempt, refused.getMessage());
            Log.warnf("Job %s: webhook given up: %s", delivery.jobId(), refused.getMessage());
            return;
        } catch (TimeoutException | RejectedExecutionException e) {
            retryLater(delivery, attempt, "callbackUrl's host not looked up within " + config.timeout().toMillis() + " ms");
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // claimed: another pass takes it once the claim runs out
        }
        // One attempt at a time per address, under whatever name or port: an allowed host resolves nothing here.
        String address = approved.isEmpty() ? null : approved.get(0).getHostAddress();
        if (address != null && !busyAddresses.add(address)) {
            deliveries.unclaim(delivery, Instant.now().plus(config.timeout())); // not an attempt: its address is busy
            return;
        }
        try {
            post(delivery, attempt, approved, deadline);
        } finally {
            if (address != null) {
                busyAddresses.remove(address);
            }
        }
    }

    /** The check's answer, waited for at most the timeout (the lookup of a name may hang far longer). */
    private List<InetAddress> check(String url) throws TimeoutException, InterruptedException {
        Future<List<InetAddress>> lookup = lookups.submit(() -> targets.check(url));
        try {
            return lookup.get(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : new IllegalStateException(e.getCause());
        } finally {
            lookup.cancel(true);
        }
    }

    private void post(WebhookDeliveries.Delivery delivery, int attempt, List<InetAddress> approved, long deadline) {
        String failure;
        AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
        long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        try {
            long timestamp = Instant.now().getEpochSecond();
            RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(delivery.url())
                    .setFollowRedirects(false).setTimeout(config.timeout().toMillis())
                    .putHeader("Content-Type", "application/json").putHeader("User-Agent", "mp3converter-webhooks/1")
                    .putHeader(EVENT_ID, delivery.id()).putHeader(TIMESTAMP, String.valueOf(timestamp))
                    .putHeader(SIGNATURE, "v1=" + sign(secrets.of(delivery.owner()).secret(), timestamp, delivery.payload()));
            if (!approved.isEmpty()) {
                // Connect where the check looked: a second lookup of the name may answer otherwise (DNS rebinding).
                // The URL still gives the Host header and the TLS server name.
                request.setServer(SocketAddress.inetSocketAddress(port(delivery.url()), approved.get(0).getHostAddress()));
            }
            int status = http.request(request).compose(post -> {
                        sent.set(post);
                        return post.send(Buffer.buffer(delivery.payload()));
                    })
                    .map(HttpClientResponse::statusCode).toCompletionStage().toCompletableFuture()
                    .get(left, TimeUnit.MILLISECONDS);
            if (status >= 200 && status < 300) {
                deliveries.delivered(delivery, attempt, status);
                return;
            }
            failure = "HTTP " + status;
        } catch (TimeoutException e) {
            cutOff(sent.get()); // ended for this side before it counts as failed, so a retry never overlaps it
            failure = "no answer within " + attemptDeadline().toMillis() + " ms";
        } catch (ExecutionException | IllegalArgumentException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            failure = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cutOff(sent.get());
            return; // claimed: another pass takes it once the claim runs out
        } catch (MongoException e) {
            return; // the same
        }
        retryLater(delivery, attempt, failure);
    }

    private static void cutOff(HttpClientRequest request) {
        if (request != null) {
            request.reset();
        }
    }

    private void retryLater(WebhookDeliveries.Delivery delivery, int attempt, String failure) {
        Instant now = Instant.now();
        if (now.isAfter(delivery.createdAt().plus(config.retryFor()))) {
            deliveries.gaveUp(delivery, attempt, failure);
            Log.warnf("Job %s: webhook given up after %d attempts: %s", delivery.jobId(), attempt, failure);
            return;
        }
        long doubled = config.firstRetry().toMillis() << Math.min(attempt - 1, 20);
        long delay = Math.min(doubled, config.maxRetryDelay().toMillis());
        delay += ThreadLocalRandom.current().nextLong(delay / 5 + 1); // receivers coming back are not hit all at once
        deliveries.failed(delivery, attempt, failure, now.plus(Duration.ofMillis(delay)));
        Log.infof("Job %s: webhook attempt %d failed (%s); again in %d ms", delivery.jobId(), attempt, failure, delay);
    }

    /** Hex HMAC-SHA256 of "timestamp.body": what a receiver recomputes with its secret. */
    public static String sign(String secret, long timestamp, String body) {
        return HexFormat.of().formatHex(Hmac.sha256(secret.getBytes(StandardCharsets.UTF_8), timestamp + "." + body));
    }
}
