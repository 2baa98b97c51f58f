package com.mp3converter.gateway;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.mp3converter.gateway.GatewayTest.uniqueFakeMp4;
import static com.mp3converter.gateway.GatewayTest.uploadMultipart;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/** One user's backlog waits in the gateway; the converters' queue holds at most two of theirs at a time. */
@QuarkusTest
@TestProfile(FairnessTest.ShareOfTwo.class)
@QuarkusTestResource(value = GatewayInfra.class, restrictToAnnotatedClass = true)
class FairnessTest {

    public static class ShareOfTwo implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.fairness.conversions-per-user", "2");
        }
    }

    @BeforeEach
    void emptyQueue() throws Exception {
        GatewayInfra.drainRequests();
    }

    @Test
    void aBacklogGoesToTheConvertersTwoAtATimeAndAnotherUsersJobIsQueuedAtOnce() throws Exception {
        String alice = GatewayInfra.token(Map.of("sub", "alice-" + UUID.randomUUID()));
        List<String> backlog = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            backlog.add(uploadMultipart(alice, uniqueFakeMp4(50_000), "a" + i + ".mp4").then().statusCode(202)
                    .body("status", equalTo("QUEUED")).extract().path("jobId"));
        }
        List<String> queued = requestsFor(backlog, 2);
        assertThat(queued).as("the two oldest").containsExactly(backlog.get(0), backlog.get(1));
        Thread.sleep(1500); // the sweeper runs every second here: it must keep the rest back too
        assertThat(jobIds(GatewayInfra.drainRequests())).as("nothing more of hers").isEmpty();

        String bob = GatewayInfra.token(Map.of("sub", "bob-" + UUID.randomUUID()));
        String bobsJob = uploadMultipart(bob, uniqueFakeMp4(50_000), "b.mp4").then().statusCode(202).extract().path("jobId");
        assertThat(requestsFor(List.of(bobsJob), 1)).as("his job goes straight to the converters").containsExactly(bobsJob);

        GatewayInfra.publishEvent("{\"jobId\":\"" + backlog.get(0) + "\",\"type\":\"DONE\",\"mp3Id\":\""
                + new ObjectId().toHexString() + "\",\"mp3Size\":3,\"durationSeconds\":1}");
        assertThat(requestsFor(backlog, 1)).as("one ended, her next one goes").containsExactly(backlog.get(2));
        GatewayInfra.publishEvent("{\"jobId\":\"" + backlog.get(1) + "\",\"type\":\"FAILED\",\"reason\":\"x\"}");
        assertThat(requestsFor(backlog, 1)).containsExactly(backlog.get(3));
        given().auth().oauth2(alice).get("/jobs/" + backlog.get(5)).then().body("status", equalTo("QUEUED"))
                .body("queuePosition", org.hamcrest.Matchers.greaterThanOrEqualTo(3));
    }

    /** The job ids of the conversion requests published for these jobs, in order, once {@code count} have come. */
    private static List<String> requestsFor(List<String> jobIds, int count) {
        List<String> found = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            jobIds(GatewayInfra.drainRequests()).stream().filter(jobIds::contains).forEach(found::add);
            return found.size() >= count;
        });
        return found;
    }

    private static List<String> jobIds(List<String> requests) throws Exception {
        List<String> ids = new ArrayList<>();
        for (String request : requests) {
            ids.add(GatewayTest.JSON.readTree(request).path("jobId").asText());
        }
        return ids;
    }
}
