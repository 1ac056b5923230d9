package dev.scratchgpt.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The exported graphs, run in ONNX Runtime, compute what nanoGPT's model computes. */
class OnnxExporterTest {

    private static final double TOLERANCE = 1e-4;

    /** With biases, untied head. */
    static final ModelConfig BIASED = new ModelConfig(13, 16, 2, 2, 8, true, false);
    /** nanoGPT's other flavour: no biases, head tied to the token embedding. */
    static final ModelConfig TIED_NO_BIAS = new ModelConfig(11, 12, 2, 4, 16, false, true);

    @Test
    void gptLogitsMatchTheReferenceForSeveralShapes() throws Exception {
        for (ModelConfig config : new ModelConfig[] {BIASED, TIED_NO_BIAS}) {
            ModelWeights weights = ModelWeights.lively(ModelType.GPT, config, 1);
            ReferenceGpt reference = new ReferenceGpt(weights);
            try (OrtModel model = new OrtModel(OnnxExporter.export(weights, "vocab-test"), config)) {
                int[][] shapes = {{1, 1}, {1, 5}, {2, 3}, {3, config.blockSize()}};
                for (int[] shape : shapes) {
                    long[][] ids = randomIds(shape[0], shape[1], config.vocabSize(), shape[0] * 31L + shape[1]);
                    float[][][] logits = model.run(ids, OrtModel.Cache.empty(config, shape[0])).logits();
                    assertClose(reference, ids, logits, config + " shape " + shape[0] + "x" + shape[1]);
                }
            }
        }
    }

    @Test
    void kvCacheStepsGiveTheSameLogitsAsTheReference() throws Exception {
        ModelWeights weights = ModelWeights.lively(ModelType.GPT, BIASED, 2);
        ReferenceGpt reference = new ReferenceGpt(weights);
        try (OrtModel model = new OrtModel(OnnxExporter.export(weights, "vocab-test"), BIASED)) {
            long[][] ids = randomIds(2, 9, BIASED.vocabSize(), 3);
            // prefill 4 tokens, then 3 tokens at once, then 2 single tokens
            int[] chunks = {4, 3, 1, 1};
            OrtModel.Cache cache = OrtModel.Cache.empty(BIASED, 2);
            int done = 0;
            for (int chunk : chunks) {
                long[][] part = slice(ids, done, done + chunk);
                OrtModel.Step step = model.run(part, cache);
                done += chunk;
                long[][] prefix = slice(ids, 0, done);
                float[][][] expectedTail = new float[2][][];
                for (int b = 0; b < 2; b++) {
                    float[][] full = reference.logits(prefix[b]);
                    expectedTail[b] = Arrays.copyOfRange(full, done - chunk, done);
                }
                assertEquals(done, step.cache().length(), "present_* hold past + new positions");
                assertMaxDiff(expectedTail, step.logits(), "cached step ending at " + done);
                cache = step.cache();
            }
        }
    }

    @Test
    void aZeroLengthPastIsAPrefill() throws Exception {
        ModelWeights weights = ModelWeights.lively(ModelType.GPT, BIASED, 4);
        try (OrtModel model = new OrtModel(OnnxExporter.export(weights, "vocab-test"), BIASED)) {
            long[][] ids = randomIds(2, 6, BIASED.vocabSize(), 9);
            OrtModel.Step step = model.run(ids, OrtModel.Cache.empty(BIASED, 2)); // past_* are [2, 2, 0, 4]
            assertEquals(6, step.cache().length());
            assertEquals(2 * BIASED.nHead() * 6 * BIASED.headDim(), step.cache().keys()[1].length,
                    "present_key_1 is [batch, heads, 6, head_dim]");
            assertEquals(6, step.logits()[1].length);
            assertEquals(BIASED.vocabSize(), step.logits()[1][5].length);
        }
    }

    @Test
    void greedyDecodingThroughTheCacheEqualsFullRecomputation() throws Exception {
        ModelConfig config = new ModelConfig(17, 128, 2, 2, 16, true, false);
        ModelWeights weights = ModelWeights.lively(ModelType.GPT, config, 3);
        try (OrtModel model = new OrtModel(OnnxExporter.export(weights, "vocab-test"), config)) {
            long[] prompt = {1, 5, 2};
            int newTokens = 100;

            long[] recomputed = Arrays.copyOf(prompt, prompt.length + newTokens);
            for (int n = prompt.length; n < recomputed.length; n++) {
                long[][] context = {Arrays.copyOf(recomputed, n)};
                float[][][] logits = model.run(context, OrtModel.Cache.empty(config, 1)).logits();
                recomputed[n] = argmax(logits[0][n - 1]);
            }

            long[] cached = Arrays.copyOf(prompt, prompt.length + newTokens);
            OrtModel.Step step = model.run(new long[][] {prompt}, OrtModel.Cache.empty(config, 1));
            for (int n = prompt.length; n < cached.length; n++) {
                float[][] last = step.logits()[0];
                cached[n] = argmax(last[last.length - 1]);
                if (n + 1 < cached.length) {
                    step = model.run(new long[][] {{cached[n]}}, step.cache());
                }
            }
            assertArrayEquals(recomputed, cached);
            assertTrue(Arrays.stream(recomputed).distinct().count() > 2,
                    "the decoded text varies, so the comparison means something");
        }
    }

