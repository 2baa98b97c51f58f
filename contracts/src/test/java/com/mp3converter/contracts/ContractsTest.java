package com.mp3converter.contracts;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The JSON the services exchange: its field names are a contract between separately deployed versions. */
class ContractsTest {

    /** Fails on unknown properties unless a record says otherwise, so the annotations are what is tested. */
    private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private static final ConversionOptions OPTIONS = new ConversionOptions(192, null, 44100, 2, 1.5, 30.0);
    private static final ConversionRequest REQUEST = new ConversionRequest("job-1", "video-1", "mov", "user-1",
            "user@example.com", "clip.mp4", OPTIONS, Instant.parse("2026-12-01T10:00:00Z"));

    @Test
    void conversionRequestKeepsItsFieldNames() throws Exception {
        JsonNode json = JSON.valueToTree(REQUEST);
        assertThat(fieldNames(json)).containsExactly("jobId", "videoId", "container", "owner", "ownerEmail",
                "originalFilename", "options", "requestedAt");
        assertThat(fieldNames(json.get("options"))).containsExactly("bitrateKbps", "sampleRate", "channels",
                "startSeconds", "endSeconds");
    }

    @Test
    void jobEventKeepsItsFieldNamesAndLeavesOutWhatIsUnset() throws Exception {
        JobEvent done = JobEvent.of(REQUEST, JobEvent.Type.DONE).withMp3("mp3-1", 2048, 28.5);
        assertThat(fieldNames(JSON.valueToTree(done))).containsExactly("jobId", "type", "owner", "ownerEmail",
                "originalFilename", "progress", "mp3Id", "mp3Size", "durationSeconds", "occurredAt");
        JobEvent failed = JobEvent.of(REQUEST, JobEvent.Type.FAILED).withReason("no audio");
        assertThat(fieldNames(JSON.valueToTree(failed))).contains("reason").doesNotContain("mp3Id", "progress");
    }

    @Test
    void messagesRoundTrip() throws Exception {
        assertThat(JSON.readValue(JSON.writeValueAsBytes(REQUEST), ConversionRequest.class)).isEqualTo(REQUEST);
        JobEvent event = JobEvent.of(REQUEST, JobEvent.Type.PROGRESS).withProgress(40);
        assertThat(JSON.readValue(JSON.writeValueAsBytes(event), JobEvent.class)).isEqualTo(event);
    }

    @Test
    void aNewerProducersExtraFieldsAreIgnored() throws Exception {
        String request = """
                {"jobId":"j","videoId":"v","container":"mov","priority":7,"options":{"vbrQuality":0,"loudnorm":true}}""";
        assertThat(JSON.readValue(request, ConversionRequest.class).optionsOrDefaults().vbrQuality()).isZero();
        String event = """
                {"jobId":"j","type":"DONE","mp3Id":"m","traceId":"abc","waveform":[1,2]}""";
        assertThat(JSON.readValue(event, JobEvent.class).mp3Id()).isEqualTo("m");
    }

    @Test
    void eventsAreRoutedByTheirType() {
        assertThat(JobEvent.of(REQUEST, JobEvent.Type.DONE).routingKey()).isEqualTo("conversion.event.done");
        assertThat(Topology.eventKey(JobEvent.Type.PROGRESS)).isEqualTo("conversion.event.progress");
    }

    @Test
    void anMp3IsNamedAfterTheUpload() {
        assertThat(Mp3Names.of("holiday.final.mp4")).isEqualTo("holiday.final.mp3");
        assertThat(Mp3Names.of(".hidden")).isEqualTo(".hidden.mp3");
        assertThat(Mp3Names.of("noext")).isEqualTo("noext.mp3");
        assertThat(Mp3Names.of(" ")).isEqualTo("audio.mp3");
        assertThat(Mp3Names.of(null)).isEqualTo("audio.mp3");
    }

    @Test
    void optionsDescribeTheirBitrate() {
        assertThat(OPTIONS.bitrateLabel()).isEqualTo("192k");
        assertThat(ConversionOptions.DEFAULTS.bitrateLabel()).isEqualTo("V2");
        assertThat(new ConversionOptions(null, 0, null, null, null, null).bitrateLabel()).isEqualTo("V0");
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
