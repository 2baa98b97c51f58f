package com.mp3converter.gateway.rest;

import com.mp3converter.gateway.http.ErrorBody;
import com.mp3converter.gateway.service.ApiException;
import com.mongodb.MongoException;
import io.quarkus.logging.Log;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.stream.Collectors;

/**
 * Turns the REST resources' failures into JSON error bodies (the upload routes answer through JsonResponder,
 * with the same ErrorBody); no stack trace ever reaches a caller.
 */
public class ErrorMapper {

    private static final int STORAGE_RETRY_AFTER_SECONDS = 5;

    @ServerExceptionMapper
    public Response api(ApiException e) {
        Response.ResponseBuilder response = Response.status(e.status()).type(MediaType.APPLICATION_JSON).entity(ErrorBody.of(e));
        ErrorBody.retryAfterSeconds(e).ifPresent(seconds -> response.header("Retry-After", seconds));
        return response.build();
    }

    @ServerExceptionMapper
    public Response invalid(ConstraintViolationException e) {
        String reason = e.getConstraintViolations().stream()
                .map(v -> {
                    String path = v.getPropertyPath().toString();
                    return path.substring(path.lastIndexOf('.') + 1) + " " + v.getMessage();
                })
                .sorted().collect(Collectors.joining("; "));
        return body(400, reason).build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        Response.Status known = Response.Status.fromStatusCode(status);
        return body(status, known == null ? "error" : known.getReasonPhrase().toLowerCase()).build();
    }

    /** Storage out of reach: a moment's wait, not our bug. */
    @ServerExceptionMapper
    public Response storageDown(MongoException e) {
        Log.warnf("Request refused, storage unavailable: %s", e.getMessage());
        return body(503, "storage is unavailable for a moment; please try again shortly").header("Retry-After", STORAGE_RETRY_AFTER_SECONDS)
                .build();
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        Log.error("Unexpected error", e);
        return body(500, "internal error").build();
    }

    private static Response.ResponseBuilder body(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new ErrorBody(status, message));
    }
}
