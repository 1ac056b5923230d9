package dev.scratchgpt.auth;

import dev.scratchgpt.testing.ServiceProcess;
import dev.scratchgpt.tokenizer.v1.CreateVocabularyRequest;
import dev.scratchgpt.tokenizer.v1.EncodeRequest;
import dev.scratchgpt.tokenizer.v1.EncodeResponse;
import dev.scratchgpt.tokenizer.v1.TokenizerGrpc;
import dev.scratchgpt.tokenizer.v1.TokenizerGrpc.TokenizerBlockingStub;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The auth library inside a real service: the packaged tokenizer started with a token, called
 * over a socket. It lives here because the trainer module is built after the tokenizer's jar.
 */
class TokenizerAuthenticationTest {

    private static ServiceProcess tokenizer;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() {
        tokenizer = ServiceProcess.start("tokenizer-service", Map.of("scratchgpt.auth.tokens", "secret,spare"));
        channel = tokenizer.channel();
    }

    @AfterAll
    static void stop() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (tokenizer != null) {
            tokenizer.close();
        }
    }

    @Test
    void encodeWithoutATokenIsUnauthenticated() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stub(null).encode(encode("voc-none", "hello")));
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
        assertEquals("This service requires a bearer token: send the header 'authorization: Bearer <token>'.",
                e.getStatus().getDescription());
    }

    @Test
    void encodeWithTheWrongTokenIsUnauthenticatedAndTheTokenIsNotEchoed() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stub("Bearer secret-guess").encode(encode("voc-none", "hello")));
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
        assertFalse(e.getStatus().getDescription().contains("secret-guess"), e.getStatus().getDescription());
    }

    @Test
    void encodeWithTheRightTokenWorks() {
        TokenizerBlockingStub authorized = stub("Bearer secret");
        String id = authorized.createVocabulary(CreateVocabularyRequest.newBuilder().setText("hello world").build())
                .getVocabularyId();
        EncodeResponse r = authorized.encode(encode(id, "hello"));
        assertEquals(5, r.getIdsCount());

        // Any configured token is accepted, not only the first.
        assertEquals(r.getIdsList(), stub("Bearer spare").encode(encode(id, "hello")).getIdsList());
    }

    @Test
    void healthAnswersWithoutAToken() {
        HealthCheckResponse r = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, r.getStatus());
    }

    private static TokenizerBlockingStub stub(String authorization) {
        TokenizerBlockingStub stub = TokenizerGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        if (authorization == null) {
            return stub;
        }
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), authorization);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static EncodeRequest encode(String vocabularyId, String text) {
        return EncodeRequest.newBuilder().setVocabularyId(vocabularyId).setText(text).build();
    }
}
