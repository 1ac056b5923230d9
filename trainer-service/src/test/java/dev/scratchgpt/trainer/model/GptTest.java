package dev.scratchgpt.trainer.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GptTest {

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager(Device.cpu());
        Engine.getInstance().setRandomSeed(7);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private static GptConfig config(boolean bias, boolean tie) {
        return new GptConfig(11, 8, 16, 4, 2, 0.1f, bias, tie);
    }

    @Test
    void forwardGivesOneLogitPerVocabularyEntryForEveryPosition() {
        try (Gpt gpt = new Gpt(manager, config(true, true))) {
            NDArray idx = manager.create(new long[]{1, 2, 3, 4, 5, 0, 10, 9, 8, 7}, new Shape(2, 5));
            NDArray logits = gpt.forward(idx, false);
            assertEquals(new Shape(2, 5, 11), logits.getShape());
        }
    }

    @Test
    void parametersCarryNanoGptNamesAndShapes() {
        try (Gpt gpt = new Gpt(manager, config(true, false))) {
            Map<String, NDArray> p = gpt.stateDict();
            assertEquals(new Shape(11, 16), p.get("transformer.wte.weight").getShape());
            assertEquals(new Shape(8, 16), p.get("transformer.wpe.weight").getShape());
            assertEquals(new Shape(48, 16), p.get("transformer.h.1.attn.c_attn.weight").getShape());
            assertEquals(new Shape(48), p.get("transformer.h.1.attn.c_attn.bias").getShape());
            assertEquals(new Shape(16, 16), p.get("transformer.h.0.attn.c_proj.weight").getShape());
            assertEquals(new Shape(64, 16), p.get("transformer.h.0.mlp.c_fc.weight").getShape());
            assertEquals(new Shape(16, 64), p.get("transformer.h.0.mlp.c_proj.weight").getShape());
            assertEquals(new Shape(16), p.get("transformer.ln_f.bias").getShape());
            assertEquals(new Shape(11, 16), p.get("lm_head.weight").getShape());
            // 2 embeddings + 2 layers x 12 + ln_f 2 + lm_head
            assertEquals(2 + 2 * 12 + 2 + 1, p.size());
            assertTrue(gpt.decays("transformer.h.0.mlp.c_fc.weight"));
            assertTrue(gpt.decays("lm_head.weight"));
            assertFalse(gpt.decays("transformer.h.0.mlp.c_fc.bias"));
            assertFalse(gpt.decays("transformer.h.0.ln_1.weight"));
            assertFalse(gpt.decays("transformer.wte.weight"));
        }
    }

    @Test
    void withoutBiasAndTiedTheHeadIsTheEmbeddingAndNoBiasExists() {
        try (Gpt gpt = new Gpt(manager, config(false, true))) {
            assertTrue(gpt.parameters().keySet().stream().noneMatch(n -> n.endsWith(".bias")));
            assertFalse(gpt.parameters().containsKey("lm_head.weight"));
            assertTrue(gpt.stateDict().get("lm_head.weight") == gpt.stateDict().get("transformer.wte.weight"));
        }
    }

    @Test
    void changingAFutureTokenNeverChangesEarlierLogits() {
        try (Gpt gpt = new Gpt(manager, config(true, true))) {
            long[] a = {3, 1, 4, 1, 5, 9, 2, 6};
            long[] b = a.clone();
            b[5] = 7; // change position 5 only
            float[] la = gpt.forward(manager.create(a, new Shape(1, 8)), false).get(new NDIndex("0, :5")).toFloatArray();
            float[] lb = gpt.forward(manager.create(b, new Shape(1, 8)), false).get(new NDIndex("0, :5")).toFloatArray();
            assertArrayEquals(la, lb, 1e-6f);
            float[] laAfter = gpt.forward(manager.create(a, new Shape(1, 8)), false).get(new NDIndex("0, 5:")).toFloatArray();
            float[] lbAfter = gpt.forward(manager.create(b, new Shape(1, 8)), false).get(new NDIndex("0, 5:")).toFloatArray();
            assertFalse(java.util.Arrays.equals(laAfter, lbAfter), "positions from 5 on must see the change");
        }
    }

    @Test
    void evalModeIsDeterministicAndTrainingModeAppliesDropout() {
        try (Gpt gpt = new Gpt(manager, config(true, true))) {
            NDArray idx = manager.create(new long[]{1, 2, 3, 4}, new Shape(1, 4));
            float[] e1 = gpt.forward(idx, false).toFloatArray();
            float[] e2 = gpt.forward(idx, false).toFloatArray();
            assertArrayEquals(e1, e2);
            float[] t1 = gpt.forward(idx, true).toFloatArray();
            assertFalse(java.util.Arrays.equals(e1, t1));
        }
    }

    @Test
    void initialisationFollowsNanoGpt() {
        Engine.getInstance().setRandomSeed(1);
        GptConfig big = new GptConfig(50, 16, 64, 4, 8, 0f, true, true);
        try (Gpt gpt = new Gpt(manager, big)) {
            Map<String, NDArray> p = gpt.parameters();
            double wteStd = std(p.get("transformer.wte.weight"));
            double projStd = std(p.get("transformer.h.3.mlp.c_proj.weight"));
            assertEquals(0.02, wteStd, 0.002);
            assertEquals(0.02 / Math.sqrt(2 * 8), projStd, 0.0008);
            assertEquals(1f, p.get("transformer.h.0.ln_1.weight").mean().getFloat(), 0f);
            assertEquals(0f, p.get("transformer.h.0.attn.c_attn.bias").abs().sum().getFloat(), 0f);
        }
    }

    @Test
    void untrainedLossIsNearLnV() {
        try (Gpt gpt = new Gpt(manager, config(true, true))) {
            NDArray idx = manager.create(new long[]{1, 2, 3, 4, 5, 6, 7, 8}, new Shape(1, 8));
            NDArray y = manager.create(new long[]{2, 3, 4, 5, 6, 7, 8, 9}, new Shape(1, 8));
            float loss = LanguageModel.crossEntropy(gpt.forward(idx, false), y).getFloat();
            assertEquals(Math.log(11), loss, 0.1);
        }
    }

    private static double std(NDArray a) {
        float[] v = a.toFloatArray();
        double mean = 0;
        for (float x : v) {
            mean += x;
        }
        mean /= v.length;
        double var = 0;
        for (float x : v) {
            var += (x - mean) * (x - mean);
        }
        return Math.sqrt(var / v.length);
    }

    @Test
    void backwardReadsNoMemoryTheCollectorHasFreed() throws Exception {
        // DJL turns a Java number in an op (x.mul(0.25)) into a scalar tensor over a direct
        // buffer and frees the buffer once the collector finds it unreachable, but autograd keeps
        // that tensor for backward. Collect between forward and backward and hand the freed
        // memory out again: a gradient that read it differs from one computed without collecting.
        NDArray idx = manager.create(new long[]{1, 2, 3, 4, 5, 0, 10, 9, 8, 7}, new Shape(2, 5));
        NDArray targets = manager.create(new long[]{2, 3, 4, 5, 6, 10, 9, 8, 7, 6}, new Shape(2, 5));
        float[] clean = gradientsOfFreshModel(idx, targets, false);
        for (int attempt = 0; attempt < 5; attempt++) {
            assertArrayEquals(clean, gradientsOfFreshModel(idx, targets, true), "attempt " + attempt);
        }
    }

    private float[] gradientsOfFreshModel(NDArray idx, NDArray targets, boolean collectBeforeBackward)
            throws InterruptedException {
        Engine.getInstance().setRandomSeed(11);
        try (Gpt gpt = new Gpt(manager, new GptConfig(11, 8, 16, 4, 2, 0f, true, false));
             GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray loss = LanguageModel.crossEntropy(gpt.forward(idx, true), targets);
            if (collectBeforeBackward) {
                for (int i = 0; i < 3; i++) {
                    System.gc();
                    Thread.sleep(50); // the cleaner thread frees the unreachable buffers
                }
                List<ByteBuffer> reuse = new ArrayList<>();
                Thread[] threads = new Thread[4];
                for (int t = 0; t < threads.length; t++) {
                    threads[t] = new Thread(() -> { // other threads' allocations take the freed memory
                        for (int i = 0; i < 2000; i++) {
                            ByteBuffer b = ByteBuffer.allocateDirect(4).putFloat(0, 1000f);
                            synchronized (reuse) {
                                reuse.add(b);
                            }
                        }
                    });
                    threads[t].start();
                }
                for (Thread t : threads) {
                    t.join();
                }
            }
            collector.backward(loss);
            float[] all = new float[0];
            for (NDArray p : gpt.parameters().values()) {
                float[] g = p.getGradient().toFloatArray();
                float[] joined = Arrays.copyOf(all, all.length + g.length);
                System.arraycopy(g, 0, joined, all.length, g.length);
                all = joined;
            }
            return all;
        }
    }
}
