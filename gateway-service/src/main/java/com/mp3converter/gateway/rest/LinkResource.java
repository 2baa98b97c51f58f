package com.mp3converter.gateway.rest;

import com.mp3converter.gateway.service.OneClickLinks;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The one-click link of the DONE email and of the job JSON: the MP3 without a token (the link is the credential). */
@Path("/links")
@Blocking
public class LinkResource {

    private final OneClickLinks links;
    private final Mp3Responses mp3s;

    LinkResource(OneClickLinks links, Mp3Responses mp3s) {
        this.links = links;
        this.mp3s = mp3s;
    }

    @GET
    @Path("{token}")
    @Produces({"audio/mpeg", MediaType.APPLICATION_JSON})
    public Response download(@PathParam("token") String token, @HeaderParam("Range") String range) {
        // Whoever holds the link may fetch it; no shared cache should keep it.
        return mp3s.of(links.resolve(token), range).header("Cache-Control", "private, no-store").build();
    }
}
