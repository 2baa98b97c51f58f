package com.mp3converter.auth.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.mp3converter.auth.repository.StorageUnavailableException;
import com.mp3converter.auth.service.ApiException;
import io.quarkus.logging.Log;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.stream.Collectors;

/** The one place that turns failures into JSON error bodies; no stack trace ever reaches a caller. */
public class ErrorMapper {

    /** {"status": 429, "error": "...", "limit": {"name": "auth.login.free-attempts", "max": 5}}; no limit, no field. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ErrorBody(int status, String error, ApiException.Limit limit) {
    }

    @ServerExceptionMapper
    public Response api(ApiException e) {
        Response.ResponseBuilder response = Response.status(e.status()).type(MediaType.APPLICATION_JSON)
                .entity(new ErrorBody(e.status(), e.getMessage(), e.limit()));
        if (e.status() == 401) {
            response.header("WWW-Authenticate", "Basic realm=\"mp3converter\"");
        }
        if (e.retryAfter() != null) {
            response.header("Retry-After", Math.max(1, e.retryAfter().toSeconds()));
        }
        return response.build();
    }

    @ServerExceptionMapper
    public Response invalid(ConstraintViolationException e) {
        String reason = e.getConstraintViolations().stream()
                .map(v -> lastNode(v.getPropertyPath().toString()) + " " + v.getMessage())
                .sorted()
                .collect(Collectors.joining("; "));
        return body(400, reason).build();
    }

    @ServerExceptionMapper
    public Response storage(StorageUnavailableException e) {
        Log.warnf("User database unavailable: %s", e.getCause().getMessage());
        return body(503, "service temporarily unavailable; try again shortly").header("Retry-After", 5).build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        return body(status, Response.Status.fromStatusCode(status) == null ? "error"
                : Response.Status.fromStatusCode(status).getReasonPhrase().toLowerCase()).build();
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        Log.error("Unexpected error", e);
        return body(500, "internal error").build();
    }

    private static Response.ResponseBuilder body(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new ErrorBody(status, message, null));
    }

    private static String lastNode(String path) {
        return path.substring(path.lastIndexOf('.') + 1);
    }
}
