package dev.scratchgpt.onnx;

import static dev.scratchgpt.onnx.GraphBuilder.floatAttr;
import static dev.scratchgpt.onnx.GraphBuilder.intAttr;
import static dev.scratchgpt.onnx.GraphBuilder.intsAttr;
import static dev.scratchgpt.onnx.OnnxSignature.INPUT_IDS;
import static dev.scratchgpt.onnx.OnnxSignature.LOGITS;

import dev.scratchgpt.onnx.proto.GraphProto;
import java.util.List;

/**
 * The GPT of nanoGPT's model.py as an ONNX graph with a KV cache, built block by block:
 * <pre>
 *   x = wte[idx] + wpe[past .. past+T-1]
 *   for each block:  x = x + attn(ln_1(x));  x = x + mlp(ln_2(x))
 *   logits = ln_f(x) @ lm_head^T
 * </pre>
 * Attention concatenates this step's keys/values after {@code past_key_i}/{@code past_value_i}
 * and returns them as {@code present_key_i}/{@code present_value_i}, so one graph serves
 * prefill (past of length 0) and one-token decode; positions and the causal mask rows start
 * at the past length, read from {@code past_key_0}.
 */
final class GptGraph {

    /** nn.LayerNorm's default. */
    private static final float LAYER_NORM_EPSILON = 1e-5f;

    private final ModelWeights weights;
    private final ModelConfig config;
    private final GraphBuilder g = new GraphBuilder("scratchgpt_gpt");

    // Shared by every block: [T, total] additive causal mask and shape constants.
    private String causalMask;
    private String headsShape;
    private String mergedShape;
    private String qkvSplit;

    GptGraph(ModelWeights weights) {
        this.weights = weights;
        this.config = weights.config();
    }

    GraphProto build() {
        OnnxSignature signature = OnnxSignature.of(ModelType.GPT, config);
        signature.inputs().forEach(g::input);
        signature.outputs().forEach(g::output);

        String pastLength = g.op("Shape", "past_length", List.of(OnnxSignature.pastKey(0)),
                intAttr("start", 2), intAttr("end", 3));
        String seqLength = g.op("Shape", "seq_length", List.of(INPUT_IDS), intAttr("start", 1), intAttr("end", 2));
        String totalLength = g.op("Add", "total_length", List.of(pastLength, seqLength));
        defineSharedConstants(pastLength, totalLength);

        String x = embeddings(pastLength, totalLength);
        for (int i = 0; i < config.nLayer(); i++) {
            x = block(i, x);
        }
        x = layerNorm("transformer.ln_f", x);
        lmHead(x);
        return g.build();
    }

    /** Token embedding plus the learned positions past .. past+T-1. */
    private String embeddings(String pastLength, String totalLength) {
        String wte = param(ModelWeights.WTE);
        String wpe = param(ModelWeights.WPE);
        String tokens = g.op("Gather", "transformer.wte/out", List.of(wte, INPUT_IDS), intAttr("axis", 0));
        String positions = g.op("Slice", "transformer.wpe/out",
                List.of(wpe, pastLength, totalLength, g.int64s("axis_0", 0)));
        return g.op("Add", "transformer/embeddings", List.of(tokens, positions));
    }

    private String block(int i, String x) {
        String h = "transformer.h." + i;
        x = g.op("Add", h + "/attn_residual", List.of(x, attention(i, layerNorm(h + ".ln_1", x))));
        return g.op("Add", h + "/mlp_residual", List.of(x, mlp(h + ".mlp", layerNorm(h + ".ln_2", x))));
    }

    /** Causal self-attention over the cached and the new positions. */
    private String attention(int layer, String x) {
        String a = "transformer.h." + layer + ".attn";
        String qkv = linear(a + ".c_attn", x);
        String q = a + "/q";
        String k = a + "/k";
        String v = a + "/v";
        g.op("Split", a + "/split", List.of(qkv, qkvSplit), List.of(q, k, v), intAttr("axis", 2));
        q = splitHeads(a + "/q_heads", q);
        k = splitHeads(a + "/k_heads", k);
        v = splitHeads(a + "/v_heads", v);

        String keys = g.op("Concat", OnnxSignature.presentKey(layer),
                List.of(OnnxSignature.pastKey(layer), k), intAttr("axis", 2));
        String values = g.op("Concat", OnnxSignature.presentValue(layer),
                List.of(OnnxSignature.pastValue(layer), v), intAttr("axis", 2));

        String keysT = g.op("Transpose", a + "/k_t", List.of(keys), intsAttr("perm", 0, 1, 3, 2));
        String scores = g.op("MatMul", a + "/scores", List.of(q, keysT));
        String scaled = g.op("Mul", a + "/scaled", List.of(scores,
                g.scalar(a + "/scale", (float) (1.0 / Math.sqrt(config.headDim())))));
        String masked = g.op("Add", a + "/masked", List.of(scaled, causalMask));
        String att = g.op("Softmax", a + "/att", List.of(masked), intAttr("axis", -1));
        String y = g.op("MatMul", a + "/y_heads", List.of(att, values));
        y = g.op("Transpose", a + "/y_t", List.of(y), intsAttr("perm", 0, 2, 1, 3));
        y = g.op("Reshape", a + "/y", List.of(y, mergedShape));
        return linear(a + ".c_proj", y);
    }

