package dev.scratchgpt.sampler;

import dev.scratchgpt.sampler.v1.ListModelsRequest;
import dev.scratchgpt.sampler.v1.SamplerGrpc;
import dev.scratchgpt.testing.TokenizerServiceResource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@QuarkusTest
@QuarkusTestResource(TokenizerServiceResource.class)
class SamplerSkeletonTest {

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

    @Test
    void unbuiltMethodsAnswerUnimplemented() {
        ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> SamplerGrpc.newBlockingStub(ch).listModels(ListModelsRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
        } finally {
            ch.shutdownNow();
        }
    }
}
