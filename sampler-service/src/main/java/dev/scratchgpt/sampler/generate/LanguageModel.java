package dev.scratchgpt.sampler.generate;

/**
 * A next-token model as the generation loop sees it: a few numbers and a way to run a batch.
 * The ONNX Runtime implementation is {@code dev.scratchgpt.sampler.runtime.OnnxLanguageModel}.
 */
public interface LanguageModel {

    int vocabSize();

    /** Tokens of context the next-token logits depend on: block_size for a transformer, 1 for the bigram. */
    int contextSize();

    /**
     * Opens a forward state for {@code batch} rows. With {@code kvCache} a transformer keeps its
     * keys and values between steps; without it every step recomputes the whole window (the
     * course's loop, kept for benchmarks and to check the cache against).
     */
    Forward open(int batch, boolean kvCache);

    /** The running state of one batch. Not thread-safe: one generation uses it at a time. */
    interface Forward extends AutoCloseable {

        /** Runs the window (rows of equal length, at most contextSize), dropping any cache; logits of its last position per row. */
        float[][] prefill(long[][] window);

        /** True when one more token per row can be appended to the cache (false without a cache or when it is full). */
        boolean canStep();

        /** Appends one token per row to the cache; logits of that position per row. */
        float[][] step(long[] tokens);

        @Override
        void close();
    }
}
