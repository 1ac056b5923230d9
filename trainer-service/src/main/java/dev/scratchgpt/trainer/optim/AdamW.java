package dev.scratchgpt.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * AdamW as torch.optim.AdamW computes it, with nanoGPT's two parameter groups (weight decay
 * for matrices only) and optional global-norm gradient clipping. DJL's own AdamW decays every
 * parameter, clips element-wise and keeps its moments private; this one keeps its moments in
 * {@link #firstMoments()}/{@link #secondMoments()} so a checkpoint can save and restore them.
 *
 * <p>Each parameter is updated by DJL's fused Adam kernel ({@code NDArrayEx.adamUpdate}, one
 * native call that also zeroes the gradient) on our moment tensors. Written out as NDArray
 * operations the update took about twenty engine calls per parameter, a thousand per step at
 * nanoGPT's CPU size, each crossing JNI and allocating a wrapper; that cost more than the
 * arithmetic. The kernel is MXNet-shaped, so {@link #step} feeds it arguments that make it
 * compute torch's formula exactly (see there).
 *
 * <p>Call {@link #step} with the engine's grad mode off (updates are in place on leaves).
 */
public final class AdamW implements AutoCloseable {

    public record Settings(float beta1, float beta2, float eps, float weightDecay, float gradClip) {
    }

    private final NDManager manager;
    private final Map<String, NDArray> params;
    private final Predicate<String> decays;
    private final Settings settings;
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private long t;

    public AdamW(NDManager parent, Map<String, NDArray> params, Predicate<String> decays, Settings settings) {
        this.manager = parent.newSubManager();
        this.params = params;
        this.decays = decays;
        this.settings = settings;
        params.forEach((name, p) -> {
            m.put(name, manager.zeros(p.getShape()));
            v.put(name, manager.zeros(p.getShape()));
        });
    }

    /**
     * One update with learning rate {@code lr} from the gradients the last backward pass left,
     * then zeroes those gradients. Returns the global gradient norm before clipping.
     *
     * <p>The kernel computes, per parameter: {@code g = rescale * grad}; {@code p -= lr * wd * p};
     * {@code m = b1 m + (1 - b1) g}; {@code v = b2 v + (1 - b2) g^2};
     * {@code p -= lrBc * m / (sqrt(v) + epsK)}. With {@code rescale} the clip coefficient,
     * {@code lrBc = lr sqrt(bc2) / bc1} and {@code epsK = eps sqrt(bc2)} the last line is torch's
     * {@code p -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps)} (multiply through by sqrt(bc2)).
     */
    public float step(float lr) {
        t++;
        NDList grads = new NDList(params.size());
        NDList norms = new NDList(params.size());
        for (NDArray p : params.values()) {
            NDArray g = p.getGradient();
            grads.add(g);
            norms.add(g.norm());
        }
        // torch.nn.utils.clip_grad_norm_: the norm of the per-parameter norms, then scale every
        // gradient by max_norm / (norm + 1e-6) when that is below 1. The kernel takes the scale
        // as a number, so the norm is read on the host: free on the CPU, where every op has
        // finished when it returns; on a GPU one sync per step, as reading the loss is anyway.
        float norm = NDArrays.stack(norms).norm().getFloat();
        float rescale = settings.gradClip() > 0 ? Math.min(1f, settings.gradClip() / (norm + 1e-6f)) : 1f;
        double bc1 = 1 - Math.pow(settings.beta1(), t);
        double sqrtBc2 = Math.sqrt(1 - Math.pow(settings.beta2(), t));
        float lrBiasCorrected = (float) (lr * sqrtBc2 / bc1);
        float epsScaled = (float) (settings.eps() * sqrtBc2);
        int i = 0;
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray p = e.getValue();
            float weightDecay = decays.test(e.getKey()) ? settings.weightDecay() : 0f;
            p.getNDArrayInternal().adamUpdate(
                    new NDList(p, grads.get(i++), m.get(e.getKey()), v.get(e.getKey())), new NDList(p),
                    lr, lrBiasCorrected, weightDecay, rescale,
                    -1f, // no element-wise clamp: clipping is the global norm above
                    settings.beta1(), settings.beta2(), epsScaled,
                    false, // lazy update: sparse gradients only, not used by the engine
                    true); // decoupled weight decay (AdamW), applied before the moments as torch does
        }
        return norm;
    }

    public Map<String, NDArray> firstMoments() {
        return m;
    }

    public Map<String, NDArray> secondMoments() {
        return v;
    }

    /** Updates taken so far (bias correction depends on it). */
    public long stepCount() {
        return t;
    }

    /** Restores the state a checkpoint saved: moments are copied in place. */
    public void restore(long stepCount, Map<String, float[]> first, Map<String, float[]> second) {
        this.t = stepCount;
        m.forEach((name, arr) -> arr.set(first.get(name)));
        v.forEach((name, arr) -> arr.set(second.get(name)));
    }

    @Override
    public void close() {
        manager.close();
    }
}
