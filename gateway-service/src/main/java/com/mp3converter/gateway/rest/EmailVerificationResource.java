package com.mp3converter.gateway.rest;

import com.mp3converter.contracts.EmailVerificationTokens;
import com.mp3converter.gateway.http.ErrorBody;
import com.mp3converter.gateway.service.ApiException;
import com.mp3converter.gateway.service.EmailVerificationLinks;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.function.Supplier;

/**
 * The verification email's link, public (the signed token is the credential). Opening the link (GET) changes nothing,
 * since mail scanners open every link in a mail: it answers a page whose form submits the token (POST), and only that
 * verifies. Pages are plain HTML without script or style (the gateway's CSP allows neither); a client that accepts
 * application/json gets JSON instead. No answer is cached: it names an address.
 */
@Path(EmailVerificationTokens.PATH)
@Blocking
public class EmailVerificationResource {

    private static final MediaType HTML = MediaType.TEXT_HTML_TYPE.withCharset("UTF-8");

    private final EmailVerificationLinks links;

    EmailVerificationResource(EmailVerificationLinks links) {
        this.links = links;
    }

    @GET
    public Response confirmationPage(@QueryParam("token") String token, @Context HttpHeaders headers) {
        return answer(headers, () -> {
            String email = links.check(token);
            return page("Confirm your email address",
                    "<p>Confirm that mp3converter may send emails about your conversions to <b>" + escaped(email) + "</b>.</p>\n"
                            + "<form method=\"post\" action=\"verify-email\">\n"
                            + "<input type=\"hidden\" name=\"token\" value=\"" + escaped(token) + "\">\n"
                            + "<button type=\"submit\">Confirm</button>\n"
                            + "</form>\n"
                            + "<p>If you did not sign up at mp3converter, close this page.</p>",
                    200);
        });
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response verify(@FormParam("token") String token, @Context HttpHeaders headers) {
        return answer(headers, () -> {
            EmailVerificationLinks.Verified verified = links.confirm(token);
            return wantsJson(headers)
                    ? Response.ok(verified, MediaType.APPLICATION_JSON_TYPE)
                    : page("Email address confirmed", "<p>Confirmed: emails about your conversions now reach <b>"
                    + escaped(verified.email()) + "</b>.</p>", 200);
        });
    }

    /** The answer, or the refusal as JSON (ErrorBody, as ErrorMapper gives it) or as a page; never cached. */
    private static Response answer(HttpHeaders headers, Supplier<Response.ResponseBuilder> action) {
        Response.ResponseBuilder response;
        try {
            response = action.get();
        } catch (ApiException e) {
            Response.ResponseBuilder refusal = wantsJson(headers)
                    ? Response.status(e.status()).type(MediaType.APPLICATION_JSON_TYPE).entity(ErrorBody.of(e))
                    : page(e.status() == 400 ? "This link does not work" : "Please try again in a moment",
                    "<p>" + escaped(e.getMessage()) + ".</p>", e.status());
            ErrorBody.retryAfterSeconds(e).ifPresent(seconds -> refusal.header("Retry-After", seconds));
            response = refusal;
        }
        return response.header("Cache-Control", "no-store").build();
    }

    private static boolean wantsJson(HttpHeaders headers) {
        return headers.getAcceptableMediaTypes().stream()
                .anyMatch(type -> "application".equals(type.getType()) && "json".equals(type.getSubtype()));
    }

    private static Response.ResponseBuilder page(String title, String body, int status) {
        return Response.status(status).type(HTML).entity("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<title>" + title + "</title>\n</head>\n<body>\n<h1>" + title + "</h1>\n" + body + "\n</body>\n</html>\n");
    }

    /** Every string not written here (the address is the registrant's choice) goes into a page as text. */
    private static String escaped(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (char c : text.toCharArray()) {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
