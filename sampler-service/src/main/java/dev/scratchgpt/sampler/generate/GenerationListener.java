package dev.scratchgpt.sampler.generate;

/** Receives a generation's output as it is produced (GenerateStream sends each piece on). */
public interface GenerationListener {

    GenerationListener NONE = (sample, text, tokenIds) -> {
    };

    /** Called once per step for every sample still running, and once more per sample with held-back text at the end. */
    void onPiece(int sample, String text, int[] tokenIds);
}
