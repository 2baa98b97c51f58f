package com.mp3converter.gateway.rest;

import com.mp3converter.gateway.service.ApiException;
import com.mp3converter.gateway.service.JobService;
import com.mp3converter.gateway.service.OneClickLinks;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * The MP3 downloads, as Vert.x routes so a slow client holds no worker thread (Mp3Responses):
 * <ul>
 *   <li>{@code GET /download?fid=MP3_OR_JOB_ID}, the course's URL, and {@code GET /jobs/{jobId}/mp3}, the owner's
 *   (a token of the "user" group, enforced by the HTTP security policy in application.properties);</li>
 *   <li>{@code GET /links/{token}}, the one-click link of the DONE email and of the job JSON: no token, the link is
 *   the credential.</li>
 * </ul>
 * Each answers 200 or 206 (a Range) with Content-Length, or a JSON error (404 for another user's file, 416).
 */
@ApplicationScoped
public class DownloadRoutes {

    private final JobService jobs;
    private final OneClickLinks links;
    private final Mp3Responses mp3s;

    DownloadRoutes(JobService jobs, OneClickLinks links, Mp3Responses mp3s) {
        this.jobs = jobs;
        this.links = links;
        this.mp3s = mp3s;
    }

    void register(@Observes Router router) {
        download(router, "/download").handler(ctx -> {
            String fid = ctx.request().getParam("fid");
            String owner = owner(ctx);
            mp3s.send(ctx, () -> {
                if (fid == null || fid.isBlank()) {
                    throw new ApiException(400, "fid is required: /download?fid=MP3_OR_JOB_ID");
                }
                return jobs.mp3(fid, owner);
            }, false);
        });
        download(router, "/jobs/:jobId/mp3").handler(ctx -> {
            String jobId = ctx.pathParam("jobId");
            String owner = owner(ctx);
            mp3s.send(ctx, () -> jobs.mp3(jobId, owner), false);
        });
        download(router, "/links/:token").handler(ctx -> {
            String token = ctx.pathParam("token");
            mp3s.send(ctx, () -> links.resolve(token), true);
        });
    }

    /** GET, and HEAD (the headers alone), as a JAX-RS GET would answer both. */
    private static Route download(Router router, String path) {
        return router.route(path).method(HttpMethod.GET).method(HttpMethod.HEAD);
    }

    private static String owner(RoutingContext ctx) {
        return ((JsonWebToken) ((QuarkusHttpUser) ctx.user()).getSecurityIdentity().getPrincipal()).getSubject();
    }
}
