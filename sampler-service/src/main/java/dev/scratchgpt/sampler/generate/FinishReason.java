package dev.scratchgpt.sampler.generate;

/** Why a sample ended. */
public enum FinishReason {
    /** max_new_tokens were generated. */
    LENGTH,
    /** Its text reached a stop sequence. */
    STOP
}
