package dev.scratchgpt.onnx;

/**
 * Hyper-parameters of a model, named as in nanoGPT's {@code GPTConfig}. A bigram model uses
 * only {@code vocabSize} (and {@code blockSize}, the longest context a sampler should feed);
 * its other fields are zero/false.
 *
 * @param vocabSize  number of token ids, V
 * @param blockSize  maximum context length, the number of learned positions
 * @param nLayer     number of transformer blocks
 * @param nHead      attention heads per block; {@code nEmbd} must be divisible by it
 * @param nEmbd      embedding width, C
 * @param bias       whether Linear and LayerNorm layers have biases
 * @param tieWeights whether {@code lm_head.weight} is {@code transformer.wte.weight}
 */
public record ModelConfig(int vocabSize, int blockSize, int nLayer, int nHead, int nEmbd,
                          boolean bias, boolean tieWeights) {

    public ModelConfig {
        if (vocabSize < 1) {
            throw new IllegalArgumentException("vocab_size must be at least 1, got " + vocabSize);
        }
        if (blockSize < 1) {
            throw new IllegalArgumentException("block_size must be at least 1, got " + blockSize);
        }
        if (nLayer < 0 || nHead < 0 || nEmbd < 0) {
            throw new IllegalArgumentException("n_layer, n_head and n_embd must not be negative, got "
                    + nLayer + ", " + nHead + ", " + nEmbd);
        }
    }

    /** The configuration of a bigram model over {@code vocabSize} tokens. */
    public static ModelConfig bigram(int vocabSize, int blockSize) {
        return new ModelConfig(vocabSize, blockSize, 0, 0, 0, false, false);
    }

    /** Width of one attention head, C / n_head. */
    public int headDim() {
        return nHead == 0 ? 0 : nEmbd / nHead;
    }

    /** Throws unless this configuration describes a buildable transformer. */
    void checkGpt() {
        if (nLayer < 1 || nHead < 1 || nEmbd < 1) {
            throw new IllegalArgumentException("a gpt model needs n_layer, n_head and n_embd of at least 1, got "
                    + nLayer + ", " + nHead + ", " + nEmbd);
        }
        if (nEmbd % nHead != 0) {
            throw new IllegalArgumentException("n_embd (" + nEmbd + ") must be divisible by n_head (" + nHead + ")");
        }
    }
}
