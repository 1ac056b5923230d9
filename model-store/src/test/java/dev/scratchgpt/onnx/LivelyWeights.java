package dev.scratchgpt.onnx;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Random weights with every parameter away from its init value (LayerNorm gains not 1,
 * biases not 0) and scaled so activations and logits are of order 1: a comparison on these
 * exercises every term of the forward pass, where nanoGPT's init (std 0.02, zero biases)
 * would give logits near 0 that match almost anything.
 */
final class LivelyWeights {

    private LivelyWeights() {
    }

    static ModelWeights of(ModelType type, ModelConfig config, long seed) {
        Random random = new Random(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (var e : ModelWeights.expectedShapes(type, config).entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            int n = 1;
            for (long d : shape) {
                n *= (int) d;
            }
            float[] data = new float[n];
            boolean layerNormGain = name.contains(".ln_") && name.endsWith(".weight");
            boolean matrix = shape.length == 2 && !name.equals(ModelWeights.WTE) && !name.equals(ModelWeights.WPE)
                    && !name.equals(ModelWeights.BIGRAM_TABLE);
            double std = name.endsWith(".bias") ? 0.1 : matrix ? 1 / Math.sqrt(shape[1]) : layerNormGain ? 0.2 : 1.0;
            for (int i = 0; i < n; i++) {
                data[i] = (float) ((layerNormGain ? 1 : 0) + random.nextGaussian() * std);
            }
            tensors.put(name, new Tensor(shape, data));
        }
        return new ModelWeights(type, config, tensors);
    }
}
