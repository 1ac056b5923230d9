package dev.scratchgpt.sampler.text;

import dev.scratchgpt.testing.ServiceProcess;
import dev.scratchgpt.tokenizer.v1.TokenizerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizerGatewayTest {

    @Test
    void anUnreachableTokenizerIsUnavailableWithASentence() {
        // A real connection refused: nothing listens on a freshly freed port.
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", ServiceProcess.freePort())
                .usePlaintext().build();
        try {
            TokenizerGateway gateway = new TokenizerGateway(TokenizerGrpc.newBlockingStub(channel), Duration.ofSeconds(2));
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> gateway.vocabulary("abc"));
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().startsWith("the tokenizer service failed while fetching"
                    + " vocabulary abc (UNAVAILABLE"), e.getStatus().getDescription());
            StatusRuntimeException enc = assertThrows(StatusRuntimeException.class, () -> gateway.encode("abc", "hi", null));
            assertEquals(Status.Code.UNAVAILABLE, enc.getStatus().getCode());
        } finally {
            channel.shutdownNow();
        }
    }
}
