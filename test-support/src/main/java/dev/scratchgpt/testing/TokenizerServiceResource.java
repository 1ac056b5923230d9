package dev.scratchgpt.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Starts the real tokenizer service (packaged jar) for a Quarkus test and points the
 * application's {@code tokenizer} gRPC client at it.
 */
public class TokenizerServiceResource implements QuarkusTestResourceLifecycleManager {

    private ServiceProcess tokenizer;

    @Override
    public Map<String, String> start() {
        tokenizer = ServiceProcess.start("tokenizer-service", Map.of());
        String port = String.valueOf(tokenizer.port());
        return Map.of(
                "quarkus.grpc.clients.tokenizer.host", "127.0.0.1",
                "quarkus.grpc.clients.tokenizer.port", port,
                "quarkus.grpc.clients.tokenizer.test-port", port);
    }

    @Override
    public void stop() {
        if (tokenizer != null) {
            tokenizer.close();
        }
    }
}
