package dev.scratchgpt.trainer.model;

import ai.djl.ndarray.NDManager;
import dev.scratchgpt.trainer.v1.ModelType;
import dev.scratchgpt.trainer.v1.TrainingSpec;

/** Builds the model a resolved spec names. */
public final class Models {

    private Models() {
    }

    public static LanguageModel create(NDManager manager, TrainingSpec spec, int vocabSize) {
        if (spec.getModelType() == ModelType.MODEL_TYPE_GPT) {
            return new Gpt(manager, gptConfig(spec, vocabSize));
        }
        return new Bigram(manager, vocabSize, spec.getBlockSize());
    }

    public static GptConfig gptConfig(TrainingSpec spec, int vocabSize) {
        return new GptConfig(vocabSize, spec.getBlockSize(), spec.getNEmbd(), spec.getNHead(), spec.getNLayer(),
                spec.getDropout(), spec.getBias(), spec.getTieWeights());
    }
}
