package dev.scratchgpt.sampler.text;

import dev.scratchgpt.testing.ServiceProcess;
import dev.scratchgpt.tokenizer.v1.TokenizerGrpc;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
            assertTrue(e.getStatus().getDescription().matches(".* [2-9]\\d* attempts in \\d+ ms\\); try again when it is"
                    + " reachable"), "retried with backoff: " + e.getStatus().getDescription());
            // Within the caller's own deadline: the answer is UNAVAILABLE with the sentence, before that deadline.
            Deadline deadline = Deadline.after(3, TimeUnit.SECONDS);
            StatusRuntimeException enc = assertThrows(StatusRuntimeException.class,
                    () -> new TokenizerGateway(TokenizerGrpc.newBlockingStub(channel), Duration.ofSeconds(30))
                            .encode("abc", "hi", deadline));
            assertEquals(Status.Code.UNAVAILABLE, enc.getStatus().getCode());
            assertTrue(enc.getStatus().getDescription().startsWith("the tokenizer service failed while encoding the"
                    + " prompt (UNAVAILABLE"), enc.getStatus().getDescription());
            assertFalse(deadline.isExpired(), "answered after the caller's deadline");
        } finally {
            channel.shutdownNow();
        }
    }
}
