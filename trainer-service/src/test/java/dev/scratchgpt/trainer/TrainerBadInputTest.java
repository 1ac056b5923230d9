package dev.scratchgpt.trainer;

import com.google.protobuf.ByteString;
import dev.scratchgpt.testing.ClientStream;
import dev.scratchgpt.testing.ServiceChecks;

import dev.scratchgpt.testing.TokenizerServiceResource;
import dev.scratchgpt.trainer.data.CorpusHttpServer;
import dev.scratchgpt.trainer.v1.CancelJobRequest;
import dev.scratchgpt.trainer.v1.ExportModelRequest;
import dev.scratchgpt.trainer.v1.GetJobRequest;
import dev.scratchgpt.trainer.v1.ListJobsRequest;
import dev.scratchgpt.trainer.v1.LrSchedule;
import dev.scratchgpt.trainer.v1.ModelType;
import dev.scratchgpt.trainer.v1.PreviewBatchRequest;
import dev.scratchgpt.trainer.v1.ResumeJobRequest;
import dev.scratchgpt.trainer.v1.StartTrainingRequest;
import dev.scratchgpt.trainer.v1.TrainerGrpc;
import dev.scratchgpt.trainer.v1.TrainingSpec;
import dev.scratchgpt.trainer.v1.UploadCorpusRequest;
import dev.scratchgpt.trainer.v1.WatchTrainingRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static dev.scratchgpt.testing.BadInputCatalogue.assertAnswer;
import static dev.scratchgpt.testing.BadInputCatalogue.assertSurvived;
import static dev.scratchgpt.testing.BadInputCatalogue.row;
import static dev.scratchgpt.testing.BadInputCatalogue.statusOf;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * docs/bad-input.md, trainer table: one case per row over real gRPC (with the real tokenizer
 * service behind), then a check that the trainer survived them all: health, a valid call, no
 * thread growth, no partial file in its data directory. Test profile: idle timeout 20 s (room for
 * a 16 MiB message to arrive on a loaded machine), corpus cap 32 MiB, download timeout 3 s; the
 * corpus_url rows download from a local {@link CorpusHttpServer}.
 */
