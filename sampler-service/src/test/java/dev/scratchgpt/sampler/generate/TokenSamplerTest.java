package dev.scratchgpt.sampler.generate;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenSamplerTest {

    private static SamplingParams params(float temperature, int topK, float topP) {
        return new SamplingParams(temperature, topK, topP, 1, 1, 1, List.of());
    }

    private static float[] logitsOf(double... probabilities) {
        float[] l = new float[probabilities.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = (float) Math.log(probabilities[i]);
        }
        return l;
    }

    private static double[] frequencies(TokenSampler sampler, float[] logits, int draws) {
        SplittableRandom random = new SplittableRandom(42);
        double[] f = new double[logits.length];
        for (int i = 0; i < draws; i++) {
            f[sampler.next(logits, random)] += 1.0 / draws;
        }
        return f;
    }

    @Test
    void greedyTakesTheFirstOfEqualMaxima() {
        float[] logits = {0.5f, 2f, -1f, 2f};
        assertEquals(1, new TokenSampler(params(0, 0, 1)).next(logits, new SplittableRandom(1)));
        assertEquals(1, new TokenSampler(params(1, 1, 1)).next(logits, new SplittableRandom(1)));
    }

    @Test
    void topKOneIsGreedyOnRandomLogits() {
        SplittableRandom data = new SplittableRandom(7);
        TokenSampler greedy = new TokenSampler(params(0, 0, 1));
        TokenSampler topOne = new TokenSampler(params(1.3f, 1, 0.9f));
        for (int i = 0; i < 200; i++) {
            float[] logits = new float[65];
            for (int j = 0; j < logits.length; j++) {
                logits[j] = (float) data.nextGaussian();
            }
            assertEquals(greedy.next(logits, new SplittableRandom(i)), topOne.next(logits, new SplittableRandom(i)));
        }
    }

    @Test
    void multinomialFollowsTheSoftmax() {
        double[] f = frequencies(new TokenSampler(params(1, 0, 1)), logitsOf(0.7, 0.2, 0.1), 20_000);
        assertEquals(0.7, f[0], 0.015);
        assertEquals(0.2, f[1], 0.015);
        assertEquals(0.1, f[2], 0.015);
    }

    @Test
    void temperatureFlattensAndSharpens() {
        // p^(1/T) renormalised: T=2 gives sqrt weights, T=0.5 squares them.
        double[] hot = frequencies(new TokenSampler(params(2, 0, 1)), logitsOf(0.8, 0.2), 20_000);
        assertEquals(Math.sqrt(0.8) / (Math.sqrt(0.8) + Math.sqrt(0.2)), hot[0], 0.015);
        double[] cold = frequencies(new TokenSampler(params(0.5f, 0, 1)), logitsOf(0.8, 0.2), 20_000);
        assertEquals(0.64 / (0.64 + 0.04), cold[0], 0.015);
    }

    @Test
    void topKKeepsTheKMostLikely() {
        double[] f = frequencies(new TokenSampler(params(1, 2, 1)), logitsOf(0.1, 0.4, 0.15, 0.35), 20_000);
        assertEquals(0, f[0]);
        assertEquals(0, f[2]);
        assertEquals(0.4 / 0.75, f[1], 0.015);
    }

    @Test
    void topPKeepsTheSmallestSetReachingIt() {
        // Sorted: 0.5, 0.3, 0.15, 0.05. top_p 0.75 needs 0.5 + 0.3; the rest never appear.
        double[] f = frequencies(new TokenSampler(params(1, 0, 0.75f)), logitsOf(0.15, 0.5, 0.05, 0.3), 20_000);
        assertEquals(0, f[0]);
        assertEquals(0, f[2]);
        assertEquals(0.5 / 0.8, f[1], 0.015);
        assertTrue(f[3] > 0.3);
    }
}
