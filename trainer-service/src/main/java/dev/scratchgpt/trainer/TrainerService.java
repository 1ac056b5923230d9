package dev.scratchgpt.trainer;

import ai.djl.Device;
import dev.scratchgpt.tokenizer.v1.TokenizerGrpc;
import dev.scratchgpt.tokenizer.v1.Vocabulary;
import dev.scratchgpt.trainer.data.BatchPreview;
import dev.scratchgpt.trainer.data.CorpusSource;
import dev.scratchgpt.trainer.data.CorpusStore;
import dev.scratchgpt.trainer.data.DataDirectory;
import dev.scratchgpt.trainer.data.Tokenization;
import dev.scratchgpt.trainer.device.DeviceResolver;
import dev.scratchgpt.store.ModelStore;
import dev.scratchgpt.trainer.job.JobManager;
import dev.scratchgpt.trainer.job.ModelExport;
import dev.scratchgpt.trainer.v1.ExportModelRequest;
import dev.scratchgpt.trainer.v1.ExportModelResponse;
import dev.scratchgpt.trainer.job.JobStore;
import dev.scratchgpt.trainer.job.TrainingMetrics;
import dev.scratchgpt.trainer.job.TrainingSpecs;
import dev.scratchgpt.trainer.v1.Corpus;
import dev.scratchgpt.trainer.v1.Job;
import dev.scratchgpt.trainer.v1.PreviewBatchRequest;
import dev.scratchgpt.trainer.v1.PreviewBatchResponse;
import dev.scratchgpt.trainer.v1.Split;
import dev.scratchgpt.trainer.v1.StartTrainingRequest;
import dev.scratchgpt.trainer.v1.TrainingSpec;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.grpc.ManagedChannel;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The trainer's wiring: configuration, the corpus and job stores, the tokenizer client and the
 * job manager. StartTraining does every check that can fail (spec ranges, device, corpus,
 * vocabulary, encoding, split sizes) before a job exists, then queues it.
 */
@ApplicationScoped
public class TrainerService {

    private static final Logger LOG = Logger.getLogger(TrainerService.class);

    @ConfigProperty(name = "scratchgpt.data-dir", defaultValue = "./data")
    Path dataDir;
    @ConfigProperty(name = "scratchgpt.corpus.max-bytes", defaultValue = "1073741824")
    long maxCorpusBytes;
    @ConfigProperty(name = "scratchgpt.corpus.download-timeout", defaultValue = "PT60S")
    Duration downloadTimeout;
    @ConfigProperty(name = "scratchgpt.tokenizer.timeout-seconds", defaultValue = "600")
    long tokenizerTimeoutSeconds;
    @ConfigProperty(name = "scratchgpt.tokenizer.retry-for", defaultValue = "PT10S")
    Duration tokenizerRetryFor;
    @ConfigProperty(name = "scratchgpt.trainer.threads", defaultValue = "1")
    int threads;
    /** How long SIGTERM waits for a running job to stop and checkpoint (keep under the pod's grace period). */
    @ConfigProperty(name = "scratchgpt.trainer.shutdown-checkpoint-timeout", defaultValue = "PT90S")
    Duration shutdownCheckpointTimeout;

    /** Quarkus injects channels and blocking/Mutiny stubs; the streaming calls need the async stub. */
    @GrpcClient("tokenizer")
    io.grpc.Channel tokenizer;

    @Inject
    MeterRegistry registry;

    private CorpusStore corpora;
    private CorpusSource sources;
    private Tokenization tokenization;
    private DeviceResolver devices;
    private JobManager jobs;
    private ModelStore models;

