package dev.scratchgpt.cli;

import dev.scratchgpt.trainer.v1.ModelType;
import dev.scratchgpt.trainer.v1.TrainingSpec;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class DemoSpecTest {

    @Test
    void demoTrainsNanoGptsCpuConfigAndOptionsOverrideIt() {
        DemoCommand demo = new DemoCommand();
        new CommandLine(demo).parseArgs("--max-steps", "50", "--n-layer", "2");
        TrainingSpec spec = DemoCommand.demoSpec(demo.train.toSpec());
        assertEquals(ModelType.MODEL_TYPE_GPT, spec.getModelType());
        assertEquals(50, spec.getMaxSteps());
        assertEquals(2, spec.getNLayer());
        assertEquals(4, spec.getNHead());
        assertEquals(128, spec.getNEmbd());
        assertEquals(64, spec.getBlockSize());
        assertEquals(12, spec.getBatchSize());
        assertEquals(1e-3f, spec.getLearningRate());
    }

    @Test
    void trainLeavesUnsetHyperParametersUnsetSoTheTrainerAppliesTheCoursesDefaults() {
        TrainCommand train = new TrainCommand();
        new CommandLine(train).parseArgs("--model-type", "bigram", "--tokenizer", "bpe", "--vocab-size", "512");
        TrainingSpec spec = train.train.toSpec();
        assertEquals(ModelType.MODEL_TYPE_BIGRAM, spec.getModelType());
        assertEquals(512, spec.getBpeVocabSize());
        assertEquals(dev.scratchgpt.tokenizer.v1.VocabularyKind.VOCABULARY_KIND_BPE, spec.getVocabularyKind());
        assertFalse(spec.hasBatchSize());
        assertFalse(spec.hasLearningRate());
        assertFalse(spec.hasMaxSteps());
    }
}