    /** (B, T, C) -> (B, n_head, T, head_dim). */
    private String splitHeads(String name, String x) {
        String heads = g.op("Reshape", name + "_btHd", List.of(x, headsShape));
        return g.op("Transpose", name, List.of(heads), intsAttr("perm", 0, 2, 1, 3));
    }

    private String mlp(String prefix, String x) {
        String hidden = linear(prefix + ".c_fc", x);
        return linear(prefix + ".c_proj", gelu(prefix + "/gelu", hidden));
    }

    /** Exact GELU, 0.5 x (1 + erf(x / sqrt 2)): opset 17 has no Gelu op. */
    private String gelu(String name, String x) {
        String scaled = g.op("Mul", name + "/x_over_sqrt2", List.of(x, g.scalar(name + "/inv_sqrt2", (float) (1 / Math.sqrt(2)))));
        String erf = g.op("Erf", name + "/erf", List.of(scaled));
        String onePlus = g.op("Add", name + "/one_plus_erf", List.of(erf, g.scalar(name + "/one", 1f)));
        String half = g.op("Mul", name + "/half_x", List.of(x, g.scalar(name + "/half", 0.5f)));
        return g.op("Mul", name, List.of(half, onePlus));
    }

    private String layerNorm(String prefix, String x) {
        List<String> inputs = config.bias()
                ? List.of(x, param(prefix + ".weight"), param(prefix + ".bias"))
                : List.of(x, param(prefix + ".weight"));
        return g.op("LayerNormalization", prefix + "/out", inputs,
                intAttr("axis", -1), floatAttr("epsilon", LAYER_NORM_EPSILON));
    }

    /** x @ W^T + b, with W stored transposed to [in, out] so MatMul takes it as is. */
    private String linear(String prefix, String x) {
        String y = g.op("MatMul", prefix + "/matmul", List.of(x, transposedParam(prefix + ".weight")));
        if (!config.bias()) {
            return y;
        }
        return g.op("Add", prefix + "/out", List.of(y, param(prefix + ".bias")));
    }

    private void lmHead(String x) {
        String head;
        if (config.tieWeights()) {
            // One copy of the shared matrix in the file; runtimes fold this transpose at load.
            head = g.op("Transpose", "lm_head/weight_t", List.of(ModelWeights.WTE), intsAttr("perm", 1, 0));
        } else {
            head = transposedParam(ModelWeights.LM_HEAD);
        }
        g.op("MatMul", LOGITS, List.of(x, head));
    }

    private void defineSharedConstants(String pastLength, String totalLength) {
        long c = config.nEmbd();
        headsShape = g.int64s("shape_heads", 0, 0, config.nHead(), config.headDim());
        mergedShape = g.int64s("shape_merged", 0, 0, c);
        qkvSplit = g.int64s("split_qkv", c, c, c);

        int block = config.blockSize();
        float[] mask = new float[block * block];
        for (int row = 0; row < block; row++) {
            for (int col = row + 1; col < block; col++) {
                mask[row * block + col] = Float.NEGATIVE_INFINITY;
            }
        }
        String fullMask = g.floats("causal_mask", new long[] {block, block}, mask);
        String zero = g.int64s("zero", 0);
        String starts = g.op("Concat", "mask_starts", List.of(pastLength, zero), intAttr("axis", 0));
        String ends = g.op("Concat", "mask_ends", List.of(totalLength, totalLength), intAttr("axis", 0));
        causalMask = g.op("Slice", "mask_rows_past_to_total", List.of(fullMask, starts, ends));
    }

    private String param(String name) {
        Tensor t = weights.tensor(name);
        return g.floats(name, t.shape(), t.data());
    }

    private String transposedParam(String name) {
        Tensor t = weights.tensor(name);
        long[] shape = t.shape();
        int out = Math.toIntExact(shape[0]);
        int in = Math.toIntExact(shape[1]);
        float[] src = t.data();
        float[] dst = new float[src.length];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                dst[i * out + o] = src[o * in + i];
            }
        }
        return g.floats(name, new long[] {in, out}, dst);
    }
}