@QuarkusTest
@QuarkusTestResource(TokenizerServiceResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrainerBadInputTest {

    static final Duration WAIT = Duration.ofSeconds(60);
    static final int MIB = 1024 * 1024;

    static ManagedChannel channel;
    static CorpusHttpServer http;
    static TrainerGrpc.TrainerBlockingStub trainer;
    static TrainerGrpc.TrainerStub async;
    static String corpusId;
    static int threadsBefore;

    @BeforeAll
    static void connectAndWarmUp() throws Exception {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        http = new CorpusHttpServer();
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        trainer = TrainerGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.MINUTES);
        async = TrainerGrpc.newStub(channel);
        corpusId = TrainerClient.upload(channel, "hello world, this is a small corpus.\n".repeat(50).getBytes(), 512)
                .getCorpusId();
        for (int i = 0; i < 4; i++) { // warm the worker pool and the idle timer before counting threads
            TrainerClient.upload(channel, ("warm-up " + i).getBytes(), 4);
            trainer.listJobs(ListJobsRequest.getDefaultInstance());
        }
        threadsBefore = ServiceChecks.liveThreads();
    }

    @AfterAll
    static void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        http.close();
    }



    static UploadCorpusRequest data(byte[] bytes) {
        return UploadCorpusRequest.newBuilder().setData(ByteString.copyFrom(bytes)).build();
    }

    static Status upload(List<UploadCorpusRequest> chunks, boolean halfClose) {
        return ClientStream.call(async::uploadCorpus, chunks, halfClose, WAIT).status();
    }

    static TrainingSpec.Builder bigram() {
        return TrainingSpec.newBuilder().setModelType(ModelType.MODEL_TYPE_BIGRAM).setBatchSize(4).setBlockSize(8)
                .setMaxSteps(1);
    }

    static TrainingSpec.Builder gpt() {
        return TrainingSpec.newBuilder().setModelType(ModelType.MODEL_TYPE_GPT).setBatchSize(4).setBlockSize(8)
                .setNEmbd(16).setNHead(2).setNLayer(1).setMaxSteps(1);
    }

    /** StartTraining on the small corpus with one field of the spec changed. */
    static Status start(TrainingSpec.Builder spec) {
        return statusOf(() -> trainer.startTraining(StartTrainingRequest.newBuilder().setCorpusId(corpusId)
                .setSpec(spec).build()));
    }

    static Status start(UnaryOperator<StartTrainingRequest.Builder> change) {
        return statusOf(() -> trainer.startTraining(change.apply(StartTrainingRequest.newBuilder().setSpec(bigram())).build()));
    }

    static Status preview(UnaryOperator<PreviewBatchRequest.Builder> change) {
        return statusOf(() -> trainer.previewBatch(change.apply(PreviewBatchRequest.newBuilder().setCorpusId(corpusId)).build()));
    }

    static Stream<Arguments> catalogue() {
        String huge = "x".repeat(MIB);
        float nan = Float.NaN;
        float inf = Float.POSITIVE_INFINITY;
        Status.Code invalid = Status.Code.INVALID_ARGUMENT;
        return Stream.of(
                // UploadCorpus
                row("UploadCorpus no messages", invalid, "the corpus is empty", () -> upload(List.of(), true)),
                row("UploadCorpus only empty data", invalid, "the corpus is empty", () -> upload(List.of(data(new byte[0])), true)),
                row("UploadCorpus data not UTF-8", invalid, "not valid UTF-8 text: the bytes at offset 3",
                        () -> upload(List.of(data(new byte[]{'a', 'b', 'c', (byte) 0xFF, 'd'})), true)),
                row("UploadCorpus data ends inside a character", invalid, "not valid UTF-8 text: the bytes at offset 1",
                        () -> upload(List.of(data(new byte[]{'a', (byte) 0xE2, (byte) 0x82})), true)),
                row("UploadCorpus filename over 255 characters", invalid, "filename is 1000 characters long; at most 255",
                        () -> upload(List.of(UploadCorpusRequest.newBuilder().setFilename("f".repeat(1000))
                                .setData(ByteString.copyFromUtf8("abc")).build()), true)),
                row("UploadCorpus chunk over 16 MiB", Status.Code.RESOURCE_EXHAUSTED, "send the corpus in smaller chunks",
                        () -> upload(List.of(data(new byte[16 * MIB + 1])), true)),
                row("UploadCorpus message over the 64 MiB transport cap", Status.Code.RESOURCE_EXHAUSTED, "",
                        () -> upload(List.of(data(new byte[64 * MIB + 1])), true)),
                row("UploadCorpus streaming past the corpus cap", Status.Code.RESOURCE_EXHAUSTED, "cap of 33554432 bytes",
                        () -> upload(Collections.nCopies(40, data(new byte[MIB])), true)),
                row("UploadCorpus client goes silent", Status.Code.DEADLINE_EXCEEDED, "no message arrived on this UploadCorpus stream for 20 s",
                        () -> upload(List.of(data("half a corpus".getBytes())), false)),
                // StartTraining: corpus and names
                row("StartTraining no corpus", invalid, "one of corpus_id, corpus_url or corpus_path is required", () -> start(b -> b)),
                row("StartTraining corpus_id unknown", Status.Code.NOT_FOUND, "is not a stored corpus", () -> start(b -> b.setCorpusId("0".repeat(64)))),
                row("StartTraining corpus_id huge", Status.Code.NOT_FOUND, "characters left out", () -> start(b -> b.setCorpusId(huge))),
                row("StartTraining corpus_url not http", invalid, "must be an http or https URL", () -> start(b -> b.setCorpusUrl("file:///etc/passwd"))),
                row("StartTraining corpus_url answers HTTP 404", invalid, "answered HTTP 404",
                        () -> start(b -> b.setCorpusUrl(http.url("/missing.txt")))),
                row("StartTraining corpus_url declares more than the cap", Status.Code.RESOURCE_EXHAUSTED,
                        "is 41943040 bytes, over the cap of 33554432 bytes (scratchgpt.corpus.max-bytes)",
                        () -> start(b -> b.setCorpusUrl(http.declareOnly("/declared.txt", 40L * MIB)))),
                row("StartTraining corpus_url streams past the cap", Status.Code.RESOURCE_EXHAUSTED,
                        "the corpus is larger than the cap of 33554432 bytes (scratchgpt.corpus.max-bytes)",
                        () -> start(b -> b.setCorpusUrl(http.stream("/endless.txt", 33L * MIB)))),
                row("StartTraining corpus_url trickles past the download timeout", Status.Code.DEADLINE_EXCEEDED,
                        "did not finish within PT3S (scratchgpt.corpus.download-timeout): it stopped after",
                        () -> start(b -> b.setCorpusUrl(http.trickle("/trickle.txt")))),
                row("StartTraining corpus_path outside the data directory", invalid, "resolves outside the data directory",
                        () -> start(b -> b.setCorpusPath("../../../../etc/passwd"))),
                row("StartTraining model_name not a name", invalid, "must match [a-z0-9][a-z0-9._-]{0,62}",
                        () -> start(b -> b.setCorpusId(corpusId).setModelName("../escape"))),
                row("StartTraining model_name huge", invalid, "characters left out", () -> start(b -> b.setCorpusId(corpusId).setModelName(huge))),
                // StartTraining: numbers
                row("StartTraining model_type unset", invalid, "spec.model_type 0 is not a model type", () -> start(TrainingSpec.newBuilder())),
                row("StartTraining batch_size zero", invalid, "spec.batch_size 0 is outside the allowed range 1..4096", () -> start(bigram().setBatchSize(0))),
                row("StartTraining batch_size negative", invalid, "spec.batch_size -5 is outside", () -> start(bigram().setBatchSize(-5))),
                row("StartTraining batch_size enormous", invalid, "spec.batch_size 2147483647 is outside", () -> start(bigram().setBatchSize(Integer.MAX_VALUE))),
                row("StartTraining block_size negative", invalid, "spec.block_size -1 is outside the allowed range 1..4096", () -> start(bigram().setBlockSize(-1))),
                row("StartTraining block_size not below the val split", invalid, "must be smaller than the val split", () -> start(bigram().setBlockSize(4000))),
                row("StartTraining max_steps zero", invalid, "spec.max_steps 0 is outside the allowed range 1..10000000", () -> start(bigram().setMaxSteps(0))),
                row("StartTraining max_steps enormous", invalid, "spec.max_steps 2147483647 is outside", () -> start(bigram().setMaxSteps(Integer.MAX_VALUE))),
                row("StartTraining eval_interval negative", invalid, "spec.eval_interval -1 must be at least 1", () -> start(bigram().setEvalInterval(-1))),
                row("StartTraining eval_iters enormous", invalid, "spec.eval_iters 2147483647 is outside", () -> start(bigram().setEvalIters(Integer.MAX_VALUE))),
                row("StartTraining checkpoint_interval zero", invalid, "spec.checkpoint_interval 0 must be at least 1", () -> start(bigram().setCheckpointInterval(0))),
                row("StartTraining n_embd negative", invalid, "spec.n_embd -16 is outside", () -> start(gpt().setNEmbd(-16))),
                row("StartTraining n_embd enormous", invalid, "spec.n_embd 2147483647 is outside", () -> start(gpt().setNEmbd(Integer.MAX_VALUE))),
                row("StartTraining n_head zero", invalid, "spec.n_head 0 is outside", () -> start(gpt().setNHead(0))),
                row("StartTraining n_layer enormous", invalid, "spec.n_layer 100000 is outside", () -> start(gpt().setNLayer(100_000))),
                row("StartTraining n_embd not divisible by n_head", invalid, "must be divisible by spec.n_head", () -> start(gpt().setNHead(3))),
                row("StartTraining warmup_steps negative", invalid, "spec.warmup_steps -1 is outside",
                        () -> start(bigram().setLrSchedule(LrSchedule.LR_SCHEDULE_COSINE).setWarmupSteps(-1))),
                row("StartTraining bpe_vocab_size too small", invalid, "spec.bpe_vocab_size 10 is outside the allowed range 257..100000",
                        () -> start(bigram().setVocabularyKind(dev.scratchgpt.tokenizer.v1.VocabularyKind.VOCABULARY_KIND_BPE).setBpeVocabSize(10))),
                row("StartTraining lr_schedule unknown", invalid, "spec.lr_schedule 99 is not a schedule", () -> start(bigram().setLrScheduleValue(99))),
                row("StartTraining vocabulary_kind unknown", invalid, "spec.vocabulary_kind 99 is not a vocabulary kind", () -> start(bigram().setVocabularyKindValue(99))),
                // StartTraining: floats
                row("StartTraining learning_rate NaN", invalid, "spec.learning_rate NaN is outside the allowed range (0, 1]", () -> start(bigram().setLearningRate(nan))),
                row("StartTraining learning_rate +inf", invalid, "spec.learning_rate Infinity is outside", () -> start(bigram().setLearningRate(inf))),
                row("StartTraining learning_rate -inf", invalid, "spec.learning_rate -Infinity is outside", () -> start(bigram().setLearningRate(-inf))),
                row("StartTraining learning_rate zero", invalid, "spec.learning_rate 0.0 is outside", () -> start(bigram().setLearningRate(0))),
                row("StartTraining min_learning_rate NaN", invalid, "spec.min_learning_rate NaN is outside",
                        () -> start(bigram().setLrSchedule(LrSchedule.LR_SCHEDULE_COSINE).setMinLearningRate(nan))),
                row("StartTraining dropout NaN", invalid, "spec.dropout NaN is outside the allowed range [0, 1)", () -> start(gpt().setDropout(nan))),
                row("StartTraining dropout one", invalid, "spec.dropout 1.0 is outside", () -> start(gpt().setDropout(1f))),
                row("StartTraining train_fraction NaN", invalid, "spec.train_fraction NaN is outside the allowed range (0, 1)", () -> start(bigram().setTrainFraction(nan))),
                row("StartTraining weight_decay +inf", invalid, "spec.weight_decay Infinity is outside the allowed range [0, 1]", () -> start(bigram().setWeightDecay(inf))),
                row("StartTraining beta1 NaN", invalid, "spec.beta1 NaN is outside the allowed range [0, 1)", () -> start(bigram().setBeta1(nan))),
                row("StartTraining beta2 -inf", invalid, "spec.beta2 -Infinity is outside", () -> start(bigram().setBeta2(-inf))),
                row("StartTraining eps zero", invalid, "spec.eps 0.0 is outside the allowed range (0, 1]", () -> start(bigram().setEps(0))),
                row("StartTraining grad_clip NaN", invalid, "spec.grad_clip NaN must be 0 (off) or a positive number", () -> start(bigram().setGradClip(nan))),
                row("StartTraining grad_clip +inf", invalid, "spec.grad_clip Infinity must be 0", () -> start(bigram().setGradClip(inf))),
                // StartTraining: strings of the spec
                row("StartTraining device unknown", invalid, "device 'tpu' is not one of auto, cpu, cuda, cuda:N", () -> start(bigram().setDevice("tpu"))),
                row("StartTraining device index enormous", invalid, "device 'cuda:99999999999' is not one of", () -> start(bigram().setDevice("cuda:99999999999"))),
                row("StartTraining device GPU absent", Status.Code.FAILED_PRECONDITION, "asks for a GPU", () -> start(bigram().setDevice("cuda:3"))),
                row("StartTraining vocabulary_id unknown", invalid, "spec.vocabulary_id 'nope' is not a vocabulary", () -> start(bigram().setVocabularyId("nope"))),
                // Jobs
                row("GetJob job_id empty", invalid, "job_id is empty", () -> statusOf(() -> trainer.getJob(GetJobRequest.getDefaultInstance()))),
                row("GetJob job_id unknown", Status.Code.NOT_FOUND, "job_id 'nope' is not a job of this trainer",
                        () -> statusOf(() -> trainer.getJob(GetJobRequest.newBuilder().setJobId("nope").build()))),
                row("GetJob job_id huge", Status.Code.NOT_FOUND, "characters left out",
                        () -> statusOf(() -> trainer.getJob(GetJobRequest.newBuilder().setJobId(huge).build()))),
                row("WatchTraining job_id unknown", Status.Code.NOT_FOUND, "is not a job of this trainer",
                        () -> statusOf(() -> trainer.watchTraining(WatchTrainingRequest.newBuilder().setJobId("nope").build()).hasNext())),
                row("CancelJob job_id empty", invalid, "job_id is empty", () -> statusOf(() -> trainer.cancelJob(CancelJobRequest.getDefaultInstance()))),
                row("ResumeJob job_id unknown", Status.Code.NOT_FOUND, "is not a job of this trainer",
                        () -> statusOf(() -> trainer.resumeJob(ResumeJobRequest.newBuilder().setJobId("nope").build()))),
                row("ExportModel job_id unknown", Status.Code.NOT_FOUND, "is not a job of this trainer",
                        () -> statusOf(() -> trainer.exportModel(ExportModelRequest.newBuilder().setJobId("nope").build()))),
                row("ListJobs without a deadline", Status.Code.OK, "",
                        () -> statusOf(() -> TrainerGrpc.newBlockingStub(channel).listJobs(ListJobsRequest.getDefaultInstance()))),
                // PreviewBatch
                row("PreviewBatch corpus_id empty", invalid, "corpus_id is empty", () -> preview(b -> b.clearCorpusId())),
                row("PreviewBatch corpus_id unknown", Status.Code.NOT_FOUND, "is not a stored corpus", () -> preview(b -> b.setCorpusId("nope"))),
                row("PreviewBatch batch_size enormous", invalid, "batch_size 2147483647 is outside the allowed range 1..64",
                        () -> preview(b -> b.setBatchSize(Integer.MAX_VALUE))),
                row("PreviewBatch block_size negative", invalid, "block_size -3 is outside the allowed range 1..1024", () -> preview(b -> b.setBlockSize(-3))),
                row("PreviewBatch train_fraction NaN", invalid, "train_fraction NaN is outside", () -> preview(b -> b.setTrainFraction(nan))),
                row("PreviewBatch vocabulary_id unknown", invalid, "vocabulary_id 'nope' is not a vocabulary", () -> preview(b -> b.setVocabularyId("nope"))),
                row("PreviewBatch without a deadline", Status.Code.OK, "",
                        () -> statusOf(() -> TrainerGrpc.newBlockingStub(channel).previewBatch(PreviewBatchRequest.newBuilder().setCorpusId(corpusId).build()))));
    }

    @Order(1)
    @ParameterizedTest(name = "{0}")
    @MethodSource("catalogue")
    void answersWithAStatusAndASentence(String name, Status.Code code, String sentence, Supplier<Status> call) {
        assertAnswer(code, sentence, call.get());
    }

    @Order(2)
    @Test
    void theServiceSurvivesTheCatalogue() {
        // Seventy-odd rows, a dozen of them streams: a thread held per row would break the bound.
        assertSurvived(channel, () -> assertEquals(4, trainer.previewBatch(PreviewBatchRequest.newBuilder()
                        .setCorpusId(corpusId).build()).getRowsCount()), threadsBefore,
                Path.of(ConfigProvider.getConfig().getValue("scratchgpt.data-dir", String.class)));
    }
}
