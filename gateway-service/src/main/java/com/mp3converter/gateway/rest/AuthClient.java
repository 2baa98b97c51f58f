package com.mp3converter.gateway.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** auth-service, whose answers the gateway passes through unchanged. */
@RegisterRestClient(configKey = "auth")
public interface AuthClient {

    @POST
    @Path("/login")
    Response login(@HeaderParam("Authorization") String authorization);

    @POST
    @Path("/users")
    @Consumes(MediaType.APPLICATION_JSON)
    Response register(@HeaderParam("Authorization") String authorization, String body);
}
