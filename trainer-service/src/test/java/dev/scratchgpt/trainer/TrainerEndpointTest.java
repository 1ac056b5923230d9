package dev.scratchgpt.trainer;

import dev.scratchgpt.testing.ServiceChecks;
import dev.scratchgpt.testing.SharedData;
import dev.scratchgpt.testing.TokenizerServiceResource;
import dev.scratchgpt.trainer.data.CorpusHttpServer;
import dev.scratchgpt.trainer.v1.BatchRow;
import dev.scratchgpt.trainer.v1.CancelJobRequest;
import dev.scratchgpt.trainer.v1.Corpus;
import dev.scratchgpt.trainer.v1.EventKind;
import dev.scratchgpt.trainer.v1.ExportModelRequest;
import dev.scratchgpt.trainer.v1.ExportModelResponse;
import dev.scratchgpt.trainer.v1.GetJobRequest;
import dev.scratchgpt.trainer.v1.Job;
import dev.scratchgpt.trainer.v1.JobState;
import dev.scratchgpt.trainer.v1.ListCorporaRequest;
import dev.scratchgpt.trainer.v1.LrSchedule;
import dev.scratchgpt.trainer.v1.ModelType;
import dev.scratchgpt.trainer.v1.PreviewBatchRequest;
import dev.scratchgpt.trainer.v1.PreviewBatchResponse;
import dev.scratchgpt.trainer.v1.StartTrainingRequest;
import dev.scratchgpt.trainer.v1.TrainerGrpc;
import dev.scratchgpt.trainer.v1.TrainingEvent;
import dev.scratchgpt.trainer.v1.TrainingSpec;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trainer over real gRPC, with the real tokenizer service, the real DJL engine and, for corpus_url, a real HTTP server. */
@QuarkusTest
@QuarkusTestResource(TokenizerServiceResource.class)
class TrainerEndpointTest {

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;
    @ConfigProperty(name = "scratchgpt.data-dir")
    Path dataDir;

    private ManagedChannel channel;
    private TrainerGrpc.TrainerBlockingStub trainer;

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        trainer = TrainerGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void close() {
        channel.shutdownNow();
    }

    private static byte[] shakespeare(int bytes) throws Exception {
        return Arrays.copyOf(Files.readAllBytes(SharedData.tinyShakespeare()), bytes);
    }

    private Corpus upload(byte[] bytes) throws Exception {
        return TrainerClient.upload(channel, bytes, 7_000);
    }

    private static TrainingSpec.Builder tinyGpt() {
        return TrainingSpec.newBuilder().setModelType(ModelType.MODEL_TYPE_GPT).setBatchSize(16).setBlockSize(32)
                .setNEmbd(48).setNHead(4).setNLayer(2).setDropout(0f).setLearningRate(1e-2f)
                .setLrSchedule(LrSchedule.LR_SCHEDULE_COSINE).setWarmupSteps(20).setMinLearningRate(1e-3f)
                .setEvalInterval(100).setEvalIters(10).setCheckpointInterval(100);
    }

