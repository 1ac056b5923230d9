package dev.scratchgpt.trainer;

import dev.scratchgpt.testing.ServiceProcess;
import dev.scratchgpt.testing.SharedData;
import dev.scratchgpt.trainer.v1.Corpus;
import dev.scratchgpt.trainer.v1.GetJobRequest;
import dev.scratchgpt.trainer.v1.Job;
import dev.scratchgpt.trainer.v1.JobState;
import dev.scratchgpt.trainer.v1.LossPoint;
import dev.scratchgpt.trainer.v1.ModelType;
import dev.scratchgpt.trainer.v1.ResumeJobRequest;
import dev.scratchgpt.trainer.v1.StartTrainingRequest;
import dev.scratchgpt.trainer.v1.TrainerGrpc;
import dev.scratchgpt.trainer.v1.TrainingSpec;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged trainer as a real process: SIGKILL it in the middle of a job, start it again on
 * the same data directory, and resume. Runs after packaging (failsafe).
 */
class TrainerRestartIT {

    @Test
    void aKilledJobIsMarkedFailedAndResumesFromItsCheckpoint() throws Exception {
        try (ServiceProcess tokenizer = ServiceProcess.start("tokenizer-service", Map.of())) {
            Map<String, String> props = Map.of(
                    "quarkus.grpc.clients.tokenizer.host", "127.0.0.1",
                    "quarkus.grpc.clients.tokenizer.port", String.valueOf(tokenizer.port()),
                    "ai.djl.pytorch.num_threads", "1");
            ServiceProcess first = ServiceProcess.start("trainer-service", props);
            Job before;
            String jobId;
            ManagedChannel channel = first.channel();
            try {
                byte[] text = Arrays.copyOf(Files.readAllBytes(SharedData.tinyShakespeare()), 50_000);
                Corpus corpus = TrainerClient.upload(channel, text, 16_000);
                TrainingSpec spec = TrainingSpec.newBuilder().setModelType(ModelType.MODEL_TYPE_GPT).setBatchSize(16)
                        .setBlockSize(32).setNEmbd(32).setNHead(4).setNLayer(2).setDropout(0.1f).setLearningRate(1e-2f)
                        .setMaxSteps(240).setEvalInterval(40).setEvalIters(5).setCheckpointInterval(40).build();
                jobId = TrainerGrpc.newBlockingStub(channel).startTraining(StartTrainingRequest.newBuilder()
                        .setCorpusId(corpus.getCorpusId()).setModelName("restart").setSpec(spec).build()).getJobId();
                before = TrainerClient.await(channel, jobId, j -> j.getCheckpointStep() >= 80 && j.getLossHistoryCount() >= 3, 300);
            } finally {
                channel.shutdownNow();
            }
            first.kill();

            try (ServiceProcess second = ServiceProcess.start("trainer-service", first.dataDir(), ServiceProcess.freePort(), props)) {
                ManagedChannel ch = second.channel();
                try {
                    TrainerGrpc.TrainerBlockingStub trainer = TrainerGrpc.newBlockingStub(ch);
                    Job interrupted = trainer.getJob(GetJobRequest.newBuilder().setJobId(jobId).build());
                    assertEquals(JobState.JOB_STATE_FAILED, interrupted.getState());
                    assertTrue(interrupted.getError().contains("ResumeJob"), interrupted.getError());
                    int checkpoint = interrupted.getCheckpointStep();
                    assertTrue(checkpoint >= before.getCheckpointStep(), "the record kept the checkpoint step");

                    Job resumed = trainer.resumeJob(ResumeJobRequest.newBuilder().setJobId(jobId).build());
                    assertEquals(checkpoint, resumed.getStep(), "the step count continues from the checkpoint");
                    TrainerClient.watchToEnd(ch, jobId, 600);
                    Job done = trainer.getJob(GetJobRequest.newBuilder().setJobId(jobId).build());
                    assertEquals(JobState.JOB_STATE_SUCCEEDED, done.getState());
                    assertEquals(240, done.getStep());
                    List<Integer> steps = done.getLossHistoryList().stream().map(LossPoint::getStep).toList();
                    assertEquals(List.of(0, 40, 80, 120, 160, 200, 240), steps);
                    // Estimates recorded before the kill are unchanged (and recomputed identically).
                    for (LossPoint p : before.getLossHistoryList()) {
                        if (p.getStep() <= checkpoint) {
                            assertEquals(p.getValLoss(), done.getLossHistory(p.getStep() / 40).getValLoss(), 1e-4f);
                        }
                    }
                    float start = done.getLossHistory(0).getValLoss();
                    float firstAfterResume = done.getLossHistory(checkpoint / 40 + 1).getValLoss();
                    assertTrue(firstAfterResume < start - 1.0f, "after resuming the loss continues low (" + firstAfterResume
                            + ") instead of restarting near ln V (" + start + ")");
                } finally {
                    ch.shutdownNow();
                }
            }
        }
    }
}
