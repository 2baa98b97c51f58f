package com.mp3converter.e2e;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mp3converter.devinfra.TestMedia;
import jakarta.mail.internet.MimeMessage;
import org.bson.BsonValue;
import org.bson.Document;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Drives a batch of jobs through two gateways, two converters and two notifiers while parts of it die,
 * with two busy processes loading the machine's cores for the whole run: a converter is SIGKILLed twice
 * while it holds leases and SIGTERMed once, a notifier is SIGKILLed mid-batch, RabbitMQ is restarted with
 * four conversions in hand, MongoDB is unreachable for a minute. Killed processes are started again, as
 * Kubernetes would; nothing else is touched. At the end every job must have ended right, with exactly one
 * MP3 and one email of the right kind, and nothing left over; the one exception, an email accepted by SMTP
 * in the instant before the notifier's SIGKILL, is detected from the notifier's record and may arrive
 * twice with one Message-ID.
 */
@Tag("faults")
class FaultSuiteTest {

    private static final String EMAIL = "faults@e2e.example";
    private static final int GOOD_JOBS = 36;
    private static final Duration MONGO_OUTAGE = Duration.ofSeconds(60);
    /** Busy processes for the whole run (e2e.faults.load=0 for none): the suite must hold on a loaded machine. */
    private static final int LOAD_PROCESSES = Integer.getInteger("e2e.faults.load", 2);
    private static final int WORKERS = 2;

    private final Report actions = new Report("Fault suite: what was done", "t (s)", "action", "detail");
    private final Report findings = new Report("Fault suite: what was found", "check", "expected", "found", "ok");
    private final long startedAt = System.nanoTime();
    /** Job id to the status it must end in: DONE for good videos, FAILED for the broken ones. */
    private final Map<String, String> expectedEnd = new LinkedHashMap<>();
    /**
     * Jobs whose email the SMTP server had accepted when the notifier was SIGKILLed, but whose record still
     * said SENDING: no sender can tell "accepted" from "not sent" after such a death, and losing the email
     * is worse, so the notifier sends it again (same Message-ID) once the claim's lease runs out.
     */
    private final Set<String> acceptedButUnrecorded = new HashSet<>();
    /** The most ffmpeg child processes one converter had at once, over the whole run. */
    private final java.util.concurrent.atomic.AtomicLong mostFfmpegsAtOnce = new java.util.concurrent.atomic.AtomicLong();
    private Pipeline pipeline;
    private List<Api> gateways;
    private String token;

    @Test
    void everyJobEndsRightWithOneMp3AndOneEmailWhateverDies() throws Exception {
        Path longClip = Media.mp4(240); // a few seconds of ffmpeg, so a kill lands mid-conversion
        Path shortClip = Media.mp4(20);
        byte[] whole = Files.readAllBytes(shortClip);
        Path broken = TestMedia.file("faults-cut.mp4", Arrays.copyOf(whole, whole.length / 2));
        List<Process> load = startLoad();
        // One user's 38 jobs, as many at the converters as they take: the faults must meet conversions in hand.
        try (Pipeline started = Pipeline.start("faults", WORKERS, 2, Map.of("CONVERSIONS_PER_USER", "1000"))) {
            pipeline = started;
            gateways = pipeline.replicas(Pipeline.GATEWAY).stream().map(pipeline::api).toList();
            token = gateways.get(0).tokenFor(EMAIL, "faults long password");
            act("started", pipeline.all().size() + " services (2 gateways, 2 converters, 2 notifiers) with "
                    + LOAD_PROCESSES + " busy processes loading the cores");
            java.util.concurrent.ScheduledExecutorService sampler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleAtFixedRate(this::countFfmpegs, 0, 100, TimeUnit.MILLISECONDS);
            try {
                injectFaults(longClip, shortClip, broken);
                checkOutcome();
            } finally {
                sampler.shutdownNow();
                System.out.println(actions.render() + findings.render());
            }
        } finally {
            load.forEach(Process::destroy);
        }
    }

