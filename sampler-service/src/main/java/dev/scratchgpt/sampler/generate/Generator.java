package dev.scratchgpt.sampler.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * The course's generate() loop: take the context, compute the next-token distribution,
 * sample, append, repeat. All samples of a request run as one batch. A transformer prefills
 * the prompt once, then feeds one token per step through its KV cache.
 *
 * <p>Once the context outgrows block_size the cache cannot slide (positions are learned and
 * absolute). Exact mode (the default) prefills the last block_size tokens again for every new
 * token, which gives exactly what full recomputation gives. Context shift (llama.cpp's name)
 * instead drops the oldest {@code contextShift} tokens at once and prefills the rest, so the
 * cache has room for {@code contextShift} more cheap steps; each token then sees between
 * block_size - contextShift and block_size tokens of context, and the text differs from exact
 * mode once the context has first filled.
 */
public final class Generator {

    private final LanguageModel model;
    private final boolean kvCache;
    private final int contextShift;

    /**
     * @param kvCache      false recomputes the whole window every step (the course's loop; used to
     *                     check the cache and in benchmarks)
     * @param contextShift 0 for the exact sliding window; otherwise the tokens dropped each time the
     *                     context outgrows contextSize, in 1..contextSize-1
     */
    public Generator(LanguageModel model, boolean kvCache, int contextShift) {
        if (contextShift < 0 || contextShift >= Math.max(1, model.contextSize())) {
            throw new IllegalArgumentException("contextShift must be 0 (exact) or in 1.." + (model.contextSize() - 1)
                    + " for a context of " + model.contextSize() + " tokens, got " + contextShift);
        }
        this.model = model;
        this.kvCache = kvCache;
        this.contextShift = contextShift;
    }

    /** Exact sliding window; {@code kvCache=false} is the course's loop. */
    public Generator(LanguageModel model, boolean kvCache) {
        this(model, kvCache, 0);
    }

    public Generator(LanguageModel model) {
        this(model, true);
    }

    /**
     * @param prompt    prompt ids, each in 0..vocab-1; empty starts from token 0 as the course does
     * @param cancelled checked before every step; when true generation stops with {@link GenerationCancelledException}
     */
    public Generation generate(int[] prompt, SamplingParams params, Vocabulary vocabulary,
                               BooleanSupplier cancelled, GenerationListener listener) {
        int batch = params.numSamples();
        int[] start = prompt.length == 0 ? new int[] {0} : prompt;
        List<long[]> contexts = new ArrayList<>(batch);
        SplittableRandom root = new SplittableRandom(params.seed());
        SplittableRandom[] random = new SplittableRandom[batch];
        SampleText[] texts = new SampleText[batch];
        int[][] generated = new int[batch][params.maxNewTokens()];
        int[] counts = new int[batch];
        for (int b = 0; b < batch; b++) {
            contexts.add(Arrays.stream(start, Math.max(0, start.length - model.contextSize()), start.length)
                    .asLongStream().toArray());
            random[b] = root.split(); // each sample its own stream, reproducible from the one seed
            texts[b] = new SampleText(vocabulary, params.stop());
        }
        TokenSampler sampler = new TokenSampler(params);
        long[] next = new long[batch];
        int running = batch;
        try (LanguageModel.Forward forward = model.open(batch, kvCache)) {
            float[][] logits = forward.prefill(contexts.toArray(long[][]::new));
            boolean dropped = false;
            for (int step = 0; step < params.maxNewTokens() && running > 0; step++) {
                if (cancelled.getAsBoolean()) {
                    throw new GenerationCancelledException(step);
                }
                if (step > 0) {
                    // Once tokens left the front, the cached positions are wrong for the rest.
                    logits = !dropped && forward.canStep() ? forward.step(next)
                            : forward.prefill(contexts.toArray(long[][]::new));
                }
                for (int b = 0; b < batch; b++) {
                    int id = sampler.next(logits[b], random[b]);
                    next[b] = id;
                    long[] context = contexts.get(b);
                    contexts.set(b, append(context, id));
                    dropped = contexts.get(b).length <= context.length; // rows have equal length
                    if (texts[b].stopped()) {
                        continue; // a finished row still rides along in the batch; its output is dropped
                    }
                    generated[b][counts[b]++] = id;
                    String piece = texts[b].add(id);
                    listener.onPiece(b, piece, new int[] {id});
                    if (texts[b].stopped()) {
                        running--;
                    }
                }
            }
        }
        List<Generation.Sample> samples = new ArrayList<>(batch);
        for (int b = 0; b < batch; b++) {
            String rest = texts[b].finish();
            if (!rest.isEmpty()) {
                listener.onPiece(b, rest, new int[0]);
            }
            samples.add(new Generation.Sample(b, texts[b].text(), Arrays.copyOf(generated[b], counts[b]),
                    texts[b].stopped() ? FinishReason.STOP : FinishReason.LENGTH));
        }
        return new Generation(samples, prompt.length);
    }

    /**
     * Appends; a context that then outgrows contextSize keeps its last contextSize tokens (exact)
     * or its last contextSize - contextShift (shift). Dropped tokens can never be seen again.
     */
    private long[] append(long[] context, int id) {
        int length = context.length + 1;
        int keep = length <= model.contextSize() ? length : model.contextSize() - contextShift;
        long[] out = new long[keep];
        System.arraycopy(context, length - keep, out, 0, keep - 1);
        out[keep - 1] = id;
        return out;
    }
}
