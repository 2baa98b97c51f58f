package com.mp3converter.gateway.rest;

import com.mp3converter.contracts.EmailVerificationTokens;
import com.mp3converter.gateway.service.EmailVerificationLinks;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The verification email's link: public (the signed token is the credential), answers JSON. */
@Path(EmailVerificationTokens.PATH)
@Blocking
public class EmailVerificationResource {

    private final EmailVerificationLinks links;

    EmailVerificationResource(EmailVerificationLinks links) {
        this.links = links;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response verify(@QueryParam("token") String token) {
        return Response.ok(links.confirm(token)).header("Cache-Control", "no-store").build();
    }
}
