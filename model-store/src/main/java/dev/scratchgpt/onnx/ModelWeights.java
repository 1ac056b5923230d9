package dev.scratchgpt.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A trained (or freshly initialised) model as plain data: its kind, its configuration and
 * its parameters by nanoGPT's names ({@link #expectedShapes}). This is what the trainer hands
 * to the exporter, independent of the engine it trained with. Linear weights are PyTorch's
 * (out, in); the exporter transposes them.
 *
 * <p>With {@code tie_weights}, {@code lm_head.weight} may be left out (it is
 * {@code transformer.wte.weight}); if given, it must equal it.
 */
public record ModelWeights(ModelType type, ModelConfig config, Map<String, Tensor> tensors) {

    public static final String BIGRAM_TABLE = "token_embedding_table.weight";
    public static final String LM_HEAD = "lm_head.weight";
    public static final String WTE = "transformer.wte.weight";
    public static final String WPE = "transformer.wpe.weight";

    public ModelWeights {
        Map<String, long[]> expected = expectedShapes(type, config);
        Map<String, Tensor> given = new LinkedHashMap<>(tensors);
        if (type == ModelType.GPT && config.tieWeights() && given.containsKey(LM_HEAD)) {
            Tensor head = given.remove(LM_HEAD);
            if (!head.equals(given.get(WTE))) {
                throw new IllegalArgumentException("tie_weights is set but " + LM_HEAD + " differs from " + WTE);
            }
        }
        List<String> problems = new ArrayList<>();
        for (var e : expected.entrySet()) {
            Tensor t = given.get(e.getKey());
            if (t == null) {
                problems.add("missing " + e.getKey() + " " + Arrays.toString(e.getValue()));
            } else if (!t.hasShape(e.getValue())) {
                problems.add(e.getKey() + " has shape " + Arrays.toString(t.shape())
                        + ", expected " + Arrays.toString(e.getValue()));
            }
        }
        for (String name : given.keySet()) {
            if (!expected.containsKey(name)) {
                problems.add("unexpected parameter " + name);
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("weights do not match the " + type.id() + " config " + config
                    + ": " + String.join("; ", problems));
        }
        // Keep nanoGPT's parameter order, so exported files list them in model order.
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (String name : expected.keySet()) {
            ordered.put(name, given.get(name));
        }
        tensors = Collections.unmodifiableMap(ordered);
    }

    /**
     * Every parameter a model of this kind and config has, in nanoGPT's order, with its
     * shape. Tied weights appear once (as {@code transformer.wte.weight}); biases only with
     * {@code bias}.
     */
    public static Map<String, long[]> expectedShapes(ModelType type, ModelConfig config) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        long v = config.vocabSize();
        if (type == ModelType.BIGRAM) {
            shapes.put(BIGRAM_TABLE, new long[] {v, v});
            return shapes;
        }
        config.checkGpt();
        long c = config.nEmbd();
        shapes.put(WTE, new long[] {v, c});
        shapes.put(WPE, new long[] {config.blockSize(), c});
        for (int i = 0; i < config.nLayer(); i++) {
            String h = "transformer.h." + i;
            layerNorm(shapes, config, h + ".ln_1", c);
            linear(shapes, config, h + ".attn.c_attn", c, 3 * c);
            linear(shapes, config, h + ".attn.c_proj", c, c);
            layerNorm(shapes, config, h + ".ln_2", c);
            linear(shapes, config, h + ".mlp.c_fc", c, 4 * c);
            linear(shapes, config, h + ".mlp.c_proj", 4 * c, c);
        }
        layerNorm(shapes, config, "transformer.ln_f", c);
        if (!config.tieWeights()) {
            shapes.put(LM_HEAD, new long[] {v, c});
        }
        return shapes;
    }

    private static void layerNorm(Map<String, long[]> shapes, ModelConfig config, String prefix, long c) {
        shapes.put(prefix + ".weight", new long[] {c});
        if (config.bias()) {
            shapes.put(prefix + ".bias", new long[] {c});
        }
    }

    private static void linear(Map<String, long[]> shapes, ModelConfig config, String prefix, long in, long out) {
        shapes.put(prefix + ".weight", new long[] {out, in});
        if (config.bias()) {
            shapes.put(prefix + ".bias", new long[] {out});
        }
    }

    /** Number of parameters of a model of this kind and config, tied weights counted once. */
    public static long countParameters(ModelType type, ModelConfig config) {
        long n = 0;
        for (long[] shape : expectedShapes(type, config).values()) {
            n += Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        }
        return n;
    }

    public long numParameters() {
        return countParameters(type, config);
    }

    /** The named parameter; {@code lm_head.weight} resolves to the embedding when tied. */
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null && LM_HEAD.equals(name) && config.tieWeights()) {
            t = tensors.get(WTE);
        }
        if (t == null) {
            throw new IllegalArgumentException("no parameter " + name + " in this " + type.id() + " model");
        }
        return t;
    }

    /**
     * Freshly initialised weights, as the untrained model would have them: for a gpt,
     * nanoGPT's init (Linear and Embedding weights N(0, 0.02), residual projections
     * {@code c_proj} N(0, 0.02/sqrt(2 n_layer)), biases 0, LayerNorm weight 1 and bias 0);
     * for a bigram, PyTorch's nn.Embedding default N(0, 1) as in the course. Deterministic
     * for a seed. Meant for tests and benchmarks.
     */
    public static ModelWeights random(ModelType type, ModelConfig config, long seed) {
        Random random = new Random(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        double residualStd = 0.02 / Math.sqrt(2.0 * Math.max(1, config.nLayer()));
        for (var e : expectedShapes(type, config).entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            float[] data = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b))];
            boolean layerNorm = name.contains(".ln_");
            if (name.endsWith(".bias")) {
                // zeros
            } else if (layerNorm) {
                Arrays.fill(data, 1f);
            } else {
                double std = type == ModelType.BIGRAM ? 1.0
                        : name.endsWith("c_proj.weight") ? residualStd : 0.02;
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) (random.nextGaussian() * std);
                }
            }
            tensors.put(name, new Tensor(shape, data));
        }
        return new ModelWeights(type, config, tensors);
    }

    /**
     * Random weights with every parameter away from its init value (LayerNorm gains around 1,
     * biases around 0 but not 0) and scaled so activations and logits are of order 1: Linear
     * weights N(0, 1/in), embeddings N(0, 1), biases N(0, 0.1), LayerNorm gains 1 + N(0, 0.2).
     * For tests that compare forward passes or sample: with nanoGPT's init every logit is near
     * 0, so any two implementations agree and every next token is about equally likely.
     */
    public static ModelWeights lively(ModelType type, ModelConfig config, long seed) {
        Random random = new Random(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (var e : expectedShapes(type, config).entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            float[] data = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b))];
            boolean layerNormGain = name.contains(".ln_") && name.endsWith(".weight");
            boolean embedding = name.equals(WTE) || name.equals(WPE) || name.equals(BIGRAM_TABLE);
            double std = name.endsWith(".bias") ? 0.1
                    : layerNormGain ? 0.2
                    : embedding ? 1.0
                    : 1 / Math.sqrt(shape[1]);
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) ((layerNormGain ? 1 : 0) + random.nextGaussian() * std);
            }
            tensors.put(name, new Tensor(shape, data));
        }
        return new ModelWeights(type, config, tensors);
    }
}
