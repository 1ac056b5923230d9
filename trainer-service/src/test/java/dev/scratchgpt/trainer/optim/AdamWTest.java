package dev.scratchgpt.trainer.optim;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class AdamWTest {

    /** loss = sum(w * c): the gradient of w is c, so every update can be computed by hand. */
    private static void backward(NDManager m, Map<String, NDArray> params, float[] cw, float[] cb) {
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = params.get("w").mul(m.create(cw)).sum().add(params.get("b").mul(m.create(cb)).sum());
            gc.backward(loss);
        }
    }

    @Test
    void twoStepsMatchTorchAdamWByHandWithDecayOnlyForTheMatrix() {
        Engine.getInstance();
        JniUtils.setGradMode(false);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            NDArray w = m.create(new float[]{1f, -2f});
            NDArray b = m.create(new float[]{0.5f});
            w.setRequiresGradient(true);
            b.setRequiresGradient(true);
            params.put("w", w);
            params.put("b", b);
            float lr = 0.1f, b1 = 0.9f, b2 = 0.99f, eps = 1e-8f, wd = 0.5f;
            AdamW opt = new AdamW(m, params, "w"::equals, new AdamW.Settings(b1, b2, eps, wd, 0f));

            float[] gw1 = {3f, -1f}, gb1 = {2f};
            backward(m, params, gw1, gb1);
            opt.step(lr);
            float[] gw2 = {-1f, 4f}, gb2 = {1f};
            backward(m, params, gw2, gb2);
            opt.step(lr);

            double[] wExp = {1, -2};
            double[] mw = new double[2], vw = new double[2];
            double bExp = 0.5, mb = 0, vb = 0;
            float[][] gws = {gw1, gw2};
            float[] gbs = {gb1[0], gb2[0]};
            for (int t = 1; t <= 2; t++) {
                double bc1 = 1 - Math.pow(b1, t), bc2 = 1 - Math.pow(b2, t);
                for (int i = 0; i < 2; i++) {
                    wExp[i] *= 1 - lr * wd; // decoupled weight decay, matrices only
                    mw[i] = b1 * mw[i] + (1 - b1) * gws[t - 1][i];
                    vw[i] = b2 * vw[i] + (1 - b2) * gws[t - 1][i] * gws[t - 1][i];
                    wExp[i] -= lr / bc1 * mw[i] / (Math.sqrt(vw[i]) / Math.sqrt(bc2) + eps);
                }
                mb = b1 * mb + (1 - b1) * gbs[t - 1];
                vb = b2 * vb + (1 - b2) * gbs[t - 1] * gbs[t - 1];
                bExp -= lr / bc1 * mb / (Math.sqrt(vb) / Math.sqrt(bc2) + eps);
            }
            assertArrayEquals(new float[]{(float) wExp[0], (float) wExp[1]}, w.toFloatArray(), 1e-5f);
            assertEquals((float) bExp, b.toFloatArray()[0], 1e-5f);
            assertArrayEquals(new float[]{(float) mw[0], (float) mw[1]}, opt.firstMoments().get("w").toFloatArray(), 1e-5f);
            assertEquals(2, opt.stepCount());
            assertArrayEquals(new float[]{0f, 0f}, w.getGradient().toFloatArray(), "gradients are zeroed after a step");
        }
    }

    @Test
    void globalNormClippingScalesEveryGradientByTheSameFactor() {
        Engine.getInstance();
        JniUtils.setGradMode(false);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            NDArray w = m.create(new float[]{0f, 0f});
            NDArray b = m.create(new float[]{0f});
            w.setRequiresGradient(true);
            b.setRequiresGradient(true);
            params.put("w", w);
            params.put("b", b);
            // plain SGD-like check: with beta1 = 0 and a huge beta2-free denominator we read the clipped
            // gradient back from the first moment: m = (1 - 0) * g_clipped.
            AdamW opt = new AdamW(m, params, n -> false, new AdamW.Settings(0f, 0.5f, 1e-8f, 0f, 1f));
            backward(m, params, new float[]{3f, 0f}, new float[]{4f}); // norm 5
            float norm = opt.step(0f).getFloat();
            assertEquals(5f, norm, 1e-5f);
            assertArrayEquals(new float[]{0.6f, 0f}, opt.firstMoments().get("w").toFloatArray(), 1e-5f);
            assertArrayEquals(new float[]{0.8f}, opt.firstMoments().get("b").toFloatArray(), 1e-5f);
        }
    }

    @Test
    void cosineScheduleWarmsUpLinearlyThenDecaysToTheMinimum() {
        LearningRateSchedule s = new LearningRateSchedule(true, 1e-3f, 1e-4f, 100, 2000);
        assertEquals(1e-3f / 101, s.at(0), 1e-9f);
        assertEquals(1e-3f * 100 / 101, s.at(99), 1e-9f);
        assertEquals(1e-3f, s.at(100), 1e-9f);
        assertEquals((1e-3f + 1e-4f) / 2, s.at(1050), 1e-7f);
        assertEquals(1e-4f, s.at(2000), 1e-9f);
        assertEquals(1e-4f, s.at(5000), 1e-9f);
        assertEquals(3e-4f, LearningRateSchedule.constant(3e-4f).at(1234), 0f);
    }
}
