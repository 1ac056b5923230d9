package dev.scratchgpt.onnx;

/**
 * A reference forward pass of nanoGPT's GPT (and the bigram model) in plain Java loops,
 * straight from model.py with no cache: the oracle the exported ONNX graphs are checked
 * against. Slow and obvious on purpose; sums in double.
 */
final class ReferenceGpt {

    private final ModelWeights w;
    private final ModelConfig c;

    ReferenceGpt(ModelWeights weights) {
        this.w = weights;
        this.c = weights.config();
    }

    /** Logits [T][V] for one sequence of token ids. */
    float[][] logits(long[] idx) {
        if (w.type() == ModelType.BIGRAM) {
            float[][] out = new float[idx.length][];
            for (int t = 0; t < idx.length; t++) {
                out[t] = row(w.tensor(ModelWeights.BIGRAM_TABLE), (int) idx[t]);
            }
            return out;
        }
        int n = idx.length;
        int C = c.nEmbd();
        float[][] x = new float[n][C];
        for (int t = 0; t < n; t++) {
            float[] tok = row(w.tensor(ModelWeights.WTE), (int) idx[t]);
            float[] pos = row(w.tensor(ModelWeights.WPE), t);
            for (int j = 0; j < C; j++) {
                x[t][j] = tok[j] + pos[j];
            }
        }
        for (int i = 0; i < c.nLayer(); i++) {
            String h = "transformer.h." + i;
            add(x, attention(h + ".attn", layerNorm(h + ".ln_1", x)));
            add(x, mlp(h + ".mlp", layerNorm(h + ".ln_2", x)));
        }
        return linear(layerNorm("transformer.ln_f", x), w.tensor(ModelWeights.LM_HEAD), null);
    }

    private float[][] attention(String p, float[][] x) {
        int n = x.length;
        int C = c.nEmbd();
        int H = c.nHead();
        int D = c.headDim();
        float[][] qkv = linear(x, w.tensor(p + ".c_attn.weight"), bias(p + ".c_attn.bias"));
        float[][] y = new float[n][C];
        double scale = 1.0 / Math.sqrt(D);
        for (int head = 0; head < H; head++) {
            int q0 = head * D;
            int k0 = C + head * D;
            int v0 = 2 * C + head * D;
            for (int t = 0; t < n; t++) {
                double[] att = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int s = 0; s <= t; s++) {
                    double dot = 0;
                    for (int d = 0; d < D; d++) {
                        dot += (double) qkv[t][q0 + d] * qkv[s][k0 + d];
                    }
                    att[s] = dot * scale;
                    max = Math.max(max, att[s]);
                }
                double sum = 0;
                for (int s = 0; s <= t; s++) {
                    att[s] = Math.exp(att[s] - max);
                    sum += att[s];
                }
                for (int d = 0; d < D; d++) {
                    double acc = 0;
                    for (int s = 0; s <= t; s++) {
                        acc += att[s] / sum * qkv[s][v0 + d];
                    }
                    y[t][head * D + d] = (float) acc;
                }
            }
        }
        return linear(y, w.tensor(p + ".c_proj.weight"), bias(p + ".c_proj.bias"));
    }

    private float[][] mlp(String p, float[][] x) {
        float[][] h = linear(x, w.tensor(p + ".c_fc.weight"), bias(p + ".c_fc.bias"));
        for (float[] row : h) {
            for (int j = 0; j < row.length; j++) {
                double v = row[j];
                row[j] = (float) (0.5 * v * (1 + erf(v / Math.sqrt(2))));
            }
        }
        return linear(h, w.tensor(p + ".c_proj.weight"), bias(p + ".c_proj.bias"));
    }

    private float[][] layerNorm(String p, float[][] x) {
        float[] gamma = w.tensor(p + ".weight").data();
        float[] beta = bias(p + ".bias");
        float[][] out = new float[x.length][];
        for (int t = 0; t < x.length; t++) {
            double mean = 0;
            for (float v : x[t]) {
                mean += v;
            }
            mean /= x[t].length;
            double var = 0;
            for (float v : x[t]) {
                var += (v - mean) * (v - mean);
            }
            var /= x[t].length;
            double inv = 1 / Math.sqrt(var + 1e-5);
            out[t] = new float[x[t].length];
            for (int j = 0; j < x[t].length; j++) {
                out[t][j] = (float) ((x[t][j] - mean) * inv * gamma[j] + (beta == null ? 0 : beta[j]));
            }
        }
        return out;
    }

    /** x @ W^T + b with PyTorch's (out, in) weight. */
    private static float[][] linear(float[][] x, Tensor weight, float[] bias) {
        int out = (int) weight.shape()[0];
        int in = (int) weight.shape()[1];
        float[] wd = weight.data();
        float[][] y = new float[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < out; o++) {
                double acc = bias == null ? 0 : bias[o];
                for (int i = 0; i < in; i++) {
                    acc += (double) x[t][i] * wd[o * in + i];
                }
                y[t][o] = (float) acc;
            }
        }
        return y;
    }

    private float[] bias(String name) {
        return c.bias() ? w.tensor(name).data() : null;
    }

    private static void add(float[][] x, float[][] y) {
        for (int t = 0; t < x.length; t++) {
            for (int j = 0; j < x[t].length; j++) {
                x[t][j] += y[t][j];
            }
        }
    }

    private static float[] row(Tensor table, int r) {
        int width = (int) table.shape()[1];
        float[] out = new float[width];
        System.arraycopy(table.data(), r * width, out, 0, width);
        return out;
    }

    /** erf to ~1e-13 (series for small x, continued fraction for large): Java has none. */
    static double erf(double x) {
        double ax = Math.abs(x);
        double result;
        if (ax < 2.5) {
            // Maclaurin series: 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
            double term = ax;
            double sum = ax;
            for (int n = 1; n < 100; n++) {
                term *= -ax * ax / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17) {
                    break;
                }
            }
            result = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            // erfc continued fraction (Lentz), converges fast for x >= 2.5
            double f = ax;
            for (int k = 60; k >= 1; k--) {
                f = ax + (k / 2.0) / f;
            }
            result = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
        }
        return x < 0 ? -result : result;
    }
}