    void start(@Observes StartupEvent event) {
        // Before the engine loads: one intra-op thread (two stall each other on a shared 2-core box).
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
        }
        try {
            DataDirectory.requireWritable(dataDir);
        } catch (IllegalStateException e) {
            LOG.error(e.getMessage()); // the one line an operator needs; Quarkus then stops with it
            throw e;
        }
        corpora = new CorpusStore(dataDir, maxCorpusBytes);
        sources = new CorpusSource(corpora, dataDir, downloadTimeout);
        tokenization = new Tokenization(TokenizerGrpc.newStub(tokenizer), TokenizerGrpc.newBlockingStub(tokenizer), dataDir,
                tokenizerTimeoutSeconds, tokenizerRetryFor, () -> {
                    if (tokenizer instanceof ManagedChannel m) {
                        m.resetConnectBackoff(); // the tokenizer may be back: try now, not after the channel's backoff
                    }
                });
        devices = new DeviceResolver();
        JobStore jobStore = new JobStore(dataDir);
        models = ModelStore.inDataDir(dataDir);
        ModelExport export = new ModelExport(models, jobStore);
        jobs = new JobManager(jobStore, job -> Tokenization.read(
                tokenization.idsFile(job.getVocabularyId(), job.getCorpusId())), devices, job -> export.export(job).version());
        jobs.metrics(new TrainingMetrics(registry, jobs::countInState));
        LOG.infof("trainer ready: data dir %s, corpus cap %d bytes, %s", dataDir.toAbsolutePath(), maxCorpusBytes,
                cpuEnvironment());
    }

    /**
     * Whether this process got the environment in quarkus-app/native/environment; a trainer
     * started by another launcher works without it, only slower on the CPU.
     */
    private static String cpuEnvironment() {
        List<String> missing = new ArrayList<>();
        if (!String.valueOf(System.getenv("LD_PRELOAD")).contains("libmkl-cpu-dispatch.so")) {
            missing.add("LD_PRELOAD");
        }
        if (System.getenv("GLIBC_TUNABLES") == null) {
            missing.add("GLIBC_TUNABLES");
        }
        return missing.isEmpty() ? "CPU environment as shipped (native/environment)"
                : "CPU environment without " + String.join(" and ", missing)
                + " of native/environment: CPU training runs slower (docs/operations.md)";
    }

    void stop(@Observes ShutdownEvent event) {
        if (jobs != null) {
            jobs.shutdown(shutdownCheckpointTimeout);
            jobs.close();
        }
    }

    public CorpusStore corpora() {
        return corpora;
    }

    public JobManager jobs() {
        return jobs;
    }

    /** @param callerGone whether the caller cancelled the call (a corpus_url download then stops) */
    public Job startTraining(StartTrainingRequest request, BooleanSupplier callerGone) {
        TrainingSpec spec = TrainingSpecs.withDefaults(request.getSpec());
        String modelName = TrainingSpecs.modelName(request.getModelName());
        Device device = devices.resolve(spec.getDevice());
        Corpus corpus = switch (request.getCorpusCase()) {
            case CORPUS_ID -> sources.byId(request.getCorpusId());
            case CORPUS_URL -> sources.byUrl(request.getCorpusUrl(), callerGone);
            case CORPUS_PATH -> sources.byPath(request.getCorpusPath());
            case CORPUS_NOT_SET -> throw TrainerError.invalid(
                    "one of corpus_id, corpus_url or corpus_path is required");
        };
        Vocabulary vocabulary = spec.getVocabularyId().isEmpty()
                ? tokenization.buildVocabulary(corpora.textPath(corpus.getCorpusId()), spec.getVocabularyKind(),
                spec.getBpeVocabSize())
                : tokenization.vocabulary(spec.getVocabularyId(), false, "spec.vocabulary_id");
        Tokenization.Encoded encoded = tokenization.encode(corpus.getCorpusId(), corpora.textPath(corpus.getCorpusId()), vocabulary);
        TrainingSpecs.validateAgainstCorpus(spec, encoded.tokens());
        spec = spec.toBuilder().setVocabularyId(vocabulary.getVocabularyId()).setVocabularyKind(vocabulary.getKind()).build();
        return jobs.submit(Job.newBuilder().setModelName(modelName).setSpec(spec).setCorpusId(corpus.getCorpusId())
                .setVocabularyId(vocabulary.getVocabularyId()).setVocabSize(vocabulary.getSize()), device);
    }

    public PreviewBatchResponse previewBatch(PreviewBatchRequest request) {
        int batch = request.hasBatchSize() ? request.getBatchSize() : 4;
        int block = request.hasBlockSize() ? request.getBlockSize() : 8;
        if (batch < 1 || batch > 64) {
            throw TrainerError.invalid("batch_size " + batch + " is outside the allowed range 1..64");
        }
        if (block < 1 || block > 1024) {
            throw TrainerError.invalid("block_size " + block + " is outside the allowed range 1..1024");
        }
        float fraction = request.hasTrainFraction() ? request.getTrainFraction() : 0.9f;
        if (!(fraction > 0 && fraction < 1)) {
            throw TrainerError.invalid("train_fraction " + fraction + " is outside the allowed range (0, 1)");
        }
        Corpus corpus = corpora.require(request.getCorpusId());
        Path text = corpora.textPath(corpus.getCorpusId());
        Vocabulary vocabulary = request.getVocabularyId().isEmpty()
                ? tokenization.buildVocabulary(text, dev.scratchgpt.tokenizer.v1.VocabularyKind.VOCABULARY_KIND_CHAR, 0)
                : tokenization.vocabulary(request.getVocabularyId(), false, "vocabulary_id");
        vocabulary = tokenization.vocabulary(vocabulary.getVocabularyId(), true, "vocabulary_id");
        Tokenization.Encoded encoded = tokenization.encode(corpus.getCorpusId(), text, vocabulary);
        long seed = request.hasSeed() ? request.getSeed() : 1337;
        return PreviewBatchResponse.newBuilder().setVocabularyId(vocabulary.getVocabularyId())
                .addAllRows(BatchPreview.rows(Tokenization.read(encoded.idsFile()), vocabulary,
                        request.getSplit() == Split.SPLIT_VAL, batch, block, seed, fraction))
                .build();
    }

    public ExportModelResponse exportModel(ExportModelRequest request) {
        try {
            Job job = jobs.export(request.getJobId());
            return ExportModelResponse.newBuilder().setModelName(job.getModelName()).setModelVersion(job.getModelVersion())
                    .setPath(models.root().resolve(job.getModelName()).resolve(String.valueOf(job.getModelVersion())).toString())
                    .setStep(job.getCheckpointStep()).build();
        } catch (TrainerError e) {
            throw e;
        } catch (IOException e) {
            throw new TrainerError(DataDirectory.isFull(e) ? io.grpc.Status.Code.RESOURCE_EXHAUSTED : io.grpc.Status.Code.INTERNAL,
                    e.getMessage());
        } catch (Exception e) {
            throw new TrainerError(io.grpc.Status.Code.INTERNAL, "export failed: " + e.getMessage());
        }
    }
}