    private static List<Process> startLoad() throws IOException {
        List<Process> load = new java.util.ArrayList<>();
        for (int i = 0; i < LOAD_PROCESSES; i++) {
            load.add(new ProcessBuilder("sha256sum", "/dev/zero").redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        }
        return load;
    }

    private void injectFaults(Path longClip, Path shortClip, Path broken) throws Exception {
        submit(8, longClip, "DONE");
        killConverterHoldingALease(pipeline.service(Pipeline.CONVERTER));
        submit(8, longClip, "DONE");
        killConverterHoldingALease(pipeline.service(Pipeline.CONVERTER + "-2"));
        stopConverterMidConversion();

        awaitTrue("a few emails sent", Duration.ofSeconds(180), () -> mailCount() >= 3);
        ServiceProcess notifier = pipeline.service(Pipeline.NOTIFICATION);
        notifier.kill();
        Stream.of(pipeline.smtp.getReceivedMessagesForDomain(EMAIL)).map(FaultSuiteTest::jobOf)
                .filter(this::emailStillClaimed).forEach(acceptedButUnrecorded::add);
        act("SIGKILL " + notifier.name, mailCount() + " emails sent so far, " + acceptedButUnrecorded.size()
                + " accepted by SMTP but not yet recorded as sent");
        submit(4, shortClip, "DONE");
        Thread.sleep(3000);
        restart(notifier);

        submit(6, longClip, "DONE");
        MongoCollection<Document> jobs = db().getCollection("jobs");
        awaitTrue("four conversions in hand", Duration.ofSeconds(180), () -> jobs.countDocuments(Filters.eq("status", "CONVERTING")) >= 4);
        long inHand = jobs.countDocuments(Filters.eq("status", "CONVERTING"));
        rabbitmqctl("stop_app");
        act("RabbitMQ stopped (rabbitmqctl stop_app)", inHand + " conversions in hand; every service loses its connections");
        submit(3, shortClip, "DONE");
        Thread.sleep(2000);
        rabbitmqctl("start_app");
        rabbitmqctl("await_startup");
        act("RabbitMQ started again", "services reconnect by themselves");

        submit(4, longClip, "DONE");
        pipeline.mongoProxy.stop();
        act("MongoDB unreachable", "for " + MONGO_OUTAGE.toSeconds() + " s");
        HttpResponse<String> duringOutage = gateways.get(1).uploadRaw(token, "during-outage.mp4", shortClip);
        finding("upload while MongoDB is unreachable", "503", String.valueOf(duringOutage.statusCode()),
                duringOutage.statusCode() == 503);
        Thread.sleep(MONGO_OUTAGE.toMillis());
        pipeline.mongoProxy.start();
        act("MongoDB reachable again", "");

        submit(GOOD_JOBS - 33, shortClip, "DONE");
        submit(2, broken, "FAILED");
    }

    private void checkOutcome() throws Exception {
        MongoCollection<Document> jobs = db().getCollection("jobs");
        boolean allEnded = awaitTrue("every job ended", Duration.ofMinutes(8), () -> expectedEnd.keySet().stream()
                .allMatch(id -> Set.of("DONE", "FAILED").contains(status(jobs, id))));
        Map<String, String> ended = expectedEnd.keySet().stream().collect(Collectors.toMap(id -> id, id -> status(jobs, id)));
        long wrong = expectedEnd.entrySet().stream().filter(e -> !e.getValue().equals(ended.get(e.getKey()))).count();
        finding("jobs ended as expected", expectedEnd.size() + " (" + count("DONE") + " DONE, " + count("FAILED") + " FAILED)",
                (expectedEnd.size() - wrong) + (allEnded ? "" : " (timed out)"), wrong == 0);

        MongoCollection<Document> mp3s = db().getCollection("mp3s.files");
        long jobsWithOneMp3 = expectedEnd.entrySet().stream().filter(e -> mp3s.countDocuments(Filters.eq("metadata.jobId", e.getKey()))
                == (e.getValue().equals("DONE") ? 1 : 0)).count();
        finding("one MP3 per DONE job, none per FAILED", String.valueOf(expectedEnd.size()), String.valueOf(jobsWithOneMp3),
                jobsWithOneMp3 == expectedEnd.size());
        finding("MP3 files in all", String.valueOf(count("DONE")), String.valueOf(mp3s.countDocuments()),
                mp3s.countDocuments() == count("DONE"));

        awaitTrue("an email per job", Duration.ofSeconds(120), () -> mailCount() >= expectedEnd.size());
        Thread.sleep(3000); // duplicates, if any, come right after
        MimeMessage[] mails = pipeline.smtp.getReceivedMessagesForDomain(EMAIL);
        Map<String, Long> mailsPerJob = Stream.of(mails).collect(Collectors.groupingBy(FaultSuiteTest::jobOf, Collectors.counting()));
        long contradictory = Stream.of(mails).filter(mail -> !kindOf(mail).equals(expectedEnd.getOrDefault(jobOf(mail), "?"))).count();
        finding("emails that contradict their job's end (DONE mail for a failed job, or the reverse)", "0",
                String.valueOf(contradictory), contradictory == 0);
        long jobsMailedOnce = expectedEnd.keySet().stream().filter(id -> mailsPerJob.getOrDefault(id, 0L) == 1
                || mailsPerJob.getOrDefault(id, 0L) == 2 && acceptedButUnrecorded.contains(id)).count();
        long resent = acceptedButUnrecorded.stream().filter(id -> mailsPerJob.getOrDefault(id, 0L) == 2).count();
        long emails = mailsPerJob.values().stream().mapToLong(Long::longValue).sum();
        finding("one email per job (two if SMTP took it as the notifier died)", String.valueOf(expectedEnd.size()),
                jobsMailedOnce + " (" + emails + " emails, " + resent + " resent)",
                jobsMailedOnce == expectedEnd.size() && emails == expectedEnd.size() + resent);

        boolean noOrphans = awaitTrue("no orphan chunks", Duration.ofSeconds(40),
                () -> orphanChunkFiles("videos") + orphanChunkFiles("mp3s") == 0);
        finding("orphan GridFS chunks (swept after a grace)", "0", (orphanChunkFiles("videos") + orphanChunkFiles("mp3s")) + "",
                noOrphans);
        long videosKept = db().getCollection("videos.files").countDocuments();
        finding("source videos kept after the jobs ended", "0", String.valueOf(videosKept), videosKept == 0);

        long tempFiles = 0;
        for (Path workDir : pipeline.converterWorkDirs) {
            try (Stream<Path> files = Files.exists(workDir) ? Files.list(workDir) : Stream.empty()) {
                tempFiles += files.count();
            }
        }
        finding("converter temp files left", "0", String.valueOf(tempFiles), tempFiles == 0);

        List<String> deadLetters = pipeline.deadLetters();
        finding("messages dead-lettered", "0", deadLetters.size() + (deadLetters.isEmpty() ? "" : ": " + deadLetters),
                deadLetters.isEmpty());

        // The broker closes a channel that settles a delivery tag it never gave out: the sign of a delivery from
        // before a reconnect acked or rejected on the new channel, where the same tag may name another message.
        long staleSettlements = pipeline.all().stream().mapToLong(service -> service.wholeLog().lines()
                .filter(line -> line.contains("PRECONDITION_FAILED - unknown delivery tag")).count()).sum();
        finding("deliveries settled on a channel they did not come on (broker: unknown delivery tag)", "0",
                String.valueOf(staleSettlements), staleSettlements == 0);

        finding("ffmpeg processes at once in one converter (sampled every 0.1 s), broker restart included", "<= " + WORKERS,
                String.valueOf(mostFfmpegsAtOnce.get()), mostFfmpegsAtOnce.get() <= WORKERS);

        List<String> unhealthy = pipeline.all().stream().filter(service -> !service.healthy("ready")).map(service -> service.name).toList();
        String all = "all " + pipeline.all().size();
        finding("services ready at the end", all, unhealthy.isEmpty() ? all : "not ready: " + unhealthy, unhealthy.isEmpty());
        HttpResponse<String> afterwards = gateways.get(0).uploadRaw(token, "afterwards.mp4", Media.mp4(20));
        finding("a new upload afterwards", "202", String.valueOf(afterwards.statusCode()), afterwards.statusCode() == 202);

        assertThat(findings.render()).doesNotContain("| no");
    }

    // ---------------------------------------------------------------------------------------------

    /** Each job a video of its own, so every one is converted (an identical one would be answered from an earlier MP3). */
    private void submit(int jobs, Path video, String expected) throws java.io.IOException {
        for (int i = 0; i < jobs; i++) {
            Api gateway = gateways.get(expectedEnd.size() % gateways.size()); // alternately to each gateway
            int n = expectedEnd.size() + 1;
            HttpResponse<String> upload = gateway.uploadRaw(token, "clip-" + n + ".mp4", Media.distinct(video, n));
            expectedEnd.put(Api.jobId(upload), expected);
        }
        act("uploaded " + jobs + " " + video.getFileName(), "expected " + expected + "; " + expectedEnd.size() + " jobs so far");
    }

    /** SIGKILL once the converter holds a live lease: its jobs must be taken over once the leases run out. */
    private void killConverterHoldingALease(ServiceProcess converter) throws Exception {
        MongoCollection<Document> conversions = db().getCollection("conversions");
        var heldByIt = Filters.and(Filters.regex("holder", "/" + converter.pid() + "#"), Filters.gt("expiresAt", new java.util.Date()));
        awaitTrue(converter.name + " holding a lease", Duration.ofSeconds(120), () -> conversions.countDocuments(heldByIt) > 0);
        long held = conversions.countDocuments(heldByIt);
        converter.kill();
        act("SIGKILL " + converter.name, "while it held the lease on " + held + " job(s)");
        restart(converter);
    }

    /** SIGTERM, as a rolling update sends: the jobs in hand finish (or go back), then the process exits. */
    private void stopConverterMidConversion() throws Exception {
        ServiceProcess converter = pipeline.service(Pipeline.CONVERTER);
        awaitTrue("the restarted converter converting", Duration.ofSeconds(120), () -> converter.logSinceStart().contains(": converting"));
        long begin = System.nanoTime();
        converter.stop();
        double seconds = (System.nanoTime() - begin) / 1e9;
        String drained = converter.logSinceStart().lines().filter(line -> line.contains("Shutting down")).findFirst()
                .map(line -> line.substring(line.indexOf("waiting"))).orElse("no job in hand");
        act("SIGTERM " + converter.name, String.format("exited after %.1f s (%s)", seconds, drained));
        finding("converter exits on SIGTERM within its 20 s grace", "< 20 s", String.format("%.1f s", seconds), seconds < 20);
        restart(converter);
    }

    private void restart(ServiceProcess service) throws Exception {
        long begin = System.nanoTime();
        service.start();
        service.awaitReady(Duration.ofSeconds(180));
        act(service.name + " started again", String.format("ready after %.1f s", (System.nanoTime() - begin) / 1e9));
    }

    private void countFfmpegs() {
        for (ServiceProcess converter : pipeline.replicas(Pipeline.CONVERTER)) {
            if (converter.alive()) {
                long ffmpegs = ProcessHandle.of(converter.pid()).stream().flatMap(ProcessHandle::children)
                        .filter(child -> child.info().command().orElse("").contains("ffmpeg")).count();
                mostFfmpegsAtOnce.accumulateAndGet(ffmpegs, Math::max);
            }
        }
    }

    private void rabbitmqctl(String command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("rabbitmqctl", command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("rabbitmqctl " + command + " failed: " + output);
        }
    }

    private boolean awaitTrue(String what, Duration timeout, BooleanSupplier condition) {
        try {
            await(what).atMost(timeout).pollInterval(Duration.ofMillis(100)).until(condition::getAsBoolean);
            return true;
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            act("gave up waiting", what + " (" + timeout.toSeconds() + " s)");
            return false;
        }
    }

    private void act(String action, String detail) {
        actions.row(String.format("%6.1f", (System.nanoTime() - startedAt) / 1e9), action, detail);
    }

    private void finding(String check, String expected, String found, boolean ok) {
        findings.row(check, expected, found, ok ? "yes" : "no");
    }

    private long count(String status) {
        return expectedEnd.values().stream().filter(status::equals).count();
    }

    /** The notifier's record of this job's email still says SENDING (claimed, not recorded as sent). */
    private boolean emailStillClaimed(String jobId) {
        return db().getCollection("sent_notifications").countDocuments(Filters.and(
                Filters.eq("_id", jobId), Filters.eq("state", "SENDING"))) > 0;
    }

    private int mailCount() {
        return pipeline.smtp.getReceivedMessagesForDomain(EMAIL).length;
    }

    private MongoDatabase db() {
        return pipeline.mongo();
    }

    private static String status(MongoCollection<Document> jobs, String id) {
        Document job = jobs.find(Filters.eq("_id", id)).first();
        return job == null ? "MISSING" : job.getString("status");
    }

    /** Files whose chunks exist without a files document. */
    private long orphanChunkFiles(String bucket) {
        Set<BsonValue> files = new HashSet<>();
        db().getCollection(bucket + ".files").distinct("_id", BsonValue.class).forEach(files::add);
        Set<BsonValue> chunkOwners = new HashSet<>();
        db().getCollection(bucket + ".chunks").distinct("files_id", BsonValue.class).forEach(chunkOwners::add);
        chunkOwners.removeAll(files);
        return chunkOwners.size();
    }

    /** DONE or FAILED, from the subject. */
    private static String kindOf(MimeMessage mail) {
        try {
            return mail.getSubject().startsWith("Your MP3 is ready") ? "DONE" : "FAILED";
        } catch (Exception e) {
            return "unknown";
        }
    }

    /** The notifier's Message-ID is <jobId.kind@mp3converter>. */
    private static String jobOf(MimeMessage mail) {
        try {
            String id = mail.getMessageID();
            return id.substring(1, id.indexOf('.'));
        } catch (Exception e) {
            return "unknown";
        }
    }
}
