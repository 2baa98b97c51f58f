package com.mp3converter.gateway.rest;

import com.mp3converter.gateway.service.Quotas;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** The caller's usage against each per-user limit. */
@Path("/users/me/usage")
@Blocking
public class UsageResource {

    private final Quotas quotas;
    private final JsonWebToken caller;

    UsageResource(Quotas quotas, JsonWebToken caller) {
        this.quotas = quotas;
        this.caller = caller;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Quotas.Usage usage() {
        return quotas.usage(caller.getSubject());
    }
}
