package com.mp3converter.gateway.rest;

import com.mp3converter.gateway.config.GatewayConfig;
import com.mp3converter.gateway.service.JobService;
import com.mp3converter.gateway.service.JobUpdates;
import com.mp3converter.gateway.service.OneClickLinks;
import com.mp3converter.gateway.service.QueueEstimates;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.Multi;
import org.jboss.resteasy.reactive.RestStreamElementType;
import io.smallrye.common.annotation.Blocking;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Job status, listing, deletion and live updates; every lookup is by (id, caller). MP3 downloads: DownloadRoutes. */
@Path("/")
@Blocking
public class JobResource {

    public record JobPage(List<JobView> jobs, int page, int size, long total) {
    }

    private final JobService jobs;
    private final OneClickLinks links;
    private final QueueEstimates queue;
    private final JsonWebToken caller;
    private final JobUpdates updates;
    private final Duration keepAlive;

    JobResource(JobService jobs, OneClickLinks links, QueueEstimates queue, JsonWebToken caller,
                JobUpdates updates, GatewayConfig config) {
        this.jobs = jobs;
        this.links = links;
        this.queue = queue;
        this.caller = caller;
        this.updates = updates;
        this.keepAlive = config.events().keepAlive();
    }

    @GET
    @Path("jobs/{jobId}")
    @Produces(MediaType.APPLICATION_JSON)
    public JobView job(@PathParam("jobId") String jobId) {
        var job = jobs.get(jobId, caller.getSubject());
        return JobView.of(job, queue.of(job), links.pathFor(job));
    }

    /**
     * Server-Sent Events: the caller's jobs as they change (curl -N), a PING every keep-alive period, until the
     * caller's token expires; a few streams per user (429 past them).
     */
    @GET
    @Path("jobs/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @NonBlocking
    public Multi<JobUpdates.Update> events() {
        return updates.of(caller.getSubject(), keepAlive, Instant.ofEpochSecond(caller.getExpirationTime()));
    }

    @GET
    @Path("jobs")
    @Produces(MediaType.APPLICATION_JSON)
    public JobPage list(@QueryParam("page") @DefaultValue("0") @Min(0) @Max(1_000_000) int page,
                        @QueryParam("size") @DefaultValue("20") @Min(1) @Max(100) int size) {
        String owner = caller.getSubject();
        return new JobPage(jobs.list(owner, page, size).stream()
                .map(job -> JobView.of(job, queue.of(job), links.pathFor(job))).toList(),
                page, size, jobs.count(owner));
    }

    /** Stops a waiting or converting job (its ffmpeg within a second, its video released). */
    @POST
    @Path("jobs/{jobId}/cancel")
    @Produces(MediaType.APPLICATION_JSON)
    public JobView cancel(@PathParam("jobId") String jobId) {
        return JobView.of(jobs.cancel(jobId, caller.getSubject()));
    }

    @DELETE
    @Path("jobs/{jobId}")
    public Response delete(@PathParam("jobId") String jobId) {
        jobs.delete(jobId, caller.getSubject());
        return Response.noContent().build();
    }
}
