package com.mp3converter.gateway.rest;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * auth-service behind a timeout and a circuit breaker. Once most of the recent calls failed (refused,
 * or no answer within the timeout), the circuit opens and callers are refused at once, without a call,
 * for the breaker's delay; then one call is let through to see whether auth-service is back. An answer
 * of auth-service, a 401 included, is a success here. Limits (MicroProfile Fault Tolerance keys):
 * {@code com.mp3converter.gateway.rest.AuthUpstream/<method>/Timeout/value}, {@code .../CircuitBreaker/delay}.
 */
@ApplicationScoped
public class AuthUpstream {

    private final AuthClient auth;

    AuthUpstream(@RestClient AuthClient auth) {
        this.auth = auth;
    }

    @Timeout(10_000)
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.75, delay = 5_000, skipOn = WebApplicationException.class)
    public Response login(String authorization) {
        return auth.login(authorization);
    }

    @Timeout(10_000)
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.75, delay = 5_000, skipOn = WebApplicationException.class)
    public Response register(String authorization, String body) {
        return auth.register(authorization, body);
    }
}
