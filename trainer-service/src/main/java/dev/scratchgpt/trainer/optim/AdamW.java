package dev.scratchgpt.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * AdamW as torch.optim.AdamW computes it, with nanoGPT's two parameter groups (weight decay
 * for matrices only) and optional global-norm gradient clipping. DJL's own AdamW decays every
 * parameter, clips element-wise and keeps its moments private; this one keeps its moments in
 * {@link #firstMoments()}/{@link #secondMoments()} so a checkpoint can save and restore them.
 *
 * <p>The moments of all parameters live in one flat tensor each, and every step copies the
 * gradients into one flat tensor too: the clip norm and the Adam arithmetic are then a dozen
 * engine calls per step instead of a dozen per parameter (each call crosses JNI and allocates a
 * Java wrapper; at nanoGPT's CPU size that overhead cost more than the arithmetic). Only the
 * weight decay, the final subtraction and zeroing the gradient remain per parameter.
 *
 * <p>Call {@link #step} with the engine's grad mode off (updates are in place on leaves).
 */
public final class AdamW implements AutoCloseable {

    public record Settings(float beta1, float beta2, float eps, float weightDecay, float gradClip) {
    }

    private final NDManager manager;
    private final Settings settings;
    private final List<NDArray> params = new ArrayList<>();
    private final List<Boolean> decays = new ArrayList<>();
    /** Where each parameter's slice ends in the flat tensors (the split points, without the last). */
    private final long[] splitPoints;
    /** Flat first and second moments, parameters in the map's order. */
    private final NDArray m;
    private final NDArray v;
    /**
     * The constant factors as tensors made once: DJL turns every scalar argument into a new
     * tensor (a direct buffer and a JNI call) on each use.
     */
    private final NDArray beta1;
    private final NDArray oneMinusBeta1;
    private final NDArray beta2;
    private final NDArray oneMinusBeta2;
    private final NDArray eps;
    /** Views into {@link #m} and {@link #v} shaped like each parameter, for checkpoints. */
    private final Map<String, NDArray> mByName = new LinkedHashMap<>();
    private final Map<String, NDArray> vByName = new LinkedHashMap<>();
    private long t;

    public AdamW(NDManager parent, Map<String, NDArray> params, Predicate<String> decays, Settings settings) {
        this.manager = parent.newSubManager();
        this.settings = settings;
        long total = params.values().stream().mapToLong(NDArray::size).sum();
        this.m = manager.zeros(new Shape(total));
        this.v = manager.zeros(new Shape(total));
        this.beta1 = manager.create(settings.beta1());
        this.oneMinusBeta1 = manager.create(1 - settings.beta1());
        this.beta2 = manager.create(settings.beta2());
        this.oneMinusBeta2 = manager.create(1 - settings.beta2());
        this.eps = manager.create(settings.eps());
        this.splitPoints = new long[params.size() - 1];
        long offset = 0;
        int i = 0;
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray p = e.getValue();
            this.params.add(p);
            this.decays.add(decays.test(e.getKey()));
            mByName.put(e.getKey(), slice(m, offset, p.getShape()));
            vByName.put(e.getKey(), slice(v, offset, p.getShape()));
            offset += p.size();
            if (i < splitPoints.length) {
                splitPoints[i++] = offset;
            }
        }
    }

    /**
     * One update with learning rate {@code lr} from the gradients the last backward pass left,
     * then zeroes those gradients. Returns the global gradient norm before clipping (a scalar
     * on the device; reading it is the caller's choice).
     */
    public NDArray step(float lr) {
        t++;
        NDList flatGrads = new NDList(params.size());
        for (NDArray p : params) {
            flatGrads.add(p.getGradient().reshape(-1));
        }
        NDArray g = flatGrads.size() == 1 ? flatGrads.get(0).duplicate() : NDArrays.concat(flatGrads);
        NDArray norm = g.norm();
        if (settings.gradClip() > 0) {
            // torch.nn.utils.clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is < 1,
            // computed on the device so no step waits for a host read.
            g.muli(norm.add(1e-6f).pow(-1).mul(settings.gradClip()).clip(0f, 1f));
        }
        m.muli(beta1).addi(g.mul(oneMinusBeta1));
        v.muli(beta2).addi(g.square().muli(oneMinusBeta2));
        double bc1 = 1 - Math.pow(settings.beta1(), t);
        double bc2 = 1 - Math.pow(settings.beta2(), t);
        NDArray denom = v.sqrt().divi(Math.sqrt(bc2)).addi(eps);
        NDArray update = m.div(denom).muli(lr / bc1);
        NDList updates = params.size() == 1 ? new NDList(update) : update.split(splitPoints);
        try (NDArray decay = manager.create(1 - lr * settings.weightDecay())) {
            for (int i = 0; i < params.size(); i++) {
                NDArray p = params.get(i);
                if (decays.get(i) && settings.weightDecay() > 0) {
                    p.muli(decay); // decoupled: before the Adam step, as torch
                }
                p.subi(updates.get(i).reshape(p.getShape()));
                // libtorch accumulates into .grad; zero_() in place (g - g would keep a NaN forever)
                JniUtils.zeroGrad((PtNDArray) p);
            }
        }
        return norm;
    }

    /** Per-parameter views of the first moments (they follow every update; do not close them). */
    public Map<String, NDArray> firstMoments() {
        return mByName;
    }

    /** Per-parameter views of the second moments (they follow every update; do not close them). */
    public Map<String, NDArray> secondMoments() {
        return vByName;
    }

    /** Updates taken so far (bias correction depends on it). */
    public long stepCount() {
        return t;
    }

    /** Restores the state a checkpoint saved: moments are copied in place. */
    public void restore(long stepCount, Map<String, float[]> first, Map<String, float[]> second) {
        this.t = stepCount;
        copyInto(mByName, first);
        copyInto(vByName, second);
    }

    private void copyInto(Map<String, NDArray> views, Map<String, float[]> values) {
        // index_put_ writes through the view into the flat tensor; NDArray.set(float[]) would
        // give the view new storage of its own and cut it off from the flat moments.
        views.forEach((name, view) -> {
            try (NDArray src = manager.create(values.get(name), view.getShape())) {
                view.set(new NDIndex("..."), src);
            }
        });
    }

    /** A view of {@code size(shape)} entries of {@code flat} from {@code offset}, reshaped. */
    private static NDArray slice(NDArray flat, long offset, Shape shape) {
        try (NDArray range = flat.get(new NDIndex("{}:{}", offset, offset + shape.size()))) {
            return range.reshape(shape);
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
