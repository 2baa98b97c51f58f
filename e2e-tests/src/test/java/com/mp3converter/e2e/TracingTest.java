package com.mp3converter.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One job is one trace: a client that sends a W3C traceparent with its login and its upload finds every
 * service's spans under that trace id, linked parent to child across the broker both ways.
 */
@ExtendWith(SharedPipeline.class)
class TracingTest {

    @Test
    void oneUploadIsOneTraceAcrossAllFourServicesAndTheJobNamesIt(Pipeline pipeline) throws Exception {
        String traceId = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        Api api = pipeline.api().inTrace("00-" + traceId + "-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(8)) + "-01");
        String token = api.tokenFor("traced@e2e.example", "a long enough password");
        String jobId = Api.jobId(api.uploadRaw(token, "traced.mp4", Media.mp4(4)));
        JsonNode done = api.awaitEnd(token, jobId, Duration.ofSeconds(90));
        assertThat(done.path("status").asText()).isEqualTo("DONE");
        assertThat(done.path("traceId").asText()).as("the job JSON names its trace").isEqualTo(traceId);

        // Each service exports in batches, so a parent span (which ends last) may arrive after its children.
        List<String> expected = List.of(Pipeline.AUTH + " POST /login", Pipeline.GATEWAY + " process conversion.event.done",
                Pipeline.CONVERTER + " process conversion.requested", Pipeline.CONVERTER + " ffmpeg",
                Pipeline.NOTIFICATION + " process conversion.event.done", Pipeline.NOTIFICATION + " smtp send");
        await("the spans of all four services").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() ->
                pipeline.traces.spansOf(traceId).stream().map(s -> s.service() + " " + s.name()).collect(Collectors.toSet())
                        .containsAll(expected));
        List<OtlpReceiver.ReceivedSpan> spans = pipeline.traces.spansOf(traceId);
        Map<String, OtlpReceiver.ReceivedSpan> byId = spans.stream()
                .collect(Collectors.toMap(OtlpReceiver.ReceivedSpan::spanId, s -> s, (a, b) -> a));

        OtlpReceiver.ReceivedSpan conversion = one(spans, Pipeline.CONVERTER, "process conversion.requested");
        assertThat(conversion.attributes()).containsEntry("job.id", jobId);
        assertThat(byId.get(conversion.parentSpanId())).as("the converter's parent is the gateway's upload").isNotNull()
                .extracting(OtlpReceiver.ReceivedSpan::service).isEqualTo(Pipeline.GATEWAY);
        for (String handler : List.of(Pipeline.GATEWAY, Pipeline.NOTIFICATION)) {
            OtlpReceiver.ReceivedSpan handled = one(spans, handler, "process conversion.event.done");
            assertThat(byId.get(handled.parentSpanId())).as(handler + "'s parent is a converter span").isNotNull()
                    .extracting(OtlpReceiver.ReceivedSpan::service).isEqualTo(Pipeline.CONVERTER);
        }
        OtlpReceiver.ReceivedSpan ffmpeg = one(spans, Pipeline.CONVERTER, "ffmpeg");
        assertThat(Double.parseDouble(ffmpeg.attributes().get("media.seconds"))).isBetween(3.5, 4.5);
        assertThat(ffmpeg.attributes()).containsKey("ffmpeg.realtime_factor");
        assertThat(spans).anySatisfy(s -> assertThat(s.service() + " " + s.name()).isEqualTo(Pipeline.NOTIFICATION + " smtp send"));
        assertThat(spans).as("no span carries the user's email or token").allSatisfy(s ->
                assertThat(s.attributes().values()).noneMatch(v -> v.contains("traced@e2e.example") || v.contains(token)));
    }

    private static OtlpReceiver.ReceivedSpan one(List<OtlpReceiver.ReceivedSpan> spans, String service, String name) {
        return spans.stream().filter(s -> s.service().equals(service) && s.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no span '" + name + "' from " + service + " in " + spans));
    }
}