    @Test
    void uploadStoresByContentHashOnce() throws Exception {
        byte[] bytes = shakespeare(30_000);
        Corpus first = upload(bytes);
        Corpus again = TrainerClient.upload(channel, bytes, 1_000);
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)), first.getCorpusId());
        assertEquals(first.getCorpusId(), again.getCorpusId());
        assertEquals(30_000, first.getSizeBytes());
        assertEquals(30_000, first.getSizeChars()); // tinyshakespeare is ASCII
        assertEquals(1, trainer.listCorpora(ListCorporaRequest.getDefaultInstance()).getCorporaList().stream()
                .filter(c -> c.getCorpusId().equals(first.getCorpusId())).count());
    }

    @Test
    void uploadTakesChunksFarLargerThanQuarkussDefaultMessageLimit() throws Exception {
        byte[] bytes = shakespeare(1_100_000); // the whole corpus in one 1.1 MB message
        Corpus corpus = TrainerClient.upload(channel, bytes, bytes.length);
        assertEquals(bytes.length, corpus.getSizeBytes());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)), corpus.getCorpusId());
    }

    @Test
    void aTinyGptLearnsWellBelowLnVAndIsExported() throws Exception {
        Corpus corpus = upload(shakespeare(100_000));
        Job job = trainer.startTraining(StartTrainingRequest.newBuilder().setCorpusId(corpus.getCorpusId())
                .setModelName("tiny-shakespeare").setSpec(tinyGpt().setMaxSteps(300)).build()).getJob();
        assertTrue(job.getVocabSize() > 50 && job.getVocabSize() <= 65, "a character vocabulary: " + job.getVocabSize());
        List<TrainingEvent> events = TrainerClient.watchToEnd(channel, job.getJobId(), 600);
        Set<EventKind> kinds = events.stream().map(TrainingEvent::getKind).collect(Collectors.toSet());
        assertTrue(kinds.containsAll(Set.of(EventKind.EVENT_KIND_STATE, EventKind.EVENT_KIND_STEP, EventKind.EVENT_KIND_EVAL,
                EventKind.EVENT_KIND_CHECKPOINT, EventKind.EVENT_KIND_EXPORTED)), kinds.toString());
        assertEquals(JobState.JOB_STATE_SUCCEEDED, events.get(events.size() - 1).getState());
        Job done = trainer.getJob(GetJobRequest.newBuilder().setJobId(job.getJobId()).build());
        double lnV = Math.log(done.getVocabSize());
        assertEquals(lnV, done.getLossHistory(0).getValLoss(), 0.3, "untrained: about ln V");
        assertTrue(done.getValLoss() < lnV - 1.3, "val loss " + done.getValLoss() + " vs ln V " + lnV);
        assertEquals(300, done.getStep());
        assertEquals(300, done.getCheckpointStep());
        assertEquals(1, done.getModelVersion());
        assertTrue(Files.isRegularFile(dataDir.resolve("models/tiny-shakespeare/1/model.onnx")));
        long stepEvents = events.stream().filter(e -> e.getKind() == EventKind.EVENT_KIND_STEP).count();
        assertTrue(stepEvents < 300, "step events are rate-limited, got " + stepEvents);
        TrainingEvent lastStep = events.stream().filter(e -> e.getKind() == EventKind.EVENT_KIND_STEP)
                .reduce((a, b) -> b).orElseThrow();
        assertTrue(lastStep.getTokensPerSecond() > 0 && lastStep.hasBatchLoss() && lastStep.getLearningRate() > 0);

        String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://localhost:" + port + "/q/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(metrics.contains("scratchgpt_trainer_jobs{state=\"succeeded\"}"), "jobs by state");
        assertTrue(metrics.contains("scratchgpt_trainer_step_seconds_count"), "step time");
        assertTrue(metrics.contains("scratchgpt_trainer_loss{split=\"val\"}"), "val loss");
        assertTrue(metrics.contains("scratchgpt_trainer_tokens_per_second"), "tokens/s");

        ExportModelResponse exported = trainer.exportModel(ExportModelRequest.newBuilder().setJobId(job.getJobId()).build());
        assertEquals(2, exported.getModelVersion());
        assertEquals(300, exported.getStep());
    }

    @Test
    void previewShowsContextsAndTargetsAsTrainingSamplesThem() throws Exception {
        Corpus corpus = upload(shakespeare(20_000));
        PreviewBatchResponse preview = trainer.previewBatch(PreviewBatchRequest.newBuilder()
                .setCorpusId(corpus.getCorpusId()).setBatchSize(4).setBlockSize(8).build());
        assertEquals(4, preview.getRowsCount());
        String text = new String(shakespeare(20_000), java.nio.charset.StandardCharsets.US_ASCII);
        for (BatchRow row : preview.getRowsList()) {
            assertEquals(8, row.getContextText().length());
            int at = text.indexOf(row.getContextText() + row.getTargetText().charAt(7));
            assertTrue(at >= 0 && at < 18_000, "the context and its next char come from the train split");
            assertEquals(row.getContextText().substring(1), row.getTargetText().substring(0, 7));
            assertEquals(8, row.getWalkCount());
            assertEquals(row.getContextIds(2), row.getWalk(2).getContextIds(2));
            assertEquals(row.getTargetIds(2), row.getWalk(2).getTargetId());
        }
        PreviewBatchResponse again = trainer.previewBatch(PreviewBatchRequest.newBuilder()
                .setCorpusId(corpus.getCorpusId()).setBatchSize(4).setBlockSize(8).build());
        assertEquals(preview, again, "the same seed draws the same batch");
    }

    @Test
    void badSpecsAreRefusedNamingTheField() throws Exception {
        Corpus corpus = upload(shakespeare(20_000));
        assertRefused(Status.Code.INVALID_ARGUMENT, "spec.n_embd 50 must be divisible by spec.n_head 4",
                tinyGpt().setNEmbd(50), corpus.getCorpusId());
        assertRefused(Status.Code.INVALID_ARGUMENT, "spec.batch_size 0", tinyGpt().setBatchSize(0), corpus.getCorpusId());
        assertRefused(Status.Code.INVALID_ARGUMENT, "spec.learning_rate -1.0", tinyGpt().setLearningRate(-1), corpus.getCorpusId());
        assertRefused(Status.Code.INVALID_ARGUMENT, "spec.dropout 1.0", tinyGpt().setDropout(1), corpus.getCorpusId());
        assertRefused(Status.Code.INVALID_ARGUMENT, "spec.model_type", TrainingSpec.newBuilder(), corpus.getCorpusId());
        assertRefused(Status.Code.INVALID_ARGUMENT, "spec.block_size 4000 must be smaller than the val split",
                tinyGpt().setBlockSize(4000), corpus.getCorpusId());
        assertRefused(Status.Code.INVALID_ARGUMENT, "spec.vocabulary_id",
                tinyGpt().setVocabularyId("0000"), corpus.getCorpusId());
        assertRefused(Status.Code.FAILED_PRECONDITION, "device 'cuda'", tinyGpt().setDevice("cuda"), corpus.getCorpusId());
        assertRefused(Status.Code.NOT_FOUND, "corpus_id", tinyGpt(), "ab".repeat(32));

        StatusRuntimeException outside = assertThrows(StatusRuntimeException.class, () -> trainer.startTraining(
                StartTrainingRequest.newBuilder().setCorpusPath("../../etc/passwd").setSpec(tinyGpt()).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, outside.getStatus().getCode());
        assertTrue(outside.getStatus().getDescription().contains("outside the data directory"));
        StatusRuntimeException ftp = assertThrows(StatusRuntimeException.class, () -> trainer.startTraining(
                StartTrainingRequest.newBuilder().setCorpusUrl("ftp://example.org/x.txt").setSpec(tinyGpt()).build()));
        assertTrue(ftp.getStatus().getDescription().contains("must be an http or https URL"));
        StatusRuntimeException missing = assertThrows(StatusRuntimeException.class,
                () -> trainer.getJob(GetJobRequest.newBuilder().setJobId("job-nope").build()));
        assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
    }

    private void assertRefused(Status.Code code, String text, TrainingSpec.Builder spec, String corpusId) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> trainer.startTraining(
                StartTrainingRequest.newBuilder().setCorpusId(corpusId).setSpec(spec).build()));
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().contains(text), e.getStatus().getDescription());
    }

    @Test
    void oneJobPerDeviceOthersQueueAndCancelStopsWithinAStep() throws Exception {
        Corpus corpus = upload(shakespeare(20_000));
        StartTrainingRequest.Builder longJob = StartTrainingRequest.newBuilder().setCorpusId(corpus.getCorpusId())
                .setSpec(tinyGpt().setMaxSteps(1_000_000).setEvalInterval(1_000_000).setCheckpointInterval(1_000_000));
        Job running = trainer.startTraining(longJob.build()).getJob();
        Job queued = trainer.startTraining(longJob.build()).getJob();
        Job first = awaitStep(running.getJobId(), 3);
        assertEquals(JobState.JOB_STATE_RUNNING, first.getState());
        Job second = trainer.getJob(GetJobRequest.newBuilder().setJobId(queued.getJobId()).build());
        assertEquals(JobState.JOB_STATE_QUEUED, second.getState());
        assertEquals(1, second.getQueuePosition());

        Job cancelledQueued = trainer.cancelJob(CancelJobRequest.newBuilder().setJobId(queued.getJobId()).build());
        assertEquals(JobState.JOB_STATE_CANCELLED, cancelledQueued.getState());
        Job cancelled = trainer.cancelJob(CancelJobRequest.newBuilder().setJobId(running.getJobId()).build());
        assertEquals(JobState.JOB_STATE_CANCELLED, cancelled.getState());
        assertEquals(cancelled.getStep(), cancelled.getCheckpointStep(), "the checkpoint is where it stopped");
        assertTrue(Files.isRegularFile(dataDir.resolve("jobs").resolve(running.getJobId()).resolve("checkpoint/checkpoint.bin")));
        StatusRuntimeException again = assertThrows(StatusRuntimeException.class,
                () -> trainer.cancelJob(CancelJobRequest.newBuilder().setJobId(running.getJobId()).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, again.getStatus().getCode());
    }

    private Job awaitStep(String jobId, int step) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            Job job = trainer.getJob(GetJobRequest.newBuilder().setJobId(jobId).build());
            if (job.getStep() >= step) {
                return job;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("job " + jobId + " did not reach step " + step);
    }

    private static StartTrainingRequest fromUrl(String url) {
        return StartTrainingRequest.newBuilder().setCorpusUrl(url).setModelName("from-url")
                .setSpec(tinyGpt().setMaxSteps(20)).build();
    }

    @Test
    void aDownloadedCorpusTrainsAndTheSameUrlIsStoredOnce() throws Exception {
        // an excerpt no other test uploads, so the first download stores it under its URL's name
        byte[] excerpt = Arrays.copyOfRange(shakespeare(75_000), 50_000, 75_000);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(excerpt));
        try (CorpusHttpServer http = new CorpusHttpServer()) {
            String url = http.serve("/shakespeare.txt", excerpt);
            Job job = trainer.startTraining(fromUrl(url)).getJob();
            assertEquals(sha, job.getCorpusId(), "the job trains on the downloaded bytes");
            Job done = TrainerClient.await(channel, job.getJobId(), TrainerEndpointTest::ended, 120);
            assertEquals(JobState.JOB_STATE_SUCCEEDED, done.getState(), done.toString());
            assertEquals(20, done.getStep());
            List<Corpus> listed = trainer.listCorpora(ListCorporaRequest.getDefaultInstance()).getCorporaList().stream()
                    .filter(c -> c.getCorpusId().equals(sha)).toList();
            assertEquals(1, listed.size());
            assertEquals(25_000, listed.get(0).getSizeBytes());
            assertEquals("/shakespeare.txt", listed.get(0).getFilename());

            Job again = trainer.startTraining(fromUrl(url)).getJob();
            assertEquals(sha, again.getCorpusId(), "the same bytes again are the same corpus");
            assertEquals(1, trainer.listCorpora(ListCorporaRequest.getDefaultInstance()).getCorporaList().stream()
                    .filter(c -> c.getCorpusId().equals(sha)).count());
            TrainerClient.await(channel, again.getJobId(), TrainerEndpointTest::ended, 120); // free the device for the next test
        }
    }

    private static boolean ended(Job job) {
        return job.getState() == JobState.JOB_STATE_SUCCEEDED || job.getState() == JobState.JOB_STATE_FAILED;
    }

    @Test
    void theCallersDeadlineAndCancelStopACorpusUrlDownload() throws Exception {
        // The caller gives up long before the test profile's 3 s download timeout; the trainer must
        // hang up on the HTTP server then (before the fix it read on until its own timeout).
        try (CorpusHttpServer http = new CorpusHttpServer()) {
            String url = http.trickle("/slow.txt");
            StatusRuntimeException late = assertThrows(StatusRuntimeException.class,
                    () -> trainer.withDeadlineAfter(500, TimeUnit.MILLISECONDS).startTraining(fromUrl(url)));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, late.getStatus().getCode());
            assertTrue(http.awaitHangUp(Duration.ofSeconds(2)), "the trainer stopped at the caller's deadline");
        }
        try (CorpusHttpServer http = new CorpusHttpServer()) {
            String url = http.trickle("/slow.txt");
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
            Context.CancellableContext call = Context.current().withCancellation();
            timer.schedule(() -> call.cancel(null), 500, TimeUnit.MILLISECONDS);
            StatusRuntimeException cancelled = assertThrows(StatusRuntimeException.class,
                    () -> call.call(() -> trainer.startTraining(fromUrl(url))));
            timer.shutdown();
            assertEquals(Status.Code.CANCELLED, cancelled.getStatus().getCode());
            assertTrue(http.awaitHangUp(Duration.ofSeconds(2)), "the trainer stopped when the caller cancelled");
        }
        assertEquals(List.of(), ServiceChecks.partialFiles(dataDir));
    }
}
