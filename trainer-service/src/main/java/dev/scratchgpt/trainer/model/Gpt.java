package dev.scratchgpt.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.internal.NDArrayEx;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import dev.scratchgpt.onnx.ModelConfig;
import dev.scratchgpt.onnx.ModelType;
import dev.scratchgpt.onnx.ModelWeights;
import dev.scratchgpt.onnx.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A decoder-only transformer, read top to bottom like nanoGPT's model.py: token and learned
 * position embeddings, {@code n_layer} pre-LayerNorm blocks of causal multi-head
 * self-attention and a 4x GELU MLP with residual connections, a final LayerNorm and lm_head.
 *
 * <p>Parameters are plain NDArrays named exactly as nanoGPT's state_dict (Linear weights in
 * PyTorch's (out, in) layout), so checkpoints and the ONNX exporter read them by name.
 */
public final class Gpt implements LanguageModel {

    static final float LAYER_NORM_EPS = 1e-5f;

    private final GptConfig config;
    private final NDManager manager;
    private final Map<String, NDArray> params = new LinkedHashMap<>();
    private final NDArray wte;
    private final NDArray wpe;
    private final List<Block> blocks = new ArrayList<>();
    private final LayerNorm lnF;
    private final NDArray lmHead;
    /** (block, block): 0 on and below the diagonal, -inf above: a token never sees the future. */
    private final NDArray causalMask;
    /**
     * 1/sqrt(head size) as a tensor the model owns. Not {@code att.mul(1.0 / Math.sqrt(d))}: DJL
     * makes a Java number into a scalar tensor over a direct buffer that the garbage collector may
     * free before backward reads it (autograd keeps the scalar for the gradient), which made runs
     * with the same seed drift apart from process to process.
     */
    private final NDArray attentionScale;

    /**
     * Builds the model with nanoGPT's initialisation: weights normal(0, 0.02), biases 0,
     * LayerNorm weights 1, and every residual projection (c_proj) normal(0, 0.02/sqrt(2 n_layer)).
     * Seed the engine first for a reproducible model.
     */
    public Gpt(NDManager parent, GptConfig config) {
        this.config = config;
        this.manager = parent.newSubManager();
        int c = config.nEmbd();
        wte = param("transformer.wte.weight", normal(0.02f, config.vocabSize(), c));
        wpe = param("transformer.wpe.weight", normal(0.02f, config.blockSize(), c));
        float residualStd = (float) (0.02 / Math.sqrt(2.0 * config.nLayer()));
        for (int i = 0; i < config.nLayer(); i++) {
            blocks.add(new Block("transformer.h." + i, residualStd));
        }
        lnF = new LayerNorm("transformer.ln_f");
        if (config.tieWeights()) {
            lmHead = wte;
        } else {
            lmHead = param("lm_head.weight", normal(0.02f, config.vocabSize(), c));
        }
        causalMask = buildCausalMask(config.blockSize());
        attentionScale = manager.create((float) (1.0 / Math.sqrt(c / config.nHead())));
    }

    /** idx (B, T) int64 with T <= block_size -> logits (B, T, V). */
    @Override
    public NDArray forward(NDArray idx, boolean training) {
        long t = idx.getShape().get(1);
        NDArray tok = ex(idx).embedding(idx, wte, SparseFormat.DENSE).singletonOrThrow(); // (B, T, C)
        NDArray pos = wpe.get(new NDIndex(":{}", t));                                    // (T, C)
        NDArray x = dropout(tok.add(pos), training);
        for (Block block : blocks) {
            x = block.forward(x, training);
        }
        x = lnF.forward(x);
        return linear(x, lmHead, null); // (B, T, V)
    }

    /** The attention half of a block: q, k, v from one projection, split into heads. */
    private final class CausalSelfAttention {
        final NDArray cAttnW;
        final NDArray cAttnB;
        final NDArray cProjW;
        final NDArray cProjB;

        CausalSelfAttention(String prefix, float residualStd) {
            int c = config.nEmbd();
            cAttnW = param(prefix + ".c_attn.weight", normal(0.02f, 3 * c, c));
            cAttnB = biasParam(prefix + ".c_attn.bias", 3 * c);
            cProjW = param(prefix + ".c_proj.weight", normal(residualStd, c, c));
            cProjB = biasParam(prefix + ".c_proj.bias", c);
        }

        NDArray forward(NDArray x, boolean training) {
            Shape s = x.getShape();
            long b = s.get(0);
            long t = s.get(1);
            long c = s.get(2);
            int h = config.nHead();
            long d = c / h;
            NDList qkv = linear(x, cAttnW, cAttnB).split(3, 2); // q, k, v: (B, T, C) each
            NDArray q = qkv.get(0).reshape(b, t, h, d).transpose(0, 2, 1, 3); // (B, H, T, D)
            NDArray k = qkv.get(1).reshape(b, t, h, d).transpose(0, 2, 1, 3);
            NDArray v = qkv.get(2).reshape(b, t, h, d).transpose(0, 2, 1, 3);
            NDArray att = q.matMul(k.transpose(0, 1, 3, 2)).mul(attentionScale); // (B, H, T, T)
            att = att.add(causalMask.get(new NDIndex(":{}, :{}", t, t)));
            att = dropout(att.softmax(-1), training);
            NDArray y = att.matMul(v)                                  // (B, H, T, D)
                    .transpose(0, 2, 1, 3).reshape(b, t, c);           // heads side by side again
            return dropout(linear(y, cProjW, cProjB), training);
        }
    }

