package com.mp3converter.gateway.rest;

import com.mp3converter.gateway.service.ApiException;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Blocking;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

import java.util.function.Supplier;

/**
 * POST /login and POST /users, forwarded to auth-service; its status, headers that matter and body pass
 * through. auth-service down, hanging or behind an open circuit: 503 with Retry-After. The client's address
 * goes along in X-Forwarded-For, replacing any the client sent: it is the connection's peer, or what a proxy in
 * front of the gateway says if the gateway's {@code quarkus.http.proxy.*} settings trust that proxy.
 */
@Path("/")
@Blocking
public class AuthProxyResource {

    private final AuthUpstream auth;

    AuthProxyResource(AuthUpstream auth) {
        this.auth = auth;
    }

    @POST
    @Path("login")
    public Response login(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @Context HttpServerRequest request) {
        String client = clientAddress(request);
        return forward(() -> auth.login(authorization, client));
    }

    @POST
    @Path("users")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response register(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, String body,
                             @Context HttpServerRequest request) {
        String client = clientAddress(request);
        return forward(() -> auth.register(authorization, client, body));
    }

    private static String clientAddress(HttpServerRequest request) {
        SocketAddress peer = request.remoteAddress();
        return peer == null || peer.hostAddress() == null ? "unknown" : peer.hostAddress();
    }

    private static Response forward(Supplier<Response> call) {
        try (Response upstream = callAuth(call)) {
            Response.ResponseBuilder copy = Response.status(upstream.getStatus())
                    .entity(upstream.hasEntity() ? upstream.readEntity(String.class) : null);
            for (String header : new String[]{"Content-Type", "WWW-Authenticate", "Retry-After", "Location"}) {
                if (upstream.getHeaderString(header) != null) {
                    copy.header(header, upstream.getHeaderString(header));
                }
            }
            return copy.build();
        }
    }

    private static Response callAuth(Supplier<Response> call) {
        try {
            return call.get();
        } catch (WebApplicationException e) {
            return e.getResponse();
        } catch (ProcessingException | TimeoutException e) {
            Log.warnf("auth-service unreachable or not answering: %s", e.getMessage());
            throw unavailable();
        } catch (CircuitBreakerOpenException e) {
            throw unavailable();
        }
    }

    private static ApiException unavailable() {
        return new ApiException(503, "login is temporarily unavailable; try again shortly");
    }
}
