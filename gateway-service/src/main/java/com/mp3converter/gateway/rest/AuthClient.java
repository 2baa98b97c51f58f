package com.mp3converter.gateway.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * auth-service, whose answers the gateway passes through unchanged. {@code clientAddress} goes out as
 * X-Forwarded-For, set by the gateway alone (never copied from its own client): auth-service throttles sign-ins
 * and registrations per client address and trusts this header from the gateway only.
 */
@RegisterRestClient(configKey = "auth")
public interface AuthClient {

    String FORWARDED_FOR = "X-Forwarded-For";

    @POST
    @Path("/login")
    Response login(@HeaderParam("Authorization") String authorization, @HeaderParam(FORWARDED_FOR) String clientAddress);

    @POST
    @Path("/users")
    @Consumes(MediaType.APPLICATION_JSON)
    Response register(@HeaderParam("Authorization") String authorization, @HeaderParam(FORWARDED_FOR) String clientAddress,
                      String body);
}
