package dev.scratchgpt.sampler.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * The course's generate() loop: take the context, compute the next-token distribution,
 * sample, append, repeat. All samples of a request run as one batch. A transformer prefills
 * the prompt once, then feeds one token per step through its KV cache; once the context
 * outgrows block_size the cache cannot slide (positions are absolute), so the last block_size
 * tokens are prefilled again, which gives exactly what full recomputation gives.
 */
public final class Generator {

    private final LanguageModel model;
    private final boolean kvCache;

    /** {@code kvCache=false} recomputes the whole window every step (the course's loop; used to check the cache and in benchmarks). */
    public Generator(LanguageModel model, boolean kvCache) {
        this.model = model;
        this.kvCache = kvCache;
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
            contexts.add(Arrays.stream(start).asLongStream().toArray());
            random[b] = root.split(); // each sample its own stream, reproducible from the one seed
            texts[b] = new SampleText(vocabulary, params.stop());
        }
        TokenSampler sampler = new TokenSampler(params);
        long[] next = new long[batch];
        int running = batch;
        try (LanguageModel.Forward forward = model.open(batch, kvCache)) {
            float[][] logits = forward.prefill(window(contexts));
            for (int step = 0; step < params.maxNewTokens() && running > 0; step++) {
                if (cancelled.getAsBoolean()) {
                    throw new GenerationCancelledException(step);
                }
                if (step > 0) {
                    logits = forward.canStep() ? forward.step(next) : forward.prefill(window(contexts));
                }
                for (int b = 0; b < batch; b++) {
                    int id = sampler.next(logits[b], random[b]);
                    next[b] = id;
                    contexts.set(b, append(contexts.get(b), id, model.contextSize()));
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

    /** The last contextSize tokens of every row (rows have equal length). */
    private long[][] window(List<long[]> contexts) {
        long[][] w = new long[contexts.size()][];
        for (int b = 0; b < w.length; b++) {
            long[] c = contexts.get(b);
            int n = Math.min(c.length, model.contextSize());
            w[b] = Arrays.copyOfRange(c, c.length - n, c.length);
        }
        return w;
    }

    /** Appends, keeping at most contextSize tokens: older ones can never be seen again. */
    private static long[] append(long[] context, int id, int keep) {
        int from = Math.max(0, context.length + 1 - keep);
        long[] out = new long[context.length + 1 - from];
        System.arraycopy(context, from, out, 0, context.length - from);
        out[out.length - 1] = id;
        return out;
    }
}
