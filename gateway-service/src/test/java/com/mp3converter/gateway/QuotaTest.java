package com.mp3converter.gateway;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

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

    @TestHTTPResource("/")
    URL base;

    @Test
    void parallelUploadsThatTogetherPassTheStorageLimitAreNotAllKept() throws Exception {
        String owner = "quota-" + UUID.randomUUID();
        String token = GatewayInfra.token(Map.of("sub", owner));
        CountDownLatch bothArriving = new CountDownLatch(1);
        HttpClient client = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> uploads = new ArrayList<>();
        for (int i = 0; i < 2; i++) { // 600 kB each, 1 MB allowed: one fits, not both
            byte[] video = uniqueFakeMp4(600_000);
            InputStream body = new SequenceInputStream(new ByteArrayInputStream(video, 0, 550_000), new InputStream() {
                private final InputStream rest = new ByteArrayInputStream(video, 550_000, 50_000);

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] buffer, int offset, int length) throws IOException {
                    try {
                        bothArriving.await(); // the rest only once both uploads are under way
                    } catch (InterruptedException e) {
                        throw new java.io.InterruptedIOException();
                    }
                    return rest.read(buffer, offset, length);
                }
            });
            uploads.add(client.sendAsync(HttpRequest.newBuilder(base.toURI().resolve("/videos/part" + i + ".mp4"))
                    .header("Authorization", "Bearer " + token).PUT(HttpRequest.BodyPublishers.ofInputStream(() -> body)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> GatewayInfra.db().getCollection("jobs")
                .countDocuments(com.mongodb.client.model.Filters.eq("owner", owner)) == 2);
        bothArriving.countDown();

        List<HttpResponse<String>> answers = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> upload : uploads) {
            answers.add(upload.get(30, TimeUnit.SECONDS));
        }
        assertThat(answers).extracting(HttpResponse::statusCode).as("at most one kept").contains(413);
        answers.stream().filter(answer -> answer.statusCode() == 413).forEach(refused -> assertThat(refused.body())
                .contains("\"name\":\"storedBytes\"").contains("\"max\":1000000"));
        long stored = given().auth().oauth2(token).get("/users/me/usage").then().extract().<Number>path("storedBytes.used").longValue();
        assertThat(stored).as("what is kept is within the limit").isLessThanOrEqualTo(1_000_000);
        assertThat(GatewayInfra.db().getCollection("arriving_bytes").countDocuments(com.mongodb.client.model.Filters.eq("owner", owner)))
                .as("nothing still counted as arriving").isZero();
    }
}
