package dev.scratchgpt.trainer;

import dev.scratchgpt.testing.ServiceProcess;
import dev.scratchgpt.testing.SharedData;
import dev.scratchgpt.trainer.v1.CancelJobRequest;
import dev.scratchgpt.trainer.v1.Corpus;
import dev.scratchgpt.trainer.v1.ModelType;
import dev.scratchgpt.trainer.v1.PreviewBatchRequest;
import dev.scratchgpt.trainer.v1.StartTrainingRequest;
import dev.scratchgpt.trainer.v1.TrainerGrpc;
import dev.scratchgpt.trainer.v1.TrainingSpec;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real tokenizer stopped under a busy trainer, then started again on the same port: calls
 * that need it answer UNAVAILABLE with a sentence inside the caller's deadline, a running job
 * does not notice (its ids are on disk), and a call made while it comes back succeeds by
 * retrying, with no restart of the trainer.
 */
class TrainerTokenizerOutageIT {

    @Test
    void theTrainerAnswersUnavailableInTimeAndRecoversWhenTheTokenizerReturns() throws Exception {
        Path tokenizerData = Files.createTempDirectory("tokenizer-outage-data");
        int tokenizerPort = ServiceProcess.freePort();
        ServiceProcess tokenizer = ServiceProcess.start("tokenizer-service", tokenizerData, tokenizerPort, Map.of());
        try (ServiceProcess trainerProcess = ServiceProcess.start("trainer-service", Map.of(
                "quarkus.grpc.clients.tokenizer.host", "127.0.0.1",
                "quarkus.grpc.clients.tokenizer.port", String.valueOf(tokenizerPort),
                "ai.djl.pytorch.num_threads", "1",
                // long enough for a tokenizer restart on a loaded machine; the 3 s calls below still end in time
                "scratchgpt.tokenizer.retry-for", "PT60S"))) {
            ManagedChannel channel = trainerProcess.channel();
            try {
                byte[] text = Files.readAllBytes(SharedData.tinyShakespeare());
                Corpus busy = TrainerClient.upload(channel, Arrays.copyOf(text, 40_000), 16_000);
                Corpus other = TrainerClient.upload(channel, Arrays.copyOfRange(text, 40_000, 80_000), 16_000);
                TrainingSpec bigram = TrainingSpec.newBuilder().setModelType(ModelType.MODEL_TYPE_BIGRAM)
                        .setMaxSteps(1_000_000).setEvalInterval(1_000_000).setEvalIters(1).build();
                String running = stub(channel, 60).startTraining(StartTrainingRequest.newBuilder()
                        .setCorpusId(busy.getCorpusId()).setModelName("outage").setSpec(bigram).build()).getJobId();
                TrainerClient.await(channel, running, j -> j.getStep() > 0, 120);

                tokenizer.terminate();

                // Calls that need the tokenizer: UNAVAILABLE with a sentence, before a 3 s deadline.
                StartTrainingRequest needsTokenizer = StartTrainingRequest.newBuilder().setCorpusId(other.getCorpusId())
                        .setModelName("outage").setSpec(bigram).build();
                StatusRuntimeException start = assertThrows(StatusRuntimeException.class,
                        () -> stub(channel, 3).startTraining(needsTokenizer));
                assertUnavailableSentence(start);
                StatusRuntimeException preview = assertThrows(StatusRuntimeException.class,
                        () -> stub(channel, 3).previewBatch(PreviewBatchRequest.newBuilder()
                                .setCorpusId(other.getCorpusId()).build()));
                assertUnavailableSentence(preview);

                // The running job needs no tokenizer: it keeps training.
                int stepDuringOutage = TrainerClient.job(channel, running).getStep();
                TrainerClient.await(channel, running, j -> j.getStep() > stepDuringOutage + 10, 60);

                // The tokenizer comes back on the same port while a call is retrying.
                CompletableFuture<ServiceProcess> restarted = CompletableFuture.supplyAsync(() -> {
                    try {
                        Thread.sleep(1_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return ServiceProcess.start("tokenizer-service", tokenizerData, tokenizerPort, Map.of());
                });
                try {
                    String recovered = stub(channel, 60).startTraining(needsTokenizer).getJobId();
                    assertFalse(recovered.isEmpty());
                    assertEquals(4, stub(channel, 10).previewBatch(PreviewBatchRequest.newBuilder()
                            .setCorpusId(other.getCorpusId()).build()).getRowsCount());
                    stub(channel, 60).cancelJob(CancelJobRequest.newBuilder().setJobId(recovered).build());
                } finally {
                    tokenizer = restarted.get(90, TimeUnit.SECONDS);
                }
                stub(channel, 60).cancelJob(CancelJobRequest.newBuilder().setJobId(running).build());
            } finally {
                channel.shutdownNow();
            }
        } finally {
            tokenizer.close();
            try (var paths = Files.walk(tokenizerData)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static void assertUnavailableSentence(StatusRuntimeException e) {
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(),
                "answered within the deadline, not DEADLINE_EXCEEDED: " + e.getStatus());
        String why = e.getStatus().getDescription();
        assertTrue(why != null && why.contains("tokenizer service") && why.contains("quarkus.grpc.clients.tokenizer"), why);
    }

    private static TrainerGrpc.TrainerBlockingStub stub(ManagedChannel channel, long deadlineSeconds) {
        return TrainerGrpc.newBlockingStub(channel).withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS);
    }
}
