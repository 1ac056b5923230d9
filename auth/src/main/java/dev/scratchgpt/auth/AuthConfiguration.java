package dev.scratchgpt.auth;

import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The {@code scratchgpt.auth.*} settings, shared by the server and client interceptors. With
 * none of them set (the local default) authentication is off. Created at startup so that the
 * log says at once whether authentication is on.
 */
@Startup
@ApplicationScoped
public class AuthConfiguration {

    private static final Logger LOG = Logger.getLogger(AuthConfiguration.class);

    /** Accepted tokens, comma-separated (env SCRATCHGPT_AUTH_TOKENS). */
    @ConfigProperty(name = "scratchgpt.auth.tokens")
    Optional<List<String>> tokens;

    /** A file of accepted tokens, one per line, e.g. a mounted Kubernetes Secret. */
    @ConfigProperty(name = "scratchgpt.auth.tokens-file")
    Optional<String> tokensFile;

    @ConfigProperty(name = "scratchgpt.auth.protect-health", defaultValue = "false")
    boolean protectHealth;

    @ConfigProperty(name = "scratchgpt.auth.protect-reflection", defaultValue = "false")
    boolean protectReflection;

    /** What this service's own gRPC clients send; defaults to the first accepted token. */
    @ConfigProperty(name = "scratchgpt.auth.client-token")
    Optional<String> clientToken;

    private AcceptedTokens accepted;
    private BearerAuthentication authentication;

    @PostConstruct
    void init() {
        accepted = new AcceptedTokens(tokens.orElse(List.of()), tokensFile.map(Path::of).orElse(null));
        authentication = new BearerAuthentication(accepted, protectHealth, protectReflection);
        if (accepted.enabled()) {
            LOG.infof("Bearer-token authentication is on (health %s, reflection %s)",
                    protectHealth ? "protected" : "open", protectReflection ? "protected" : "open");
        } else {
            LOG.info("Bearer-token authentication is off: set scratchgpt.auth.tokens or scratchgpt.auth.tokens-file to turn it on");
        }
    }

    public BearerAuthentication authentication() {
        return authentication;
    }

    /** The token to send to peers, if any: read on every call so that a rotated file is followed. */
    public Optional<String> clientToken() {
        return clientToken.map(String::trim).filter(t -> !t.isEmpty()).or(accepted::first);
    }
}
