package dev.scratchgpt.cli;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Where the three services listen and where their data lives. Every command mixes this in,
 * so {@code --trainer-address host:port} (or {@code SCRATCHGPT_TRAINER}) works everywhere, and
 * {@code up} starts the services on exactly these ports.
 */
public class Endpoints {

    @Option(names = "--tokenizer-address", paramLabel = "HOST:PORT",
            defaultValue = "${env:SCRATCHGPT_TOKENIZER:-localhost:50051}",
            description = "Tokenizer service (env SCRATCHGPT_TOKENIZER; default ${DEFAULT-VALUE}).")
    String tokenizer;

    @Option(names = "--trainer-address", paramLabel = "HOST:PORT",
            defaultValue = "${env:SCRATCHGPT_TRAINER:-localhost:50052}",
            description = "Trainer service (env SCRATCHGPT_TRAINER; default ${DEFAULT-VALUE}).")
    String trainer;

    @Option(names = "--sampler-address", paramLabel = "HOST:PORT",
            defaultValue = "${env:SCRATCHGPT_SAMPLER:-localhost:50053}",
            description = "Sampler service (env SCRATCHGPT_SAMPLER; default ${DEFAULT-VALUE}).")
    String sampler;

    @Option(names = "--data-dir", paramLabel = "DIR",
            defaultValue = "${env:SCRATCHGPT_DATA_DIR}",
            description = "Data directory of the local services (env SCRATCHGPT_DATA_DIR; default <repository>/data).")
    Path dataDir;

    public String tokenizer() {
        return tokenizer;
    }

    public String trainer() {
        return trainer;
    }

    public String sampler() {
        return sampler;
    }

    public Path dataDir() {
        return (dataDir != null ? dataDir : home().resolve("data")).toAbsolutePath().normalize();
    }

    /** The repository the launcher runs from: {@code -Dscratchgpt.home}, else the nearest folder up with mvnw and cli/. */
    public static Path home() {
        String property = System.getProperty("scratchgpt.home");
        if (property != null && !property.isBlank()) {
            return Path.of(property).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("cli"))) {
                return dir;
            }
        }
        return Path.of("").toAbsolutePath();
    }

    public static ManagedChannel channel(String target) {
        return channel(target, clientToken());
    }

    /** A plaintext channel that sends {@code authorization: Bearer <token>} on every call when a token is given. */
    public static ManagedChannel channel(String target, String token) {
        ManagedChannelBuilder<?> builder = ManagedChannelBuilder.forTarget(target)
                .usePlaintext()
                .maxInboundMessageSize(64 * 1024 * 1024);
        if (token != null && !token.isBlank()) {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token.trim());
            builder.intercept(MetadataUtils.newAttachHeadersInterceptor(headers));
        }
        return builder.build();
    }

    /**
     * The token the services expect, read as they read theirs (docs/security.md):
     * SCRATCHGPT_AUTH_CLIENT_TOKEN, else the first of SCRATCHGPT_AUTH_TOKENS; none when unset.
     */
    static String clientToken() {
        String client = System.getenv("SCRATCHGPT_AUTH_CLIENT_TOKEN");
        if (client != null && !client.isBlank()) {
            return client.trim();
        }
        String tokens = System.getenv("SCRATCHGPT_AUTH_TOKENS");
        if (tokens != null && !tokens.isBlank()) {
            return tokens.split(",")[0].trim();
        }
        return null;
    }

    public static void close(ManagedChannel channel) {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static int port(String target) {
        int colon = target.lastIndexOf(':');
        if (colon < 0) {
            throw new CliException("'" + target + "' has no port: write HOST:PORT, e.g. localhost:50051");
        }
        try {
            return Integer.parseInt(target.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new CliException("'" + target + "' has no valid port: write HOST:PORT, e.g. localhost:50051");
        }
    }

    /**
     * Runs a call against one service; a service that cannot be reached is named with its
     * address and the command that starts it.
     */
    public static <T> T call(String service, String target, java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                throw new CliException("The " + service + " at " + target + " is unavailable ("
                        + e.getStatus().getDescription() + "). Is it running? Start the services with ./scratchgpt up", e);
            }
            throw e;
        }
    }

    /** A gRPC failure as a sentence; UNAVAILABLE gets the hint a newcomer needs. */
    static String describe(StatusRuntimeException e) {
        Status status = e.getStatus();
        String description = status.getDescription() != null ? status.getDescription() : "(no description)";
        if (status.getCode() == Status.Code.UNAVAILABLE) {
            return "a service is unavailable (" + description + "). Are the services running? Start them with ./scratchgpt up";
        }
        return status.getCode() + ": " + description;
    }
}
