package com.mp3converter.contracts;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;

/**
 * Routing key {@link Topology#EMAIL_VERIFIED}: the gateway tells the notifier that whoever reads {@code email} opened its
 * verification link (contracts/EmailVerificationTokens), so job emails may go there from now on. The field names are the
 * contract (pinned by ContractsTest); unknown fields are ignored.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record EmailVerified(String email, Instant verifiedAt) {
}
