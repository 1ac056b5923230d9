package dev.scratchgpt.trainer.job;

import dev.scratchgpt.onnx.ModelConfig;
import dev.scratchgpt.onnx.ModelType;
import dev.scratchgpt.onnx.ModelWeights;
import dev.scratchgpt.onnx.Tensor;
import dev.scratchgpt.store.Manifest;
import dev.scratchgpt.store.ModelStore;
import dev.scratchgpt.store.ModelVersion;
import dev.scratchgpt.trainer.data.DataDirectory;
import dev.scratchgpt.trainer.v1.Job;
import dev.scratchgpt.trainer.v1.TrainingSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A job's checkpoint as a new version in the model store: the checkpoint's parameters (already
 * named as nanoGPT's state_dict) become {@link ModelWeights}, which the store exports to ONNX
 * and publishes atomically.
 */
public final class ModelExport {

    private final ModelStore store;
    private final JobStore jobs;

    public ModelExport(ModelStore store, JobStore jobs) {
        this.store = store;
        this.jobs = jobs;
    }

    /**
     * Publishes the job's latest checkpoint; returns the new version. A failed publish (a full
     * disk, say) leaves the store as it was (ModelStore removes its temporary folder) and says
     * where and why.
     */
    public ModelVersion export(Job job) throws IOException {
        Path dir = jobs.jobDir(job.getJobId()).resolve("checkpoint");
        Checkpoint checkpoint = Checkpoint.read(dir);
        ModelWeights weights = weights(checkpoint.spec(), job.getVocabSize(), checkpoint.tensors());
        try {
            return store.publish(job.getModelName(), weights, job.getVocabularyId(), new Manifest.Training(
                    job.getJobId(), job.getCorpusId(), checkpoint.step(),
                    job.hasTrainLoss() ? (double) job.getTrainLoss() : null,
                    job.hasValLoss() ? (double) job.getValLoss() : null));
        } catch (IOException e) {
            throw new IOException("publishing checkpoint step " + checkpoint.step() + " as model " + job.getModelName()
                    + " under " + store.root().resolve(job.getModelName()) + " failed: " + DataDirectory.reason(e)
                    + "; no version was added", e);
        }
    }

    /** The engine-neutral form of a model's parameters. */
    public static ModelWeights weights(TrainingSpec spec, int vocabSize, Map<String, Checkpoint.Tensor> tensors) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        tensors.forEach((name, t) -> out.put(name, Tensor.of(t.value(), t.shape())));
        if (spec.getModelType() == dev.scratchgpt.trainer.v1.ModelType.MODEL_TYPE_GPT) {
            return new ModelWeights(ModelType.GPT, new ModelConfig(vocabSize, spec.getBlockSize(), spec.getNLayer(),
                    spec.getNHead(), spec.getNEmbd(), spec.getBias(), spec.getTieWeights()), out);
        }
        return new ModelWeights(ModelType.BIGRAM, ModelConfig.bigram(vocabSize, spec.getBlockSize()), out);
    }
}
