package com.mp3converter.gateway.rest;

import com.mp3converter.gateway.repository.WebhookSecrets;
import com.mp3converter.gateway.service.Quotas;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** The caller's own account in the gateway: usage against the limits, and the secret that signs their webhooks. */
@Path("/users/me")
@Blocking
@Produces(MediaType.APPLICATION_JSON)
public class AccountResource {

    private final Quotas quotas;
    private final WebhookSecrets secrets;
    private final JsonWebToken caller;

    AccountResource(Quotas quotas, WebhookSecrets secrets, JsonWebToken caller) {
        this.quotas = quotas;
        this.secrets = secrets;
        this.caller = caller;
    }

    @GET
    @Path("usage")
    public Quotas.Usage usage() {
        return quotas.usage(caller.getSubject());
    }

    @GET
    @Path("webhook-secret")
    public WebhookSecrets.Secret webhookSecret() {
        return secrets.of(caller.getSubject());
    }

    /** A new secret: every delivery from now on is signed with it. */
    @POST
    @Path("webhook-secret")
    public WebhookSecrets.Secret rotateWebhookSecret() {
        return secrets.rotate(caller.getSubject());
    }
}
