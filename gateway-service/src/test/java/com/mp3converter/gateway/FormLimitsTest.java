package com.mp3converter.gateway;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static com.mp3converter.gateway.GatewayTest.uniqueFakeMp4;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

/**
 * A multipart upload's form fields are bounded in number, each and in total (application.properties: 32 fields,
 * 8192 bytes each, 32768 together): past a bound the answer is 413 naming the limit, and nothing is kept.
 */
@QuarkusTest
@QuarkusTestResource(value = GatewayInfra.class, restrictToAnnotatedClass = true)
class FormLimitsTest {

    @Test
    void moreFieldsThanTheLimitGet413NamingItAndNothingIsKept() {
        String owner = "forms-" + UUID.randomUUID();
        RequestSpecification request = upload(owner);
        for (int i = 0; i < 33; i++) {
            request.multiPart("unknown" + i, "x");
        }
        request.multiPart("file", "a.mp4", uniqueFakeMp4(20_000), "video/mp4").post("/upload").then().statusCode(413)
                .body("limit.name", equalTo("formFields")).body("limit.max", equalTo(32)).body("limit.used", greaterThan(32));
        assertNothingKept(owner);
    }

    @Test
    void fieldsPastTheLimitAfterTheFileAbortItsUploadAndNothingIsKept() {
        String owner = "forms-" + UUID.randomUUID();
        RequestSpecification request = upload(owner).multiPart("file", "a.mp4", uniqueFakeMp4(600_000), "video/mp4");
        for (int i = 0; i < 40; i++) {
            request.multiPart("after" + i, "x");
        }
        request.post("/upload").then().statusCode(413).body("limit.name", equalTo("formFields"));
        assertNothingKept(owner);
    }

    @Test
    void aFieldLongerThanTheLimitGets413NamingIt() {
        String owner = "forms-" + UUID.randomUUID();
        upload(owner).multiPart("file", "a.mp4", uniqueFakeMp4(20_000), "video/mp4").multiPart("bitrate", "1".repeat(8193))
                .post("/upload").then().statusCode(413).body("limit.name", equalTo("formFieldBytes")).body("limit.max", equalTo(8192));
        assertNothingKept(owner);
    }

    @Test
    void fieldsLongerTogetherThanTheLimitGet413NamingIt() {
        String owner = "forms-" + UUID.randomUUID();
        RequestSpecification request = upload(owner);
        for (int i = 0; i < 5; i++) {
            request.multiPart("same", "x".repeat(8000));
        }
        request.multiPart("file", "a.mp4", uniqueFakeMp4(20_000), "video/mp4").post("/upload").then().statusCode(413)
                .body("limit.name", equalTo("formFieldsBytes")).body("limit.max", equalTo(32768));
        assertNothingKept(owner);
    }

    @Test
    void fieldsWithinTheLimitsAreTakenAsOptions() {
        RequestSpecification request = upload("forms-" + UUID.randomUUID()).multiPart("bitrate", "192");
        for (int i = 0; i < 31; i++) {
            request.multiPart("unknown" + i, "x".repeat(1000));
        }
        request.multiPart("file", "a.mp4", uniqueFakeMp4(20_000), "video/mp4").post("/upload").then().statusCode(202)
                .body("options.bitrateKbps", equalTo(192));
    }

    private static RequestSpecification upload(String owner) {
        return given().auth().oauth2(GatewayInfra.token(Map.of("sub", owner)));
    }

    private static void assertNothingKept(String owner) {
        assertThat(GatewayInfra.db().getCollection("jobs").countDocuments(new org.bson.Document("owner", owner))).as("no job kept").isZero();
        assertThat(GatewayInfra.db().getCollection("videos.files").countDocuments(new org.bson.Document("metadata.owner", owner)))
                .as("no video kept").isZero();
    }
}
