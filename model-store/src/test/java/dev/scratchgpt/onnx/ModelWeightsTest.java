package dev.scratchgpt.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelWeightsTest {

    private static final ModelConfig CONFIG = new ModelConfig(65, 64, 4, 4, 128, true, false);

    @Test
    void parameterCountOfTheNanoGptCpuConfig() {
        // nanoGPT prints 0.80M for this config excluding wpe (64*128 = 8192) and counting the
        // tied head once; untied with biases, everything counted:
        long perBlock = 2 * 128 + (128 * 384 + 384) + (128 * 128 + 128) + 2 * 128 + (128 * 512 + 512) + (512 * 128 + 128);
        long expected = 65 * 128 + 64 * 128 + 4 * perBlock + 2 * 128 + 65 * 128;
        assertEquals(expected, ModelWeights.countParameters(ModelType.GPT, CONFIG));
        assertEquals(65 * 65, ModelWeights.countParameters(ModelType.BIGRAM, ModelConfig.bigram(65, 8)));
    }

    @Test
    void randomInitFollowsNanoGpt() {
        ModelWeights w = ModelWeights.random(ModelType.GPT, CONFIG, 7);
        assertEquals(0.02, std(w.tensor("transformer.h.0.attn.c_attn.weight").data()), 0.001);
        assertEquals(0.02 / Math.sqrt(8), std(w.tensor("transformer.h.0.mlp.c_proj.weight").data()), 0.0005);
        assertEquals(1f, w.tensor("transformer.h.3.ln_2.weight").data()[5]);
        assertEquals(0f, w.tensor("transformer.h.3.mlp.c_fc.bias").data()[5]);
        assertEquals(w.tensor("transformer.wte.weight").data()[3],
                ModelWeights.random(ModelType.GPT, CONFIG, 7).tensor("transformer.wte.weight").data()[3],
                "same seed, same weights");
    }

    @Test
    void missingAndMisshapenParametersAreNamed() {
        Map<String, Tensor> tensors = new LinkedHashMap<>(ModelWeights.random(ModelType.GPT, CONFIG, 1).tensors());
        tensors.remove("transformer.h.2.ln_1.bias");
        tensors.put("transformer.h.0.attn.c_attn.weight", Tensor.of(new float[128 * 384], 128, 384));
        tensors.put("transformer.h.0.attn.bias", Tensor.of(new float[1], 1));
        var e = assertThrows(IllegalArgumentException.class, () -> new ModelWeights(ModelType.GPT, CONFIG, tensors));
        assertTrue(e.getMessage().contains("missing transformer.h.2.ln_1.bias [128]"), e.getMessage());
        assertTrue(e.getMessage().contains("transformer.h.0.attn.c_attn.weight has shape [128, 384], expected [384, 128]"),
                e.getMessage());
        assertTrue(e.getMessage().contains("unexpected parameter transformer.h.0.attn.bias"), e.getMessage());
    }

    @Test
    void tiedHeadMayBeGivenButMustEqualTheEmbedding() {
        ModelConfig tied = new ModelConfig(10, 8, 1, 2, 8, false, true);
        Map<String, Tensor> tensors = new LinkedHashMap<>(ModelWeights.random(ModelType.GPT, tied, 1).tensors());
        tensors.put(ModelWeights.LM_HEAD, tensors.get(ModelWeights.WTE));
        ModelWeights w = new ModelWeights(ModelType.GPT, tied, tensors);
        assertSame(w.tensor(ModelWeights.WTE), w.tensor(ModelWeights.LM_HEAD));

        tensors.put(ModelWeights.LM_HEAD, Tensor.of(new float[80], 10, 8));
        var e = assertThrows(IllegalArgumentException.class, () -> new ModelWeights(ModelType.GPT, tied, tensors));
        assertTrue(e.getMessage().contains("lm_head.weight differs from transformer.wte.weight"), e.getMessage());
    }

    @Test
    void badConfigsAreRefusedWithTheReason() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ModelWeights.random(ModelType.GPT, new ModelConfig(65, 64, 2, 3, 128, true, false), 1));
        assertEquals("n_embd (128) must be divisible by n_head (3)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ModelConfig(0, 8, 1, 1, 8, true, true));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[5], 2, 3));
    }

    private static double std(float[] data) {
        double sum = 0;
        double sq = 0;
        for (float v : data) {
            sum += v;
            sq += (double) v * v;
        }
        double mean = sum / data.length;
        return Math.sqrt(sq / data.length - mean * mean);
    }
}
