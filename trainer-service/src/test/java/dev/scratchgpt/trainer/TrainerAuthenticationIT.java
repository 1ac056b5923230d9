package dev.scratchgpt.trainer;

import dev.scratchgpt.testing.ServiceProcess;
import dev.scratchgpt.trainer.v1.Corpus;
import dev.scratchgpt.trainer.v1.ListCorporaRequest;
import dev.scratchgpt.trainer.v1.PreviewBatchRequest;
import dev.scratchgpt.trainer.v1.PreviewBatchResponse;
import dev.scratchgpt.trainer.v1.TrainerGrpc;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Authentication on both hops, with both services as real processes: the trainer refuses a
 * caller without a token, and its own tokenizer client sends the configured token (the
 * tokenizer requires one, so a preview, which builds a vocabulary and encodes through the
 * tokenizer, only succeeds if the global client interceptor works). Runs after packaging.
 */
class TrainerAuthenticationIT {

    @Test
    void theTrainerChecksTokensAndSendsItsOwnToTheTokenizer() throws Exception {
        try (ServiceProcess tokenizer = ServiceProcess.start("tokenizer-service", Map.of("scratchgpt.auth.tokens", "secret"));
             ServiceProcess trainer = ServiceProcess.start("trainer-service", Map.of(
                     "scratchgpt.auth.tokens", "secret",
                     "quarkus.grpc.clients.tokenizer.host", "127.0.0.1",
                     "quarkus.grpc.clients.tokenizer.port", String.valueOf(tokenizer.port()),
                     "ai.djl.pytorch.num_threads", "1"))) {
            ManagedChannel channel = trainer.channel();
            try {
                StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> TrainerGrpc
                        .newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .listCorpora(ListCorporaRequest.getDefaultInstance()));
                assertEquals(Status.Code.UNAUTHENTICATED, refused.getStatus().getCode());

                Metadata headers = new Metadata();
                headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer secret");
                Channel authorized = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
                byte[] text = "hello tokens, hello world\n".repeat(40).getBytes(StandardCharsets.UTF_8);
                Corpus corpus = TrainerClient.upload(authorized, text, 256);

                PreviewBatchResponse preview = TrainerGrpc.newBlockingStub(authorized).withDeadlineAfter(60, TimeUnit.SECONDS)
                        .previewBatch(PreviewBatchRequest.newBuilder().setCorpusId(corpus.getCorpusId())
                                .setBatchSize(2).setBlockSize(8).build());
                assertEquals(2, preview.getRowsCount());
                assertEquals(8, preview.getRows(0).getContextIdsCount());
                assertFalse(preview.getVocabularyId().isEmpty());
            } finally {
                channel.shutdownNow();
            }
        }
    }
}
