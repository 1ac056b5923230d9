package dev.scratchgpt.sampler.models;

import ai.onnxruntime.OrtException;
import dev.scratchgpt.sampler.generate.Vocabulary;
import dev.scratchgpt.sampler.runtime.ExecutionDevice;
import dev.scratchgpt.sampler.runtime.OnnxLanguageModel;
import io.grpc.Deadline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * Turns a version in the store into a {@link LoadedModel}, refusing it with a sentence when
 * its file does not match its manifest's sha256, when the tokenizer does not know its
 * vocabulary (or knows it with another size), or when ONNX Runtime rejects the graph.
 */
public final class ModelLoader {

    /** The tokenizer's vocabularies; empty when it does not know the id (unreachable: a status exception). */
    public interface Vocabularies {
        /** @param deadline answer (or give up) within it; null: the tokenizer timeout alone */
        Optional<Vocabulary> find(String vocabularyId, Deadline deadline);
    }

    private final ModelCatalog catalog;
    private final Vocabularies vocabularies;
    private final ExecutionDevice device;
    private final int intraOpThreads;

    public ModelLoader(ModelCatalog catalog, Vocabularies vocabularies, ExecutionDevice device, int intraOpThreads) {
        this.catalog = catalog;
        this.vocabularies = vocabularies;
        this.device = device;
        this.intraOpThreads = intraOpThreads;
    }

    public ExecutionDevice device() {
        return device;
    }

    LoadedModel load(String name, int version, VersionManifest manifest, Deadline deadline) {
        try {
            catalog.verify(name, version);
        } catch (IOException e) {
            throw new UncheckedIOException("reading model " + name + " version " + version + ": " + e.getMessage(), e);
        }
        Vocabulary vocabulary = vocabularies.find(manifest.vocabularyId(), deadline).orElseThrow(() -> new ModelRefusedException(
                "model " + name + " version " + version + " uses vocabulary " + manifest.vocabularyId()
                        + ", which the tokenizer service does not know; create that vocabulary in the tokenizer"
                        + " (or point the sampler at the tokenizer that has it) and load the version again"));
        if (vocabulary.size() != manifest.vocabSize()) {
            throw new ModelRefusedException("model " + name + " version " + version + " has vocab_size "
                    + manifest.vocabSize() + " but the tokenizer's vocabulary " + manifest.vocabularyId() + " has "
                    + vocabulary.size() + " tokens");
        }
        try {
            OnnxLanguageModel model = OnnxLanguageModel.load(catalog.modelFile(name, version), manifest.graph(),
                    device, intraOpThreads);
            return new LoadedModel(name, version, model, vocabulary);
        } catch (OrtException e) {
            throw new ModelRefusedException("ONNX Runtime could not load model " + name + " version " + version
                    + ": " + e.getMessage(), e);
        }
    }
}
