package com.mp3converter.auth.rest;

import com.mp3converter.auth.repository.User;
import com.mp3converter.auth.service.TokenService;
import com.mp3converter.auth.service.UserService;
import io.smallrye.common.annotation.Blocking;
import io.vertx.core.http.HttpServerRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.net.URI;

@Path("/users")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class UserResource {

    public record RegisterUser(
            @NotBlank @Email @Size(max = 254) String email,
            @NotNull @Size(min = 8, max = 128, message = "must be 8 to 128 characters") String password,
            boolean admin) {
    }

    public record UserView(String id, String email, boolean admin) {
        static UserView of(User user) {
            return new UserView(user.id(), user.email(), user.admin());
        }
    }

    private final UserService userService;
    private final TokenService tokens;

    UserResource(UserService userService, TokenService tokens) {
        this.userService = userService;
        this.tokens = tokens;
    }

    @POST
    @Blocking
    public Response register(@Valid @NotNull RegisterUser request,
                             @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                             @Context HttpServerRequest http) {
        boolean callerIsAdmin = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                && tokens.isAdminToken(authorization.substring(7).trim());
        User user = userService.register(request.email(), request.password(), request.admin(), callerIsAdmin,
                ClientAddress.of(http));
        return Response.created(URI.create("/users/" + user.id())).entity(UserView.of(user)).build();
    }
}
