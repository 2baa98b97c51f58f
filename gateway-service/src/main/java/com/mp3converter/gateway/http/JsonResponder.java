package com.mp3converter.gateway.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mp3converter.gateway.service.ApiException;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;

/** Answers a Vert.x route with JSON, the way ErrorMapper answers the REST resources. */
@ApplicationScoped
public class JsonResponder {

    private final ObjectMapper json;

    JsonResponder(ObjectMapper json) {
        this.json = json;
    }

    public Future<Void> error(RoutingContext ctx, ApiException e) {
        ErrorBody.retryAfterSeconds(e).ifPresent(seconds -> ctx.response().putHeader("Retry-After", String.valueOf(seconds)));
        return respond(ctx, e.status(), ErrorBody.of(e));
    }

    public Future<Void> respond(RoutingContext ctx, int status, Object body) {
        if (ctx.response().ended() || ctx.response().headWritten()) {
            return Future.succeededFuture();
        }
        try {
            return ctx.response().setStatusCode(status)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(json.writeValueAsString(body));
        } catch (IOException e) {
            return ctx.response().setStatusCode(500).end();
        }
    }
}
