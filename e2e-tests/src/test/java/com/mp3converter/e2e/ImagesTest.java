package com.mp3converter.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.mp3converter.devinfra.EmbeddedMongoProcess;
import com.mp3converter.infra.Kustomization;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import ws.schild.jave.info.MultimediaInfo;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * The images {@code kubectl apply -k} deploys, run as containers with the settings of the rendered minikube
 * overlay (see {@link ManifestContainer}), carrying the course's curl walk-through. The infrastructure is this
 * machine's MariaDB and RabbitMQ (under names of this run), the embedded MongoDB-protocol server, GreenMail and
 * an OTLP receiver. Run by {@code bin/image-check.sh}, which builds the images first.
 */
@EnabledIfSystemProperty(named = "image.check", matches = "true")
class ImagesTest {

    private static final List<String> SERVICES = List.of(Pipeline.AUTH, Pipeline.GATEWAY, Pipeline.CONVERTER, Pipeline.NOTIFICATION);
    private static final String RUN = "images";
    private static final Path DIR = Path.of("target", "e2e", RUN).toAbsolutePath();
    private static final String AUTH_DATABASE = "auth_image_check";
    private static final String EXCHANGE = "image-check";
    private static final Map<String, String> QUEUES = Map.of("CONVERTER_QUEUE", "image-check.converter.requests",
            "GATEWAY_EVENTS_QUEUE", "image-check.gateway.job-events", "NOTIFICATION_QUEUE", "image-check.notification.job-finished",
            "NOTIFICATION_VERIFIED_QUEUE", "image-check.notification.email-verified");

    private static final Report REPORT = new Report("Images as containers, with the manifests' settings", "check", "result");
    private static final Map<String, ManifestContainer> CONTAINERS = new LinkedHashMap<>();
    private static GreenMail smtp;
    private static EmbeddedMongoProcess mongo;
    private static OtlpReceiver traces;

