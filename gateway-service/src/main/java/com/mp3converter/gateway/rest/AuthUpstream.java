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
 * for the breaker's delay; then one call is let through to see whether auth-service is back.
 *
 * <p>Only a missing answer counts as a failure. Every answer of auth-service (the REST client throws it as a
 * {@link WebApplicationException}, skipped by the breaker) is a success here: a 401, a 429 for a locked-out
 * guesser, a 503 with Retry-After when its hash queue is full. Counting those would let one client, guessing
 * or sending a burst of sign-ins, open the circuit for everyone. auth-service answers a burst within its hash
 * queue's wait ({@code auth.hashing.queue-wait}, 2 s), well inside the timeout here (10 s). Limits
 * (MicroProfile Fault Tolerance keys): {@code com.mp3converter.gateway.rest.AuthUpstream/<method>/Timeout/value},
 * {@code .../CircuitBreaker/delay}.
 */
@ApplicationScoped
public class AuthUpstream {

    private final AuthClient auth;

    AuthUpstream(@RestClient AuthClient auth) {
        this.auth = auth;
    }

    @Timeout(10_000)
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.75, delay = 5_000, skipOn = WebApplicationException.class)
    public Response login(String authorization, String clientAddress) {
        return auth.login(authorization, clientAddress);
    }

    @Timeout(10_000)
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.75, delay = 5_000, skipOn = WebApplicationException.class)
    public Response register(String authorization, String clientAddress, String body) {
        return auth.register(authorization, clientAddress, body);
    }
}
