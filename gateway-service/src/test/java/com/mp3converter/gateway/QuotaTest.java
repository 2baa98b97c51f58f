package com.mp3converter.gateway;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static com.mp3converter.gateway.GatewayTest.uniqueFakeMp4;
import static com.mp3converter.gateway.GatewayTest.uploadMultipart;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

/** Per-user limits, set low here: each refusal names its limit, and one user's usage never limits another. */
@QuarkusTest
@TestProfile(QuotaTest.LowQuotas.class)
@QuarkusTestResource(value = GatewayInfra.class, restrictToAnnotatedClass = true)
class QuotaTest {

    public static class LowQuotas implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.quota.stored-bytes", "1000000", "gateway.quota.active-jobs", "2",
                    "gateway.quota.uploads-per-hour", "4");
        }
    }

    private static String newUser() {
        return GatewayInfra.token(Map.of("sub", "quota-" + UUID.randomUUID()));
    }

    @Test
    void usageShowsEachLimitAndWhatTheUserUsesOfIt() {
        String token = newUser();
        given().auth().oauth2(token).get("/users/me/usage").then().statusCode(200)
                .body("storedBytes.max", equalTo(1_000_000)).body("storedBytes.used", equalTo(0))
                .body("activeJobs.max", equalTo(2)).body("uploadsPerHour.max", equalTo(4));
        uploadMultipart(token, uniqueFakeMp4(300_000), "a.mp4").then().statusCode(202);
        given().auth().oauth2(token).get("/users/me/usage").then().statusCode(200)
                .body("storedBytes.used", equalTo(300_000)).body("activeJobs.used", equalTo(1)).body("uploadsPerHour.used", equalTo(1));
        given().get("/users/me/usage").then().statusCode(401);
    }

    @Test
    void tooManyJobsWaitingGets429WithRetryAfterAndAnotherUserIsNotLimited() throws Exception {
        String token = newUser();
        uploadMultipart(token, uniqueFakeMp4(100_000), "1.mp4").then().statusCode(202);
        String second = uploadMultipart(token, uniqueFakeMp4(100_000), "2.mp4").then().statusCode(202).extract().path("jobId");
        Response third = uploadMultipart(token, uniqueFakeMp4(100_000), "3.mp4");
        third.then().statusCode(429).header("Retry-After", notNullValue())
                .body("limit.name", equalTo("activeJobs")).body("limit.max", equalTo(2)).body("limit.used", equalTo(2))
                .body("error", containsString("waiting or converting"));
        uploadMultipart(newUser(), uniqueFakeMp4(100_000), "theirs.mp4").then().statusCode(202);

        GatewayInfra.publishEvent("{\"jobId\":\"" + second + "\",\"type\":\"FAILED\",\"reason\":\"x\"}");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
                uploadMultipart(token, uniqueFakeMp4(100_000), "4.mp4").then().statusCode(202));
    }

    @Test
    void theHourlyUploadLimitCountsUploadsStartedEvenOfDeletedJobs() throws Exception {
        String token = newUser();
        for (int i = 0; i < 4; i++) {
            String jobId = uploadMultipart(token, uniqueFakeMp4(50_000), i + ".mp4").then().statusCode(202).extract().path("jobId");
            given().auth().oauth2(token).delete("/jobs/" + jobId).then().statusCode(204);
        }
        Response fifth = uploadMultipart(token, uniqueFakeMp4(50_000), "5.mp4");
        fifth.then().statusCode(429).body("limit.name", equalTo("uploadsPerHour")).body("limit.used", equalTo(4));
        long retryAfter = Long.parseLong(fifth.header("Retry-After"));
        assertThat(retryAfter).as("until the oldest upload leaves the hour").isBetween(3500L, 3600L);
    }

    @Test
    void anUploadThatWouldPassTheStorageLimitGets413MidStreamAndNothingIsKept() {
        String token = newUser();
        uploadMultipart(token, uniqueFakeMp4(700_000), "big.mp4").then().statusCode(202);
        Response over = uploadMultipart(token, uniqueFakeMp4(400_000), "too much.mp4");
        over.then().statusCode(413).body("limit.name", equalTo("storedBytes")).body("limit.max", equalTo(1_000_000));
        assertThat(GatewayInfra.db().getCollection("videos.files")
                .countDocuments(com.mongodb.client.model.Filters.eq("metadata.originalFilename", "too much.mp4")))
                .as("nothing kept of the refused upload").isZero();
        given().auth().oauth2(token).get("/users/me/usage").then().body("storedBytes.used", equalTo(700_000));
    }
}
