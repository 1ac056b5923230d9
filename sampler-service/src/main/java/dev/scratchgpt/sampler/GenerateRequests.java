package dev.scratchgpt.sampler;

import dev.scratchgpt.sampler.generate.SamplingParams;
import dev.scratchgpt.sampler.v1.GenerateRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Checks a GenerateRequest the way TGI and vLLM do, naming the field, the value and what is
 * allowed, and turns it into {@link SamplingParams} with the documented defaults.
 */
final class GenerateRequests {

    static final int DEFAULT_MAX_NEW_TOKENS = 100;
    static final float MAX_TEMPERATURE = 100f;
    static final int MAX_SAMPLES = 16;
    static final int MAX_STOP = 4;
    static final int MAX_STOP_CHARS = 256;
    /** The model reads only its last block_size tokens; a longer prompt is wasted encoding work. */
    static final int MAX_PROMPT_CHARS = 1_000_000;

    private GenerateRequests() {
    }

    static SamplingParams validate(GenerateRequest r, int maxNewTokensCap) {
        if (r.getModel().isBlank()) {
            throw invalid("model is required: the name of a model in the store (see ListModels)");
        }
        if (r.hasVersion() && r.getVersion() < 0) {
            throw invalid("version must be 0 (latest) or a positive version number, got " + r.getVersion());
        }
        if (r.getPrompt().length() > MAX_PROMPT_CHARS || r.getPromptIdsCount() > MAX_PROMPT_CHARS) {
            throw invalid("prompt must be at most " + MAX_PROMPT_CHARS + " characters (or prompt_ids as many ids), got "
                    + Math.max(r.getPrompt().length(), r.getPromptIdsCount())
                    + "; the model reads only the last block_size tokens of it");
        }
        if (!r.getPrompt().isEmpty() && r.getPromptIdsCount() > 0) {
            throw invalid("prompt and prompt_ids are mutually exclusive: send the text or its ids, not both");
        }
        for (int i = 0; i < r.getPromptIdsCount(); i++) {
            if (r.getPromptIds(i) < 0) {
                throw invalid("prompt_ids[" + i + "] is " + r.getPromptIds(i) + "; ids are 0..vocab_size-1");
            }
        }
        int maxNew = r.hasMaxNewTokens() ? r.getMaxNewTokens() : DEFAULT_MAX_NEW_TOKENS;
        if (maxNew < 1 || maxNew > maxNewTokensCap) {
            throw invalid("max_new_tokens must be in 1.." + maxNewTokensCap + ", got " + maxNew);
        }
        float temperature = r.hasTemperature() ? r.getTemperature() : 1f;
        if (!Float.isFinite(temperature) || temperature < 0 || temperature > MAX_TEMPERATURE) {
            throw invalid("temperature must be 0 (greedy) or in (0, " + (int) MAX_TEMPERATURE + "], got " + temperature);
        }
        int topK = r.hasTopK() ? r.getTopK() : 0;
        if (topK < 0) {
            throw invalid("top_k must be 0 (off) or positive, got " + topK);
        }
        float topP = r.hasTopP() ? r.getTopP() : 1f;
        if (!(topP > 0f && topP <= 1f)) { // also refuses NaN
            throw invalid("top_p must be in (0, 1] (1 turns it off), got " + topP);
        }
        int samples = r.hasNumSamples() ? r.getNumSamples() : 1;
        if (samples < 1 || samples > MAX_SAMPLES) {
            throw invalid("num_samples must be in 1.." + MAX_SAMPLES + ", got " + samples);
        }
        if (r.getStopCount() > MAX_STOP) {
            throw invalid("stop allows at most " + MAX_STOP + " sequences, got " + r.getStopCount());
        }
        for (int i = 0; i < r.getStopCount(); i++) {
            int n = r.getStop(i).codePointCount(0, r.getStop(i).length());
            if (n < 1 || n > MAX_STOP_CHARS) {
                throw invalid("stop[" + i + "] must be 1.." + MAX_STOP_CHARS + " characters long, got " + n);
            }
        }
        long seed = r.hasSeed() ? r.getSeed() : ThreadLocalRandom.current().nextLong();
        return new SamplingParams(temperature, topK, topP, seed, samples, maxNew, r.getStopList());
    }

    /** Ids must be within the model's vocabulary; known only once the model is resolved. */
    static void checkPromptIds(GenerateRequest r, int vocabSize) {
        for (int i = 0; i < r.getPromptIdsCount(); i++) {
            if (r.getPromptIds(i) >= vocabSize) {
                throw invalid("prompt_ids[" + i + "] is " + r.getPromptIds(i) + "; this model's ids are 0.."
                        + (vocabSize - 1));
            }
        }
    }

    /**
     * The tokens a context shift drops (see the proto's ContextShift), or 0 for the exact sliding
     * window. The range depends on the model's block, known only once the model is resolved.
     *
     * @param contextSize tokens the model reads: block_size, or 1 for the bigram (which ignores a shift)
     */
    static int contextShift(GenerateRequest r, int contextSize) {
        if (!r.hasContextShift()) {
            return 0;
        }
        int tokens = r.getContextShift().getTokens();
        if (tokens < 0) {
            throw invalid("context_shift.tokens must be 0 (half the block) or in 1..block_size-1, got " + tokens);
        }
        if (contextSize <= 1) {
            return 0; // the bigram reads only the last token: there is nothing to shift
        }
        if (tokens == 0) {
            return contextSize / 2;
        }
        if (tokens >= contextSize) {
            throw invalid("context_shift.tokens must be 0 (half the block) or in 1.." + (contextSize - 1)
                    + " for this model (block_size " + contextSize + "), got " + tokens);
        }
        return tokens;
    }

    private static StatusRuntimeException invalid(String sentence) {
        return Status.INVALID_ARGUMENT.withDescription(sentence).asRuntimeException();
    }
}
