package com.mp3converter.gateway.rest;

import com.mp3converter.gateway.http.ErrorBody;
import com.mp3converter.gateway.service.ApiException;
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

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        Log.error("Unexpected error", e);
        return body(500, "internal error").build();
    }

    private static Response.ResponseBuilder body(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new ErrorBody(status, message));
    }
}
