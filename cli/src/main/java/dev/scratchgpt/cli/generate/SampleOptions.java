package dev.scratchgpt.cli.generate;

import dev.scratchgpt.sampler.v1.ContextShift;
import dev.scratchgpt.sampler.v1.GenerateRequest;
import picocli.CommandLine.Option;

import java.util.List;

/** Sampling options; unset ones stay unset so the sampler's documented defaults apply. */
public class SampleOptions {

    @Option(names = "--prompt", paramLabel = "TEXT", defaultValue = "",
            description = "Text to continue (default empty: start from token 0, as the course does).")
    public String prompt;

    @Option(names = "--max-new-tokens", paramLabel = "N", description = "Tokens per sample (sampler default 100).")
    public Integer maxNewTokens;

    @Option(names = "--temperature", paramLabel = "T", description = "0 = greedy, else (0, 100] (default 1.0).")
    public Float temperature;

    @Option(names = "--top-k", paramLabel = "K", description = "Keep the K most likely tokens; 0 keeps all.")
    public Integer topK;

    @Option(names = "--top-p", paramLabel = "P", description = "Nucleus sampling, (0, 1].")
    public Float topP;

    @Option(names = "--seed", paramLabel = "N", description = "Same seed and request, same text.")
    public Long seed;

    @Option(names = "--num-samples", paramLabel = "N", description = "Samples drawn as one batch, 1..16.")
    public Integer numSamples;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop sequence (repeat for up to 4).")
    public List<String> stop;

    @Option(names = "--version", paramLabel = "N", description = "Model version (default latest).")
    public Integer version;

    @Option(names = "--context-shift", paramLabel = "N", arity = "0..1", fallbackValue = "0",
            description = "Past block_size, drop N tokens at a time and keep decoding from the cache "
                    + "(faster, inexact; bare flag: half the block). Default: exact sliding window.")
    public Integer contextShift;

    public GenerateRequest toRequest(String model) {
        GenerateRequest.Builder b = GenerateRequest.newBuilder().setModel(model).setPrompt(prompt == null ? "" : prompt);
        if (version != null) b.setVersion(version);
        if (maxNewTokens != null) b.setMaxNewTokens(maxNewTokens);
        if (temperature != null) b.setTemperature(temperature);
        if (topK != null) b.setTopK(topK);
        if (topP != null) b.setTopP(topP);
        if (seed != null) b.setSeed(seed);
        if (numSamples != null) b.setNumSamples(numSamples);
        if (stop != null) b.addAllStop(stop);
        if (contextShift != null) b.setContextShift(ContextShift.newBuilder().setTokens(contextShift));
        return b.build();
    }
}
