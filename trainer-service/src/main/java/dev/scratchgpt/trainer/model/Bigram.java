package dev.scratchgpt.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import dev.scratchgpt.onnx.ModelConfig;
import dev.scratchgpt.onnx.ModelType;
import dev.scratchgpt.onnx.ModelWeights;
import dev.scratchgpt.onnx.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The course's chapter 3 model: row {@code idx} of a V x V table is read directly as the
 * logits of the next token.
 */
public final class Bigram implements LanguageModel {

    public static final String TABLE = "token_embedding_table.weight";

    private final NDManager manager;
    private final int vocabSize;
    private final int blockSize;
    private final NDArray table;

    /** Initialised like torch.nn.Embedding: standard normal. Seed the engine first. */
    public Bigram(NDManager parent, int vocabSize, int blockSize) {
        this.manager = parent.newSubManager();
        this.vocabSize = vocabSize;
        this.blockSize = blockSize;
        this.table = manager.randomNormal(new Shape(vocabSize, vocabSize));
        table.setRequiresGradient(true);
    }

    @Override
    public NDArray forward(NDArray idx, boolean training) {
        return idx.getNDArrayInternal().embedding(idx, table, SparseFormat.DENSE).singletonOrThrow();
    }

    @Override
    public Map<String, NDArray> parameters() {
        Map<String, NDArray> p = new LinkedHashMap<>();
        p.put(TABLE, table);
        return p;
    }

    @Override
    public boolean decays(String name) {
        return false; // an embedding, as nanoGPT's blacklist
    }

    @Override
    public Map<String, NDArray> stateDict() {
        return parameters();
    }

    @Override
    public ModelWeights toWeights() {
        return new ModelWeights(ModelType.BIGRAM, ModelConfig.bigram(vocabSize, blockSize),
                Map.of(TABLE, Tensor.of(table.toFloatArray(), vocabSize, vocabSize)));
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public void close() {
        manager.close();
    }
}
