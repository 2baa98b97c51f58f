package com.mp3converter.auth.rest;

import com.mp3converter.auth.service.ApiException;
import com.mp3converter.auth.service.LoginService;
import io.smallrye.common.annotation.Blocking;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

@Path("/login")
public class LoginResource {

    private final LoginService loginService;

    LoginResource(LoginService loginService) {
        this.loginService = loginService;
    }

    /** HTTP Basic in, the JWT as plain text out (the course service's contract). */
    @POST
    @Blocking
    @Produces(MediaType.TEXT_PLAIN)
    public String login(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @Context HttpServerRequest request) {
        BasicCredentials credentials = BasicCredentials.parse(authorization);
        return loginService.login(credentials.email(), credentials.password(), ClientAddress.of(request));
    }

    record BasicCredentials(String email, String password) {

        static BasicCredentials parse(String header) {
            if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
                throw new ApiException(401, "missing credentials: use HTTP Basic (curl -u EMAIL:PASSWORD)");
            }
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new ApiException(401, "malformed Basic credentials");
            }
            int colon = decoded.indexOf(':');
            if (colon <= 0 || colon == decoded.length() - 1) {
                throw new ApiException(401, "missing credentials: use HTTP Basic (curl -u EMAIL:PASSWORD)");
            }
            return new BasicCredentials(decoded.substring(0, colon), decoded.substring(colon + 1));
        }
    }
}
