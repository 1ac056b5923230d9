package dev.scratchgpt.trainer.model;

import ai.djl.ndarray.NDArray;

import java.util.Map;

/**
 * A next-token model: ids (B, T) in, logits (B, T, V) out. Parameters are named as in
 * nanoGPT's state_dict, which is also what the ONNX exporter reads.
 */
public interface LanguageModel extends AutoCloseable {

    /** Logits (B, T, V) for ids (B, T); dropout only when {@code training}. */
    NDArray forward(NDArray idx, boolean training);

    /** Trainable parameters by name, each once (a tied lm_head appears as its embedding). */
    Map<String, NDArray> parameters();

    /** Whether AdamW applies weight decay to this parameter: Linear weight matrices only. */
    boolean decays(String name);

    /** Every named weight the exporter needs, tied ones included under both names. */
    Map<String, NDArray> stateDict();

    int blockSize();

    int vocabSize();

    default long numParameters() {
        return parameters().values().stream().mapToLong(p -> p.getShape().size()).sum();
    }

    /**
     * The parameters as engine-neutral data for the ONNX exporter (and for comparing this
     * forward pass with ONNX Runtime's).
     */
    dev.scratchgpt.onnx.ModelWeights toWeights();

    /** Mean cross-entropy of logits (B, T, V) against targets (B, T). */
    static NDArray crossEntropy(NDArray logits, NDArray targets) {
        return logits.logSoftmax(-1).gather(targets.expandDims(-1), -1).neg().mean();
    }

    @Override
    void close();
}
