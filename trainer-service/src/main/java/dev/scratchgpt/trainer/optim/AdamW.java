package dev.scratchgpt.trainer.optim;

import ai.djl.ndarray.NDArray;
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
     * then zeroes those gradients. Returns the global gradient norm before clipping (a scalar
     * on the device; reading it is the caller's choice).
     */
    public NDArray step(float lr) {
        t++;
        NDArray norm = globalNorm();
        if (settings.gradClip() > 0) {
            // torch.nn.utils.clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is < 1,
            // computed on the device so no step waits for a host read.
            NDArray coef = norm.add(1e-6f).pow(-1).mul(settings.gradClip()).clip(0f, 1f);
            for (NDArray p : params.values()) {
                p.getGradient().muli(coef);
            }
        }
        double bc1 = 1 - Math.pow(settings.beta1(), t);
        double bc2 = 1 - Math.pow(settings.beta2(), t);
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            String name = e.getKey();
            NDArray p = e.getValue();
            NDArray g = p.getGradient();
            if (decays.test(name) && settings.weightDecay() > 0) {
                p.muli(1 - lr * settings.weightDecay());
            }
            NDArray mi = m.get(name).muli(settings.beta1()).addi(g.mul(1 - settings.beta1()));
            NDArray vi = v.get(name).muli(settings.beta2()).addi(g.square().muli(1 - settings.beta2()));
            NDArray denom = vi.sqrt().divi(Math.sqrt(bc2)).addi(settings.eps());
            p.subi(mi.div(denom).muli(lr / bc1));
            g.subi(g); // zero for the next backward (libtorch accumulates)
        }
        return norm;
    }

    /** sqrt of the sum of squared gradient entries over every parameter. */
    private NDArray globalNorm() {
        NDArray sum = null;
        for (NDArray p : params.values()) {
            NDArray sq = p.getGradient().square().sum();
            sum = sum == null ? sq : sum.add(sq);
        }
        return sum.sqrt();
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