    @Test
    void bigramLogitsAreTheTableRows() throws Exception {
        ModelConfig config = ModelConfig.bigram(7, 8);
        ModelWeights weights = ModelWeights.random(ModelType.BIGRAM, config, 4);
        ReferenceGpt reference = new ReferenceGpt(weights);
        try (OrtModel model = new OrtModel(OnnxExporter.export(weights, "vocab-test"), config)) {
            assertEquals(List.of("input_ids"), List.copyOf(model.session.getInputNames()));
            assertEquals(List.of("logits"), List.copyOf(model.session.getOutputNames()));
            for (int[] shape : new int[][] {{1, 1}, {2, 6}, {4, 3}}) {
                long[][] ids = randomIds(shape[0], shape[1], config.vocabSize(), shape[1]);
                assertClose(reference, ids, model.run(ids, null).logits(), "bigram " + shape[0] + "x" + shape[1]);
            }
        }
    }

    @Test
    void metadataCarriesWhatALoaderNeeds() throws Exception {
        ModelWeights weights = ModelWeights.random(ModelType.GPT, BIASED, 5);
        try (OrtModel model = new OrtModel(OnnxExporter.export(weights, "chars-abc123"), BIASED)) {
            Map<String, String> meta = model.session.getMetadata().getCustomMetadata();
            assertEquals("gpt", meta.get("model_type"));
            assertEquals("chars-abc123", meta.get("vocabulary_id"));
            assertEquals("16", meta.get("block_size"));
            assertEquals("17", meta.get("opset"));
            assertEquals("input_ids,past_key_0,past_value_0,past_key_1,past_value_1", meta.get("inputs"));
            assertEquals("logits,present_key_0,present_value_0,present_key_1,present_value_1", meta.get("outputs"));
            assertEquals("{\"vocab_size\":13,\"block_size\":16,\"n_layer\":2,\"n_head\":2,\"n_embd\":8,"
                    + "\"bias\":true,\"tie_weights\":false}", meta.get("config"));
            assertEquals("scratchgpt", model.session.getMetadata().getProducerName());
        }
    }

    @Test
    void tiedHeadIsStoredOnce() {
        ModelWeights tied = ModelWeights.random(ModelType.GPT, TIED_NO_BIAS, 6);
        var initializers = OnnxExporter.toModel(tied, "v").getGraph().getInitializerList();
        long wteCopies = initializers.stream().filter(t -> t.getName().equals(ModelWeights.WTE)).count();
        long heads = initializers.stream().filter(t -> t.getName().equals(ModelWeights.LM_HEAD)).count();
        assertEquals(1, wteCopies);
        assertEquals(0, heads);
    }

    @Test
    void referenceErfIsAccurate() {
        assertEquals(0.5204998778130465, ReferenceGpt.erf(0.5), 1e-13);
        assertEquals(0.8427007929497149, ReferenceGpt.erf(1.0), 1e-13);
        assertEquals(-0.9953222650189527, ReferenceGpt.erf(-2.0), 1e-13);
        assertEquals(0.9999779095030014, ReferenceGpt.erf(3.0), 1e-13);
    }

    private static void assertClose(ReferenceGpt reference, long[][] ids, float[][][] actual, String what) {
        float[][][] expected = new float[ids.length][][];
        for (int b = 0; b < ids.length; b++) {
            expected[b] = reference.logits(ids[b]);
        }
        assertMaxDiff(expected, actual, what);
    }

    private static void assertMaxDiff(float[][][] expected, float[][][] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": batch");
        double maxDiff = 0;
        double maxAbs = 0;
        for (int b = 0; b < expected.length; b++) {
            assertEquals(expected[b].length, actual[b].length, what + ": seq");
            for (int t = 0; t < expected[b].length; t++) {
                assertEquals(expected[b][t].length, actual[b][t].length, what + ": vocab");
                for (int v = 0; v < expected[b][t].length; v++) {
                    maxDiff = Math.max(maxDiff, Math.abs(expected[b][t][v] - actual[b][t][v]));
                    maxAbs = Math.max(maxAbs, Math.abs(expected[b][t][v]));
                }
            }
        }
        System.out.printf("%s: max abs diff %.2e, max |logit| %.2f%n", what, maxDiff, maxAbs);
        assertTrue(maxDiff <= TOLERANCE, what + ": max abs diff " + maxDiff + " > " + TOLERANCE);
        assertTrue(maxAbs > 0.5, what + ": logits of order 1 (max |logit| " + maxAbs + "), so the match is not trivial");
    }

    static long[][] randomIds(int batch, int seq, int vocab, long seed) {
        Random random = new Random(seed);
        long[][] ids = new long[batch][seq];
        for (long[] row : ids) {
            for (int t = 0; t < seq; t++) {
                row[t] = random.nextInt(vocab);
            }
        }
        return ids;
    }

    private static long[][] slice(long[][] ids, int from, int to) {
        long[][] out = new long[ids.length][];
        for (int b = 0; b < ids.length; b++) {
            out[b] = Arrays.copyOfRange(ids[b], from, to);
        }
        return out;
    }

    private static long argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
