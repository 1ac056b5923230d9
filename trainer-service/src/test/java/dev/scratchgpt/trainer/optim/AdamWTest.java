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
            float norm = opt.step(0f);
            assertEquals(5f, norm, 1e-5f);
            assertArrayEquals(new float[]{0.6f, 0f}, opt.firstMoments().get("w").toFloatArray(), 1e-5f);
            assertArrayEquals(new float[]{0.8f}, opt.firstMoments().get("b").toFloatArray(), 1e-5f);
        }
    }

    /**
     * The fused update against torch.optim.AdamW's per-parameter loop written out in doubles:
     * three parameters of different shapes (two decayed), global-norm clipping that bites on
     * some steps and not on others, four steps with a changing learning rate; then a second
     * optimizer restored from the first one's moments takes the next step identically.
     */
    @Test
    void fusedUpdateEqualsThePerParameterFormulaAndSurvivesARestore() {
        Engine.getInstance();
        JniUtils.setGradMode(false);
        // eps this large weighs in the denominator, so where the bias correction meets it is checked too
        float b1 = 0.9f, b2 = 0.99f, eps = 1e-3f, wd = 0.1f, clip = 1f;
        long[][] shapes = {{3, 4}, {4}, {2, 3, 2}};
        String[] names = {"a.weight", "a.bias", "c.weight"};
        java.util.Random random = new java.util.Random(7);
        int n = 0;
        double[][] p = new double[3][], mExp = new double[3][], vExp = new double[3][];
        for (int k = 0; k < 3; k++) {
            int size = (int) new ai.djl.ndarray.types.Shape(shapes[k]).size();
            p[k] = new double[size];
            mExp[k] = new double[size];
            vExp[k] = new double[size];
            for (int i = 0; i < size; i++) {
                p[k][i] = random.nextGaussian();
            }
        }
        float[] lrs = {1e-2f, 3e-2f, 2e-2f, 5e-3f, 1e-2f};
        float[] gradScale = {0.05f, 3f, 0.2f, 10f, 1f}; // global norm below and above the clip of 1
        float[][][] grads = new float[lrs.length][3][];
        for (int s = 0; s < lrs.length; s++) {
            for (int k = 0; k < 3; k++) {
                grads[s][k] = new float[p[k].length];
                for (int i = 0; i < p[k].length; i++) {
                    grads[s][k][i] = (float) (random.nextGaussian() * gradScale[s]);
                }
            }
        }
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            for (int k = 0; k < 3; k++) {
                float[] init = new float[p[k].length];
                for (int i = 0; i < init.length; i++) {
                    init[i] = (float) p[k][i];
                }
                NDArray arr = m.create(init, new ai.djl.ndarray.types.Shape(shapes[k]));
                arr.setRequiresGradient(true);
                params.put(names[k], arr);
            }
            AdamW.Settings settings = new AdamW.Settings(b1, b2, eps, wd, clip);
            AdamW opt = new AdamW(m, params, name -> name.endsWith(".weight"), settings);
            for (int s = 0; s < lrs.length - 1; s++) {
                setGradients(m, params, grads[s]);
                float norm = opt.step(lrs[s]);
                assertEquals((float) expectedStep(p, mExp, vExp, grads[s], s + 1, lrs[s], b1, b2, eps, wd, clip,
                        new boolean[]{true, false, true}), norm, 1e-4f);
            }
            for (int k = 0; k < 3; k++) {
                assertArrayEquals(toFloats(p[k]), params.get(names[k]).toFloatArray(), 1e-5f, names[k]);
                assertArrayEquals(toFloats(mExp[k]), opt.firstMoments().get(names[k]).toFloatArray(), 1e-6f);
                assertArrayEquals(toFloats(vExp[k]), opt.secondMoments().get(names[k]).toFloatArray(), 1e-6f);
                assertEquals(new ai.djl.ndarray.types.Shape(shapes[k]), opt.firstMoments().get(names[k]).getShape());
            }

            // a fresh optimizer restored from the moments, as a checkpoint restores them
            Map<String, float[]> first = new LinkedHashMap<>(), second = new LinkedHashMap<>();
            opt.firstMoments().forEach((name, arr) -> first.put(name, arr.toFloatArray()));
            opt.secondMoments().forEach((name, arr) -> second.put(name, arr.toFloatArray()));
            AdamW restored = new AdamW(m, params, name -> name.endsWith(".weight"), settings);
            restored.restore(opt.stepCount(), first, second);
            int last = lrs.length - 1;
            setGradients(m, params, grads[last]);
            restored.step(lrs[last]);
            expectedStep(p, mExp, vExp, grads[last], last + 1, lrs[last], b1, b2, eps, wd, clip,
                    new boolean[]{true, false, true});
            for (int k = 0; k < 3; k++) {
                assertArrayEquals(toFloats(p[k]), params.get(names[k]).toFloatArray(), 1e-5f, names[k]);
                assertArrayEquals(toFloats(mExp[k]), restored.firstMoments().get(names[k]).toFloatArray(), 1e-6f);
                assertArrayEquals(new float[p[k].length], params.get(names[k]).getGradient().toFloatArray(),
                        "gradients are zeroed after a step");
            }
        }
    }

    /** Leaves exactly {@code grads} in the parameters' gradients (loss = sum(p * g)). */
    private static void setGradients(NDManager m, Map<String, NDArray> params, float[][] grads) {
        try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope();
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = null;
            int k = 0;
            for (NDArray p : params.values()) {
                NDArray term = p.mul(m.create(grads[k++], p.getShape())).sum();
                loss = loss == null ? term : loss.add(term);
            }
            gc.backward(loss);
        }
    }

    /**
     * torch.nn.utils.clip_grad_norm_ then torch.optim.AdamW's single-tensor step, per parameter,
     * in doubles; updates p, m, v in place and returns the norm before clipping.
     */
    private static double expectedStep(double[][] p, double[][] m, double[][] v, float[][] g, int t, double lr,
                                       double b1, double b2, double eps, double wd, double clip, boolean[] decays) {
        double sum = 0;
        for (float[] gk : g) {
            for (float x : gk) {
                sum += (double) x * x;
            }
        }
        double norm = Math.sqrt(sum);
        double coef = Math.min(1.0, clip / (norm + 1e-6));
        double bc1 = 1 - Math.pow(b1, t), bc2 = 1 - Math.pow(b2, t);
        for (int k = 0; k < p.length; k++) {
            for (int i = 0; i < p[k].length; i++) {
                double gi = g[k][i] * coef;
                if (decays[k]) {
                    p[k][i] *= 1 - lr * wd;
                }
                m[k][i] = b1 * m[k][i] + (1 - b1) * gi;
                v[k][i] = b2 * v[k][i] + (1 - b2) * gi * gi;
                p[k][i] -= lr / bc1 * m[k][i] / (Math.sqrt(v[k][i]) / Math.sqrt(bc2) + eps);
            }
        }
        return norm;
    }

    private static float[] toFloats(double[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) x[i];
        }
        return out;
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
