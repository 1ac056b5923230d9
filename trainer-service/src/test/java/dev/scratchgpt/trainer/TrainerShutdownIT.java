package dev.scratchgpt.trainer;

import dev.scratchgpt.testing.ServiceProcess;
import dev.scratchgpt.testing.SharedData;
import dev.scratchgpt.trainer.v1.CancelJobRequest;
import dev.scratchgpt.trainer.v1.Corpus;
import dev.scratchgpt.trainer.v1.Job;
import dev.scratchgpt.trainer.v1.JobState;
import dev.scratchgpt.trainer.v1.ModelType;
import dev.scratchgpt.trainer.v1.ResumeJobRequest;
import dev.scratchgpt.trainer.v1.StartTrainingRequest;
import dev.scratchgpt.trainer.v1.TrainerGrpc;
import dev.scratchgpt.trainer.v1.TrainingSpec;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTERM the packaged trainer while a job runs far from its next scheduled checkpoint: the job
 * is checkpointed at the step it reached, recorded FAILED with a sentence, and ResumeJob
 * continues from that step after the restart.
 */
class TrainerShutdownIT {

    @Test
    void sigtermCheckpointsARunningJobAtTheStepItReached() throws Exception {
        Path data = Files.createTempDirectory("trainer-term-data");
        try (ServiceProcess tokenizer = ServiceProcess.start("tokenizer-service", Map.of())) {
            Map<String, String> props = Map.of(
                    "quarkus.grpc.clients.tokenizer.host", "127.0.0.1",
                    "quarkus.grpc.clients.tokenizer.port", String.valueOf(tokenizer.port()),
                    "ai.djl.pytorch.num_threads", "1");
            String jobId;
            int stepAtTerm;
            ServiceProcess first = ServiceProcess.start("trainer-service", data, ServiceProcess.freePort(), props);
            ManagedChannel channel = first.channel();
            try {
                byte[] text = Arrays.copyOf(Files.readAllBytes(SharedData.tinyShakespeare()), 50_000);
                Corpus corpus = TrainerClient.upload(channel, text, 16_000);
                // The only scheduled checkpoint is at the end, far away.
                TrainingSpec spec = TrainingSpec.newBuilder().setModelType(ModelType.MODEL_TYPE_GPT).setBatchSize(16)
                        .setBlockSize(32).setNEmbd(32).setNHead(4).setNLayer(2).setLearningRate(1e-2f)
                        .setMaxSteps(100_000).setEvalInterval(100_000).setEvalIters(2).setCheckpointInterval(100_000).build();
                jobId = TrainerGrpc.newBlockingStub(channel).startTraining(StartTrainingRequest.newBuilder()
                        .setCorpusId(corpus.getCorpusId()).setModelName("term").setSpec(spec).build()).getJobId();
                stepAtTerm = TrainerClient.await(channel, jobId, j -> j.getStep() >= 30, 300).getStep();
            } finally {
                channel.shutdownNow();
            }
            first.terminate();
            assertTrue(Files.readString(first.log()).contains("checkpointed at step"), "the shutdown was logged");

            try (ServiceProcess second = ServiceProcess.start("trainer-service", data, ServiceProcess.freePort(), props)) {
                ManagedChannel ch = second.channel();
                try {
                    Job stopped = TrainerClient.job(ch, jobId);
                    assertEquals(JobState.JOB_STATE_FAILED, stopped.getState());
                    assertTrue(stopped.getError().contains("shut down") && stopped.getError().contains("ResumeJob"),
                            stopped.getError());
                    assertTrue(stopped.getCheckpointStep() >= stepAtTerm, "checkpointed at step "
                            + stopped.getCheckpointStep() + ", before the step " + stepAtTerm + " it had reached");
                    assertTrue(stopped.getError().contains("step " + stopped.getCheckpointStep()), stopped.getError());

                    TrainerGrpc.TrainerBlockingStub trainer = TrainerGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
                    Job resumed = trainer.resumeJob(ResumeJobRequest.newBuilder().setJobId(jobId).build());
                    assertEquals(stopped.getCheckpointStep(), resumed.getStep());
                    TrainerClient.await(ch, jobId, j -> j.getStep() > stopped.getCheckpointStep(), 300);
                    Job cancelled = trainer.cancelJob(CancelJobRequest.newBuilder().setJobId(jobId).build());
                    assertEquals(JobState.JOB_STATE_CANCELLED, cancelled.getState());
                } finally {
                    ch.shutdownNow();
                }
            }
        } finally {
            try (var paths = Files.walk(data)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