    /** The feed-forward half of a block: widen 4x, exact GELU, project back. */
    private final class Mlp {
        final NDArray cFcW;
        final NDArray cFcB;
        final NDArray cProjW;
        final NDArray cProjB;

        Mlp(String prefix, float residualStd) {
            int c = config.nEmbd();
            cFcW = param(prefix + ".c_fc.weight", normal(0.02f, 4 * c, c));
            cFcB = biasParam(prefix + ".c_fc.bias", 4 * c);
            cProjW = param(prefix + ".c_proj.weight", normal(residualStd, c, 4 * c));
            cProjB = biasParam(prefix + ".c_proj.bias", c);
        }

        NDArray forward(NDArray x, boolean training) {
            NDArray hidden = gelu(linear(x, cFcW, cFcB));
            return dropout(linear(hidden, cProjW, cProjB), training);
        }
    }

    /** Pre-LayerNorm transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
    private final class Block {
        final LayerNorm ln1;
        final CausalSelfAttention attn;
        final LayerNorm ln2;
        final Mlp mlp;

        Block(String prefix, float residualStd) {
            ln1 = new LayerNorm(prefix + ".ln_1");
            attn = new CausalSelfAttention(prefix + ".attn", residualStd);
            ln2 = new LayerNorm(prefix + ".ln_2");
            mlp = new Mlp(prefix + ".mlp", residualStd);
        }

        NDArray forward(NDArray x, boolean training) {
            x = x.add(attn.forward(ln1.forward(x), training));
            return x.add(mlp.forward(ln2.forward(x), training));
        }
    }

    /** LayerNorm over the last dimension only (eps 1e-5), with an optional bias. */
    private final class LayerNorm {
        final NDArray weight;
        final NDArray bias;

        LayerNorm(String prefix) {
            weight = param(prefix + ".weight", manager.ones(new Shape(config.nEmbd())));
            NDArray b = biasParam(prefix + ".bias", config.nEmbd());
            // The engine wants a beta; without a bias it is a constant zero, not a parameter.
            bias = b != null ? b : manager.zeros(new Shape(config.nEmbd()));
        }

        NDArray forward(NDArray x) {
            return ex(x).layerNorm(x, new Shape(config.nEmbd()), weight, bias, LAYER_NORM_EPS).singletonOrThrow();
        }
    }

    // ---- small helpers -------------------------------------------------------------------

    private NDArray param(String name, NDArray value) {
        value.setRequiresGradient(true);
        params.put(name, value);
        return value;
    }

    private NDArray biasParam(String name, int size) {
        return config.bias() ? param(name, manager.zeros(new Shape(size))) : null;
    }

    private NDArray normal(float std, long... shape) {
        return manager.randomNormal(0, std, new Shape(shape), ai.djl.ndarray.types.DataType.FLOAT32);
    }

    private NDArray buildCausalMask(int block) {
        float[] mask = new float[block * block];
        for (int row = 0; row < block; row++) {
            for (int col = row + 1; col < block; col++) {
                mask[row * block + col] = Float.NEGATIVE_INFINITY;
            }
        }
        return manager.create(mask, new Shape(block, block));
    }

    /** x @ W^T + b with W in (out, in) layout, as torch.nn.functional.linear. */
    private static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return ex(x).linear(x, weight, bias).singletonOrThrow();
    }

    /**
     * Exact GELU, 0.5 x (1 + erf(x / sqrt 2)): libtorch's default gelu is this form (not the
     * tanh approximation), in one fused op; the ONNX graph spells it out with Erf.
     */
    private static NDArray gelu(NDArray x) {
        return ex(x).gelu();
    }

    private NDArray dropout(NDArray x, boolean training) {
        if (!training || config.dropout() == 0f) {
            return x;
        }
        return ex(x).dropout(x, config.dropout(), true).singletonOrThrow();
    }

    private static NDArrayEx ex(NDArray x) {
        return x.getNDArrayInternal();
    }

    // ---- LanguageModel -------------------------------------------------------------------

    public GptConfig config() {
        return config;
    }

    @Override
    public Map<String, NDArray> parameters() {
        return params;
    }

    /** nanoGPT's param groups: Linear weights decay; biases, LayerNorm and embeddings do not. */
    @Override
    public boolean decays(String name) {
        return name.endsWith(".weight") && (name.contains(".attn.") || name.contains(".mlp.")
                || name.equals("lm_head.weight"));
    }

    @Override
    public Map<String, NDArray> stateDict() {
        Map<String, NDArray> all = new LinkedHashMap<>(params);
        all.putIfAbsent("lm_head.weight", lmHead);
        return all;
    }

    @Override
    public ModelWeights toWeights() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        params.forEach((name, p) -> tensors.put(name, Tensor.of(p.toFloatArray(), p.getShape().getShape())));
        return new ModelWeights(ModelType.GPT, new ModelConfig(config.vocabSize(), config.blockSize(), config.nLayer(),
                config.nHead(), config.nEmbd(), config.bias(), config.tieWeights()), tensors);
    }

    @Override
    public int blockSize() {
        return config.blockSize();
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public void close() {
        manager.close();
    }
}
