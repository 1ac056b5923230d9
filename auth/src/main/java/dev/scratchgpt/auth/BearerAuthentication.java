package dev.scratchgpt.auth;

import io.grpc.Status;

import java.util.Set;

/**
 * Decides whether a call may proceed, from the called service and its {@code authorization}
 * header alone, so the rules are testable without a server. Health and reflection are open
 * unless configured otherwise: orchestrators probe health without credentials, and reflection
 * only describes the public contracts.
 */
public final class BearerAuthentication {

    public static final String HEALTH_SERVICE = "grpc.health.v1.Health";
    public static final Set<String> REFLECTION_SERVICES =
            Set.of("grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection");

    private static final String SCHEME = "bearer ";

    private final AcceptedTokens tokens;
    private final boolean protectHealth;
    private final boolean protectReflection;

    public BearerAuthentication(AcceptedTokens tokens, boolean protectHealth, boolean protectReflection) {
        this.tokens = tokens;
        this.protectHealth = protectHealth;
        this.protectReflection = protectReflection;
    }

    /**
     * @param service       the full gRPC service name, e.g. {@code scratchgpt.tokenizer.v1.Tokenizer}
     * @param authorization the {@code authorization} header, or null when absent
     * @return {@link Status#OK}, or UNAUTHENTICATED with a sentence that never repeats the token
     */
    public Status check(String service, String authorization) {
        if (!tokens.enabled() || exempt(service)) {
            return Status.OK;
        }
        if (authorization == null || authorization.isBlank()) {
            return Status.UNAUTHENTICATED.withDescription(
                    "This service requires a bearer token: send the header 'authorization: Bearer <token>'.");
        }
        if (!authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
                || authorization.substring(SCHEME.length()).isBlank()) {
            return Status.UNAUTHENTICATED.withDescription(
                    "The authorization header must have the form 'Bearer <token>'.");
        }
        if (!tokens.accepts(authorization.substring(SCHEME.length()).trim())) {
            return Status.UNAUTHENTICATED.withDescription(
                    "The bearer token is not one this service accepts (it may have been rotated).");
        }
        return Status.OK;
    }

    private boolean exempt(String service) {
        if (HEALTH_SERVICE.equals(service)) {
            return !protectHealth;
        }
        if (REFLECTION_SERVICES.contains(service)) {
            return !protectReflection;
        }
        return false;
    }
}
