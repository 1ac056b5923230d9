package dev.scratchgpt.trainer.job;

import dev.scratchgpt.trainer.TrainerError;
import dev.scratchgpt.trainer.v1.ModelType;
import dev.scratchgpt.trainer.v1.TrainingSpec;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingSpecsTest {

    @Test
    void unsetFieldsTakeTheCourseDefaultsPerModelType() {
        TrainingSpec bigram = TrainingSpecs.withDefaults(TrainingSpec.newBuilder().setModelType(ModelType.MODEL_TYPE_BIGRAM).build());
        assertEquals(32, bigram.getBatchSize());
        assertEquals(8, bigram.getBlockSize());
        assertEquals(10999, bigram.getMaxSteps());
        assertEquals(1e-3f, bigram.getLearningRate());
        TrainingSpec gpt = TrainingSpecs.withDefaults(TrainingSpec.newBuilder().setModelType(ModelType.MODEL_TYPE_GPT).build());
        assertEquals(64, gpt.getBatchSize());
        assertEquals(256, gpt.getBlockSize());
        assertEquals(384, gpt.getNEmbd());
        assertEquals(6, gpt.getNHead());
        assertEquals(6, gpt.getNLayer());
        assertEquals(0.2f, gpt.getDropout());
        assertEquals(3e-4f, gpt.getLearningRate());
        assertEquals(5000, gpt.getMaxSteps());
        assertEquals(500, gpt.getEvalInterval());
        assertEquals(200, gpt.getEvalIters());
        assertEquals(1337, gpt.getSeed());
        assertEquals(0.9f, gpt.getTrainFraction());
    }

    private static String refused(TrainingSpec.Builder spec) {
        TrainerError e = assertThrows(TrainerError.class, () -> TrainingSpecs.withDefaults(spec.build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
        return e.getMessage();
    }

    @Test
    void outOfRangeValuesNameTheFieldAndTheAllowedRange() {
        TrainingSpec.Builder gpt = TrainingSpec.newBuilder().setModelType(ModelType.MODEL_TYPE_GPT);
        assertTrue(refused(gpt.clone().setNEmbd(100).setNHead(6)).contains("spec.n_embd 100 must be divisible by spec.n_head 6"));
        assertTrue(refused(gpt.clone().setBatchSize(0)).contains("spec.batch_size 0 is outside the allowed range 1..4096"));
        assertTrue(refused(gpt.clone().setLearningRate(0)).contains("spec.learning_rate 0.0 is outside the allowed range (0, 1]"));
        assertTrue(refused(gpt.clone().setDropout(1f)).contains("spec.dropout 1.0 is outside the allowed range [0, 1)"));
        assertTrue(refused(gpt.clone().setDropout(Float.NaN)).contains("spec.dropout"));
        assertTrue(refused(TrainingSpec.newBuilder()).contains("spec.model_type"));
        assertTrue(refused(TrainingSpec.newBuilder().setModelTypeValue(9)).contains("MODEL_TYPE_BIGRAM or MODEL_TYPE_GPT"));
    }

    @Test
    void aBlockAsLargeAsTheValSplitIsRefused() {
        TrainingSpec spec = TrainingSpecs.withDefaults(TrainingSpec.newBuilder().setModelType(ModelType.MODEL_TYPE_BIGRAM)
                .setBlockSize(100).build());
        TrainingSpecs.validateAgainstCorpus(spec, 1010); // val holds 101 tokens: fine
        TrainerError e = assertThrows(TrainerError.class, () -> TrainingSpecs.validateAgainstCorpus(spec, 1000));
        assertTrue(e.getMessage().contains("spec.block_size 100 must be smaller than the val split, which holds 100 tokens"),
                e.getMessage());
    }
}
