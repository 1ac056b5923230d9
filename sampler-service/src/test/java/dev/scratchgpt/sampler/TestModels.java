package dev.scratchgpt.sampler;

import dev.scratchgpt.onnx.ModelConfig;
import dev.scratchgpt.onnx.ModelType;
import dev.scratchgpt.onnx.ModelWeights;
import dev.scratchgpt.onnx.Tensor;
import dev.scratchgpt.sampler.generate.Vocabulary;
import dev.scratchgpt.sampler.models.StoreCatalog;
import dev.scratchgpt.sampler.runtime.ExecutionDevice;
import dev.scratchgpt.sampler.runtime.OnnxLanguageModel;
import dev.scratchgpt.store.Manifest;
import dev.scratchgpt.store.ModelStore;
import dev.scratchgpt.testing.SharedData;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small models exported by model-store's exporter into a store folder, as the trainer would publish them. */
public final class TestModels {

    private TestModels() {
    }

    /** A small transformer; block 16 so that tests slide past block_size quickly. */
    public static ModelConfig smallGpt(int vocab, int block) {
        return new ModelConfig(vocab, block, 2, 2, 32, true, true);
    }

    /**
     * nanoGPT's init scaled by 25. With the init itself every next token is about equally likely
     * (greedy choices become near-ties); {@link ModelWeights#lively} goes the other way for
     * forward-pass comparisons, so peaked that sampling collapses onto one character and seeds
     * have nothing to vary. This sits between: varied text, clear argmaxes.
     */
    public static ModelWeights varied(ModelType type, ModelConfig config, long seed) {
        ModelWeights init = ModelWeights.random(type, config, seed);
        if (type == ModelType.BIGRAM) {
            return init;
        }
        Map<String, Tensor> scaled = new LinkedHashMap<>();
        init.tensors().forEach((name, t) -> {
            if (name.contains(".ln_") || name.endsWith(".bias")) {
                scaled.put(name, t);
            } else {
                float[] d = t.data().clone();
                for (int i = 0; i < d.length; i++) {
                    d[i] *= 25f;
                }
                scaled.put(name, new Tensor(t.shape(), d));
            }
        });
        return new ModelWeights(type, config, scaled);
    }

    public static int publish(Path store, String name, ModelType type, ModelConfig config, String vocabularyId,
                              long seed) {
        try {
            return new ModelStore(store).publish(name, varied(type, config, seed), vocabularyId,
                    Manifest.Training.none()).version();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static OnnxLanguageModel load(Path store, String name, int version) throws Exception {
        StoreCatalog catalog = new StoreCatalog(new ModelStore(store));
        return OnnxLanguageModel.load(catalog.modelFile(name, version), catalog.manifest(name, version).graph(),
                ExecutionDevice.CPU, 1);
    }

    /** The course's vocabulary: the sorted distinct characters of tinyshakespeare (65). */
    public static String shakespeareChars() {
        try {
            return Files.readString(SharedData.tinyShakespeare()).codePoints().sorted().distinct()
                    .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Vocabulary charVocabulary(String chars) {
        return Vocabulary.ofCharacters("test-chars", chars);
    }
}
