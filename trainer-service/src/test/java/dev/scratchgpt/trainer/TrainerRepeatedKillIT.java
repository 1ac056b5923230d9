package dev.scratchgpt.trainer;

import dev.scratchgpt.store.ModelVersion;
import dev.scratchgpt.testing.ServiceProcess;
import dev.scratchgpt.testing.SharedData;
import dev.scratchgpt.trainer.v1.Corpus;
import dev.scratchgpt.trainer.v1.ExportModelRequest;
import dev.scratchgpt.trainer.v1.ExportModelResponse;
import dev.scratchgpt.trainer.v1.Job;
import dev.scratchgpt.trainer.v1.JobState;
import dev.scratchgpt.trainer.v1.ListJobsRequest;
import dev.scratchgpt.trainer.v1.LossPoint;
import dev.scratchgpt.trainer.v1.ModelType;
import dev.scratchgpt.trainer.v1.ResumeJobRequest;
import dev.scratchgpt.trainer.v1.StartTrainingRequest;
import dev.scratchgpt.trainer.v1.TrainerGrpc;
import dev.scratchgpt.trainer.v1.TrainingSpec;
import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGKILL the packaged trainer again and again: mid-training, mid-export (a kill that lands
 * while a publish's temporary folder exists) and with a second job queued. After every restart
 * no job record is lost, the interrupted job resumes from its last checkpoint, and every
 * version the store lists verifies and loads in ONNX Runtime.
 */
class TrainerRepeatedKillIT {

    private static final String MODEL = "killed";
    private static final int MAX_STEPS = 400;
    private static final int INTERVAL = 40;
    private static final int EXPORT_KILL_ATTEMPTS = 10;

    private Path data;
    private Map<String, String> props;
    private ServiceProcess trainer;
    private ManagedChannel channel;

    @Test
    void killsDuringTrainingAndExportLoseNoJobAndNeverShowATornModel() throws Exception {
        data = Files.createTempDirectory("trainer-kill-data");
        try (ServiceProcess tokenizer = ServiceProcess.start("tokenizer-service", Map.of())) {
            props = Map.of(
                    "quarkus.grpc.clients.tokenizer.host", "127.0.0.1",
                    "quarkus.grpc.clients.tokenizer.port", String.valueOf(tokenizer.port()),
                    "ai.djl.pytorch.num_threads", "1");
            startTrainer();
            byte[] text = Arrays.copyOf(Files.readAllBytes(SharedData.tinyShakespeare()), 50_000);
            Corpus corpus = TrainerClient.upload(channel, text, 16_000);
            TrainingSpec spec = TrainingSpec.newBuilder().setModelType(ModelType.MODEL_TYPE_GPT).setBatchSize(16)
                    .setBlockSize(32).setNEmbd(64).setNHead(4).setNLayer(2).setDropout(0f).setLearningRate(1e-2f)
                    .setMaxSteps(MAX_STEPS).setEvalInterval(INTERVAL).setEvalIters(5).setCheckpointInterval(INTERVAL).build();
            String jobId = trainerStub().startTraining(StartTrainingRequest.newBuilder().setCorpusId(corpus.getCorpusId())
                    .setModelName(MODEL).setSpec(spec).build()).getJobId();

            // Kill 1: mid-training, some steps past a checkpoint.
            Job before = TrainerClient.await(channel, jobId,
                    j -> j.getCheckpointStep() >= INTERVAL && j.getStep() > j.getCheckpointStep() + 5, 300);
            killAndRestart();
            resumeAfterKill(jobId, before);

            // Kill 2: while an export is being written (its temporary folder exists). Retried
            // until a kill lands inside that window; each miss is itself a kill to recover from.
            boolean landed = false;
            for (int attempt = 1; attempt <= EXPORT_KILL_ATTEMPTS && !landed; attempt++) {
                Job current = TrainerClient.job(channel, jobId);
                long pid = trainer.process().pid();
                ListenableFuture<ExportModelResponse> export = TrainerGrpc.newFutureStub(channel)
                        .exportModel(ExportModelRequest.newBuilder().setJobId(jobId).build());
                landed = killWhenPublishing(pid, export);
                restart();
                assertFalse(landed && PublishedModels.temporaryFolders(data, MODEL).isEmpty(),
                        "a kill inside the publish leaves its temporary folder behind");
                assertJobKept(jobId, current);
            }
            assertTrue(landed, "no kill landed inside an export in " + EXPORT_KILL_ATTEMPTS + " attempts");
            Job interrupted = TrainerClient.job(channel, jobId);
            resumeAfterKill(jobId, interrupted);

            // Kill 3: mid-training again, after a new checkpoint, with a second job queued behind.
            int resumedFrom = interrupted.getCheckpointStep();
            String queuedId = trainerStub().startTraining(StartTrainingRequest.newBuilder().setCorpusId(corpus.getCorpusId())
                    .setModelName(MODEL + "-bigram").setSpec(TrainingSpec.newBuilder().setModelType(ModelType.MODEL_TYPE_BIGRAM)
                            .setMaxSteps(20).setEvalInterval(10).setEvalIters(2).build()).build()).getJobId();
            assertEquals(JobState.JOB_STATE_QUEUED, TrainerClient.job(channel, queuedId).getState());
            before = TrainerClient.await(channel, jobId, j -> j.getCheckpointStep() > resumedFrom
                    && j.getStep() > j.getCheckpointStep() + 5, 300);
            killAndRestart();
            Job queued = TrainerClient.job(channel, queuedId);
            assertEquals(JobState.JOB_STATE_FAILED, queued.getState(), "the queued job's record survived the kill");
            assertTrue(queued.getError().contains("ResumeJob"), queued.getError());
            resumeAfterKill(jobId, before);

            // To the end: the curve is whole and continues low across all three restarts.
            TrainerClient.watchToEnd(channel, jobId, 600);
            Job done = TrainerClient.job(channel, jobId);
            assertEquals(JobState.JOB_STATE_SUCCEEDED, done.getState(), done.getError());
            assertEquals(MAX_STEPS, done.getStep());
            List<Integer> steps = done.getLossHistoryList().stream().map(LossPoint::getStep).toList();
            assertEquals(java.util.stream.IntStream.rangeClosed(0, MAX_STEPS / INTERVAL).map(i -> i * INTERVAL).boxed().toList(),
                    steps);
            float start = done.getLossHistory(0).getValLoss();
            for (LossPoint p : done.getLossHistoryList().subList(2, steps.size())) {
                assertTrue(p.getValLoss() < start - 1.0f, "val loss at step " + p.getStep() + " is " + p.getValLoss()
                        + ": training restarted instead of continuing (start " + start + ")");
            }
            assertTrue(done.getModelVersion() > 0, "the finished job was exported");
            assertTrue(PublishedModels.temporaryFolders(data, MODEL).isEmpty(),
                    "the next publish removed the folders killed writers left behind");
            List<ModelVersion> versions = PublishedModels.verifyAll(data);
            assertTrue(versions.stream().anyMatch(v -> v.name().equals(MODEL) && v.version() == done.getModelVersion()),
                    "the store lists the final export: " + versions);
        } finally {
            if (channel != null) {
                channel.shutdownNow();
            }
            if (trainer != null) {
                trainer.close();
            }
            try (var paths = Files.walk(data)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /**
     * Watches the store for a temporary folder of this trainer's process and SIGKILLs it the
     * moment one appears; true when the kill landed before the export answered.
     */
    private boolean killWhenPublishing(long pid, ListenableFuture<ExportModelResponse> export) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && !export.isDone()) {
            boolean writing = PublishedModels.temporaryFolders(data, MODEL).stream()
                    .anyMatch(p -> p.getFileName().toString().contains("-" + pid + "-"));
            if (writing) {
                trainer.kill();
                return !export.isDone() || export.isCancelled() || failed(export);
            }
            Thread.onSpinWait();
        }
        trainer.kill();
        return false;
    }

    private static boolean failed(ListenableFuture<?> future) {
        try {
            future.get();
            return false;
        } catch (Exception e) {
            return true;
        }
    }

    /** After a restart: the job is there, FAILED with a sentence, its checkpoint at least where it was. */
    private Job assertJobKept(String jobId, Job before) {
        List<String> ids = trainerStub().listJobs(ListJobsRequest.getDefaultInstance()).getJobsList().stream()
                .map(Job::getJobId).toList();
        assertTrue(ids.contains(jobId), "ListJobs lost " + jobId + ": " + ids);
        Job job = TrainerClient.job(channel, jobId);
        assertEquals(JobState.JOB_STATE_FAILED, job.getState());
        assertTrue(job.getError().contains("ResumeJob"), job.getError());
        assertTrue(job.getCheckpointStep() >= before.getCheckpointStep(), "checkpoint step went back from "
                + before.getCheckpointStep() + " to " + job.getCheckpointStep());
        try {
            PublishedModels.verifyAll(data);
        } catch (Exception e) {
            throw new AssertionError("the store lists a version that does not verify or load: " + e, e);
        }
        return job;
    }

    /** Resumes a killed job: the step count continues from its checkpoint, as does the loss. */
    private void resumeAfterKill(String jobId, Job before) throws Exception {
        Job kept = assertJobKept(jobId, before);
        Job resumed = trainerStub().resumeJob(ResumeJobRequest.newBuilder().setJobId(jobId).build());
        assertEquals(kept.getCheckpointStep(), resumed.getStep(), "the step count continues from the checkpoint");
        int from = kept.getCheckpointStep();
        Job running = TrainerClient.await(channel, jobId, j -> j.getStep() > from, 300);
        assertEquals(JobState.JOB_STATE_RUNNING, running.getState());
    }

    private void killAndRestart() {
        trainer.kill();
        restart();
    }

    private void restart() {
        channel.shutdownNow();
        startTrainer();
    }

    private void startTrainer() {
        trainer = ServiceProcess.start("trainer-service", data, ServiceProcess.freePort(), props);
        channel = trainer.channel();
    }

    private TrainerGrpc.TrainerBlockingStub trainerStub() {
        return TrainerGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }
}