    @BeforeAll
    static void startContainers() throws Exception {
        Pipeline.deleteRecursively(DIR);
        Files.createDirectories(DIR);
        ManifestContainer.Docker.removeLeftovers();
        List<ObjectNode> rendered = Kustomization.build(Path.of("..", "infra", "k8s", "overlays", "minikube"));

        smtp = new GreenMail(new ServerSetup(Pipeline.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        mongo = EmbeddedMongoProcess.start();
        traces = OtlpReceiver.start();
        Pipeline.freshAuthDatabase(AUTH_DATABASE);
        deleteBrokerObjects();

        // Where this machine's infrastructure differs from the cluster's Services (same names, same ports otherwise).
        Map<String, String> infra = Map.of(
                "MONGODB_URI", mongo.uri(),
                "RABBITMQ_USER", System.getenv().getOrDefault("RABBITMQ_USER", "guest"),
                "RABBITMQ_PASSWORD", System.getenv().getOrDefault("RABBITMQ_PASSWORD", "guest"),
                "SMTP_HOST", "127.0.0.1",
                "SMTP_PORT", String.valueOf(smtp.getSmtp().getPort()),
                "OTEL_EXPORTER_OTLP_ENDPOINT", traces.endpoint());
        Map<String, String> additions = new LinkedHashMap<>(QUEUES);
        additions.put("RABBITMQ_EXCHANGE", EXCHANGE);
        additions.put("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"); // the receiver here speaks OTLP/HTTP, Jaeger gRPC

        for (String service : SERVICES) {
            ManifestContainer container = new ManifestContainer(rendered, service, infra,
                    service.equals(Pipeline.AUTH) ? withDatabase(additions) : additions, DIR, RUN);
            try (ServerSocket probe = new ServerSocket(container.port)) {
                // free: the container listens on the manifest's port on this host
            } catch (java.io.IOException e) {
                throw new IllegalStateException("port " + container.port + " (" + service + ") is taken on this machine; "
                        + "stop what uses it (./run.sh?) and run the check again");
            }
            CONTAINERS.put(service, container);
            System.out.println("docker run -d " + container.describe());
            container.start();
        }
        for (ManifestContainer container : CONTAINERS.values()) {
            String ready = container.probes.get("readinessProbe");
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
                    .failFast(() -> !container.state().startsWith("running"))
                    .until(() -> container.healthy(ready));
        }
    }

    @AfterAll
    static void stopContainers() throws Exception {
        try {
            for (ManifestContainer container : CONTAINERS.values()) {
                container.stopAndRemove(20);
            }
        } finally {
            ManifestContainer.Docker.removeLeftovers();
            if (traces != null) {
                traces.closeInto(DIR.resolve("spans.txt"));
            }
            if (mongo != null) {
                mongo.close();
            }
            if (smtp != null) {
                smtp.stop();
            }
            deleteBrokerObjects();
            Pipeline.dropDatabase(AUTH_DATABASE);
            System.out.println(REPORT.render());
            System.out.println("Container logs: " + DIR);
        }
    }

    @Test
    void theCourseWalkThroughRunsOnTheImagesWithTheManifestsSettings() throws Exception {
        ManifestContainer gatewayContainer = CONTAINERS.get(Pipeline.GATEWAY);
        ManifestContainer converter = CONTAINERS.get(Pipeline.CONVERTER);
        Api api = new Api(java.net.URI.create("http://127.0.0.1:" + gatewayContainer.port));
        String email = CONTAINERS.get(Pipeline.AUTH).env.get("DEMO_EMAIL");
        String password = CONTAINERS.get(Pipeline.AUTH).env.get("DEMO_PASSWORD");

        // curl -X POST -u demo@...:password $G/login
        HttpResponse<String> login = api.login(email, password);
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        String token = login.body().trim();
        REPORT.row("login as the manifests' demo user", login.statusCode());
        // The address is verified as its emailed link would be (the notifier mails job results to verified addresses only).
        api.verifyEmail(email, CONTAINERS.get(Pipeline.GATEWAY).env.get("DOWNLOAD_LINK_KEY"));

        // curl -X POST -F 'file=@video.mp4' -H "Authorization: Bearer $TOKEN" $G/upload, ffmpeg watched from the host
        Set<String> ffmpegProcesses = ConcurrentHashMap.newKeySet();
        AtomicBoolean watching = new AtomicBoolean(true);
        AtomicReference<Exception> watchFailure = new AtomicReference<>();
        Thread watcher = new Thread(() -> {
            try {
                while (watching.get()) {
                    converter.processes().stream().filter(p -> p.contains("ffmpeg")).forEach(ffmpegProcesses::add);
                }
            } catch (Exception e) {
                watchFailure.set(e);
            }
        });
        watcher.start();
        double seconds = 30;
        HttpResponse<String> upload = api.uploadMultipart(token, "video.mp4", Files.readAllBytes(Media.mp4(seconds)), Map.of());
        String jobId = Api.jobId(upload);
        JsonNode done = api.awaitEnd(token, jobId, Duration.ofSeconds(120));
        watching.set(false);
        watcher.join();
        assertThat(watchFailure.get()).as("watching the converter's processes").isNull();
        assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("DONE");
        REPORT.row("upload " + (int) seconds + " s MP4 (multipart), job ends", done.path("status").asText());

        Pattern ffmpegOfThePod = Pattern.compile("\\d+\\s+" + converter.runAsUser + "\\s+(/tmp/\\S*ffmpeg\\S*)\\s.*");
        String ffmpeg = ffmpegProcesses.stream().map(ffmpegOfThePod::matcher).filter(Matcher::matches).map(m -> m.group(1))
                .findFirst().orElse(null);
        assertThat(ffmpeg).as("ffmpeg ran inside the converter container, as the pod's user, unpacked under /tmp: " + ffmpegProcesses)
                .isNotNull();
        REPORT.row("ffmpeg inside the converter container", "uid " + converter.runAsUser + " " + ffmpeg);

        String mp3Id = done.path("mp3Id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> smtp.getReceivedMessagesForDomain(email).length >= 1);
        Thread.sleep(2000); // a duplicate would arrive within this time
        MimeMessage[] mails = smtp.getReceivedMessagesForDomain(email);
        assertThat(mails).as("exactly one email").hasSize(1);
        assertThat(mails[0].getSubject()).isEqualTo("Your MP3 is ready: video.mp4");
        assertThat(TestMail.text(mails[0])).contains("/download?fid=" + mp3Id);
        REPORT.row("emails for the job", mails.length + ", subject \"" + mails[0].getSubject() + "\"");

        // The mailed one-click link (the notifier signs, the gateway checks: the overlay's shared Secret), without a token.
        Matcher link = Pattern.compile("/links/\\S+").matcher(TestMail.text(mails[0]));
        assertThat(link.find()).as(TestMail.text(mails[0])).isTrue();
        Path clicked = DIR.resolve("clicked.mp3");
        int clickedStatus = api.download(null, link.group(), clicked).statusCode();
        assertThat(clickedStatus).isEqualTo(200);
        assertThat(Media.probe(clicked).getFormat()).isEqualTo("mp3");
        REPORT.row("the email's one-click link, no token", clickedStatus + ", mp3");

        // curl --output song.mp3 -H "Authorization: Bearer $TOKEN" "$G/download?fid=MP3_ID"
        Path mp3 = DIR.resolve("song.mp3");
        HttpResponse<Path> download = api.download(token, "/download?fid=" + mp3Id, mp3);
        assertThat(download.statusCode()).isEqualTo(200);
        MultimediaInfo info = Media.probe(mp3);
        assertThat(info.getFormat()).isEqualTo("mp3");
        assertThat(info.getDuration() / 1000.0).isCloseTo(seconds, within(0.5));
        REPORT.row("download", download.statusCode() + ", " + info.getFormat() + ", " + info.getDuration() / 1000.0 + " s, "
                + Files.size(mp3) + " bytes");

        // Signed up and in, not verified (tokenFor would verify with the suites' key, not the manifests'): it gets no email.
        assertThat(api.register("second.user@image-check.example", "a long enough password").statusCode()).isEqualTo(201);
        String stranger = api.login("second.user@image-check.example", "a long enough password").body().trim();
        int strangerStatus = api.get(stranger, "/download?fid=" + mp3Id).statusCode();
        assertThat(strangerStatus).as("another user's download").isEqualTo(404);
        REPORT.row("a second user downloads it", strangerStatus);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(traces.spansOf(done.path("traceId").asText()))
                .extracting(OtlpReceiver.ReceivedSpan::service).contains(Pipeline.GATEWAY, Pipeline.CONVERTER, Pipeline.NOTIFICATION));
        REPORT.row("the upload's trace", "spans from gateway, converter and notifier");

        for (ManifestContainer container : CONTAINERS.values()) {
            for (var probe : container.probes.entrySet()) {
                assertThat(container.healthy(probe.getValue())).as(container.service + " " + probe).isTrue();
            }
            String logs = container.logs();
            assertThat(logs).as(container.service + ": the launcher read the JVM options")
                    .contains("Picked up JDK_JAVA_OPTIONS: " + container.env.get("JDK_JAVA_OPTIONS"));
            long heap = maxHeap(container);
            assertThat((double) heap / container.memoryLimitBytes).as(container.service + ": heap sized by MaxRAMPercentage=70 of the limit")
                    .isBetween(0.60, 0.71);
            assertThat(container.state()).startsWith("running").contains("oom=false");
            assertThat(container.applied()).isEqualTo("user=" + container.runAsUser + " readOnly=true capDrop=[ALL] "
                    + "securityOpt=[no-new-privileges] memory=" + container.memoryLimitBytes + " nanoCpus="
                    + Math.round(Double.parseDouble(container.cpuLimit) * 1e9));
            REPORT.row(container.service, container.probes.keySet() + " 200; user " + container.runAsUser
                    + ", read-only root, capabilities dropped; heap max " + heap / (1 << 20) + " MiB, using "
                    + container.memoryUsage() + ", " + container.cpuLimit + " CPU");
        }
    }

    /** The sum of the heap pools' maxima, as the service's own metrics report them. */
    private static long maxHeap(ManifestContainer container) {
        Api api = new Api(java.net.URI.create("http://127.0.0.1:" + container.port));
        String metrics = api.get(null, "/q/metrics").body();
        Matcher pool = Pattern.compile("(?m)^jvm_memory_max_bytes\\{area=\"heap\",id=\"[^\"]+\"} (\\S+)$").matcher(metrics);
        long sum = 0;
        while (pool.find()) {
            sum += Math.max(0, (long) Double.parseDouble(pool.group(1)));
        }
        assertThat(sum).as(container.service + " heap metrics").isPositive();
        return sum;
    }

    private static Map<String, String> withDatabase(Map<String, String> additions) {
        Map<String, String> auth = new LinkedHashMap<>(additions);
        auth.put("AUTH_DB_URL", Pipeline.jdbcUrl(AUTH_DATABASE));
        return auth;
    }

    private static void deleteBrokerObjects() throws Exception {
        List<String> queues = new ArrayList<>(Pipeline.retryQueues(QUEUES.get("CONVERTER_QUEUE"), Duration.ofMinutes(1)));
        QUEUES.values().forEach(queue -> queues.addAll(List.of(queue, queue + ".dlq")));
        Pipeline.deleteBrokerObjects(EXCHANGE, queues);
    }
}
