package dev.scratchgpt.trainer.model;

/**
 * The shape of a GPT, as nanoGPT's GPTConfig: vocabulary size, context length, width, heads,
 * layers, dropout, whether Linear/LayerNorm carry biases, and whether lm_head shares the
 * token embedding's weights.
 */
public record GptConfig(int vocabSize, int blockSize, int nEmbd, int nHead, int nLayer,
                        float dropout, boolean bias, boolean tieWeights) {

    public int headSize() {
        return nEmbd / nHead;
    }
}
