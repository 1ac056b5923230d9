package dev.scratchgpt.cli;

import dev.scratchgpt.testing.ServiceProcess;
import dev.scratchgpt.tokenizer.v1.ListVocabulariesRequest;
import dev.scratchgpt.tokenizer.v1.TokenizerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The CLI's channels carry the bearer token a service with authentication on requires. */
class BearerTokenTest {

    @Test
    void channelsWithTheTokenGetInAndChannelsWithoutAreRefused() {
        try (ServiceProcess tokenizer = ServiceProcess.start("tokenizer-service", Map.of("scratchgpt.auth.tokens", "s3cret"))) {
            String target = "127.0.0.1:" + tokenizer.port();
            ManagedChannel withToken = Endpoints.channel(target, "s3cret");
            ManagedChannel without = Endpoints.channel(target, null);
            try {
                TokenizerGrpc.newBlockingStub(withToken).listVocabularies(ListVocabulariesRequest.getDefaultInstance());
                StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                        () -> TokenizerGrpc.newBlockingStub(without).listVocabularies(ListVocabulariesRequest.getDefaultInstance()));
                assertEquals(Status.Code.UNAUTHENTICATED, refused.getStatus().getCode());
            } finally {
                Endpoints.close(withToken);
                Endpoints.close(without);
            }
        }
    }
}
