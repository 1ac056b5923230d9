package dev.scratchgpt.sampler.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from one row of logits, as the course's generate() does with
 * softmax + multinomial, plus temperature, top-k and top-p as in TGI/vLLM. Stateless; the
 * random source belongs to the sample so that samples of one batch do not share draws.
 */
public final class TokenSampler {

    private final float temperature;
    private final int topK;
    private final float topP;
    private final boolean greedy;

    public TokenSampler(SamplingParams params) {
        this.temperature = params.temperature();
        this.topK = params.topK();
        this.topP = params.topP();
        this.greedy = params.greedy();
    }

    public int next(float[] logits, SplittableRandom random) {
        if (greedy) {
            return argmax(logits);
        }
        int vocab = logits.length;
        double[] weights = new double[vocab];
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l / (double) temperature);
        }
        boolean[] kept = keptByTopK(logits);
        double total = 0;
        for (int i = 0; i < vocab; i++) {
            // Subtracting the max keeps exp() finite; the distribution is unchanged.
            weights[i] = kept == null || kept[i] ? Math.exp(logits[i] / (double) temperature - max) : 0;
            total += weights[i];
        }
        if (topP < 1f) {
            total = keepNucleus(weights, total);
        }
        double u = random.nextDouble() * total;
        double cumulative = 0;
        int last = 0;
        for (int i = 0; i < vocab; i++) {
            if (weights[i] > 0) {
                cumulative += weights[i];
                last = i;
                if (u < cumulative) {
                    return i;
                }
            }
        }
        return last; // u within rounding of total
    }

    /** Lowest index among equal maxima, so top-k 1 and temperature 0 agree exactly. */
    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Null when top-k is off or keeps everything. Ties at the k-th value are all kept. */
    private boolean[] keptByTopK(float[] logits) {
        if (topK <= 0 || topK >= logits.length) {
            return null;
        }
        float[] sorted = logits.clone();
        Arrays.sort(sorted);
        float kth = sorted[sorted.length - topK];
        boolean[] kept = new boolean[logits.length];
        for (int i = 0; i < logits.length; i++) {
            kept[i] = logits[i] >= kth;
        }
        return kept;
    }

    /** Zeroes every weight outside the smallest most-likely set reaching topP; returns the new total. */
    private double keepNucleus(double[] weights, double total) {
        Integer[] order = new Integer[weights.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> a.equals(b) ? 0 : weights[b] != weights[a]
                ? Double.compare(weights[b], weights[a]) : Integer.compare(a, b));
        double threshold = topP * total;
        double cumulative = 0;
        int i = 0;
        while (i < order.length && cumulative < threshold) {
            cumulative += weights[order[i]];
            i++;
        }
        for (; i < order.length; i++) {
            weights[order[i]] = 0;
        }
        return cumulative;
    }
}
