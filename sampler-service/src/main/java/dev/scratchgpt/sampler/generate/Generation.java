package dev.scratchgpt.sampler.generate;

import java.util.List;

/** What a finished generation produced: one entry per sample, in index order. */
public record Generation(List<Sample> samples, int promptTokens) {

    public record Sample(int index, String text, int[] tokenIds, FinishReason finishReason) {
    }

    public int tokensGenerated() {
        return samples.stream().mapToInt(s -> s.tokenIds().length).sum();
    }
}
