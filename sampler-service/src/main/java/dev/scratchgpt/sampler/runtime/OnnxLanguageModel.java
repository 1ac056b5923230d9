package dev.scratchgpt.sampler.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.scratchgpt.sampler.generate.LanguageModel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * An exported graph in an ONNX Runtime session. One session serves every generation on it
 * concurrently ({@code OrtSession.run} is thread-safe); each generation has its own
 * {@link LanguageModel.Forward} holding its cache.
 */
public final class OnnxLanguageModel implements LanguageModel, AutoCloseable {

    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    private final GraphSpec spec;
    private final OrtSession session;

    private OnnxLanguageModel(GraphSpec spec, OrtSession session) {
        this.spec = spec;
        this.session = session;
    }

    /**
     * @param intraOpThreads threads per run; 1 suits small models on a shared machine (STACK-NOTES:
     *                       2 spinning threads on 2 cores were 2-3x slower), and spinning is off always
     */
    public static OnnxLanguageModel load(Path onnxFile, GraphSpec spec, ExecutionDevice device, int intraOpThreads)
            throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            options.addConfigEntry("session.inter_op.allow_spinning", "0");
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            device.apply(options);
            return new OnnxLanguageModel(spec, ENV.createSession(onnxFile.toString(), options));
        }
    }

    public GraphSpec spec() {
        return spec;
    }

    @Override
    public int vocabSize() {
        return spec.vocabSize();
    }

    @Override
    public int contextSize() {
        // The bigram's next token depends on the current one only.
        return spec.transformer() ? spec.blockSize() : 1;
    }

    @Override
    public Forward open(int batch, boolean kvCache) {
        return new OrtForward(batch, kvCache && spec.transformer());
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }

    private final class OrtForward implements Forward {

        private final int batch;
        private final boolean kvCache;
        private final Set<String> logitsOnly;
        private final Set<String> allOutputs;
        /** Holds the present_* tensors that the next step feeds back as past_*; closed after that step. */
        private OrtSession.Result cache;
        private int cached;
        /** One-token input reused every decode step: a direct buffer is not copied by ORT, so it is refilled in place. */
        private final LongBuffer stepIds;
        private final OnnxTensor stepInput;

        OrtForward(int batch, boolean kvCache) {
            this.batch = batch;
            this.kvCache = kvCache;
            this.logitsOnly = Set.of(spec.logits());
            this.allOutputs = new HashSet<>(spec.presentKeys());
            allOutputs.addAll(spec.presentValues());
            allOutputs.add(spec.logits());
            this.stepIds = ByteBuffer.allocateDirect(batch * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
            try {
                this.stepInput = kvCache ? OnnxTensor.createTensor(ENV, stepIds, new long[] {batch, 1}) : null;
            } catch (OrtException e) {
                throw new IllegalStateException("could not create the decode input tensor", e);
            }
        }

        @Override
        public float[][] prefill(long[][] window) {
            int t = window[0].length;
            LongBuffer ids = ByteBuffer.allocateDirect(batch * t * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
            for (long[] row : window) {
                ids.put(row);
            }
            ids.rewind();
            Map<String, OnnxTensor> inputs = new HashMap<>();
            try (OnnxTensor input = OnnxTensor.createTensor(ENV, ids, new long[] {batch, t})) {
                inputs.put(spec.inputIds(), input);
                if (spec.transformer()) {
                    // A zero-length past: the same graph then does a prefill.
                    FloatBuffer none = ByteBuffer.allocateDirect(0).order(ByteOrder.nativeOrder()).asFloatBuffer();
                    long[] emptyShape = {batch, spec.nHead(), 0, spec.headDim()};
                    for (int i = 0; i < spec.nLayer(); i++) {
                        inputs.put(spec.pastKeys().get(i), OnnxTensor.createTensor(ENV, none, emptyShape));
                        inputs.put(spec.pastValues().get(i), OnnxTensor.createTensor(ENV, none, emptyShape));
                    }
                }
                OrtSession.Result result = session.run(inputs, kvCache ? allOutputs : logitsOnly);
                try {
                    float[][] logits = lastLogits(result, t);
                    replaceCache(kvCache ? result : null, t);
                    if (!kvCache) {
                        result.close();
                    }
                    return logits;
                } catch (RuntimeException | OrtException e) {
                    result.close();
                    throw e;
                }
            } catch (OrtException e) {
                throw new IllegalStateException("ONNX Runtime failed on a prefill of " + t + " tokens: " + e.getMessage(), e);
            } finally {
                inputs.forEach((name, tensor) -> {
                    if (!name.equals(spec.inputIds())) {
                        tensor.close();
                    }
                });
            }
        }

        @Override
        public boolean canStep() {
            return kvCache && cache != null && cached < spec.blockSize();
        }

        @Override
        public float[][] step(long[] tokens) {
            stepIds.clear();
            stepIds.put(tokens);
            stepIds.rewind();
            Map<String, OnnxTensor> inputs = new HashMap<>();
            inputs.put(spec.inputIds(), stepInput);
            for (int i = 0; i < spec.nLayer(); i++) {
                // The previous run's outputs go straight back in: no copy of the cache.
                inputs.put(spec.pastKeys().get(i), present(spec.presentKeys().get(i)));
                inputs.put(spec.pastValues().get(i), present(spec.presentValues().get(i)));
            }
            try {
                OrtSession.Result result = session.run(inputs, allOutputs);
                float[][] logits;
                try {
                    logits = lastLogits(result, 1);
                } catch (RuntimeException | OrtException e) {
                    result.close();
                    throw e;
                }
                replaceCache(result, cached + 1);
                return logits;
            } catch (OrtException e) {
                throw new IllegalStateException("ONNX Runtime failed on a decode step at position " + cached + ": "
                        + e.getMessage(), e);
            }
        }

        private OnnxTensor present(String name) {
            return (OnnxTensor) cache.get(name).orElseThrow(
                    () -> new IllegalStateException("the graph returned no " + name));
        }

        private void replaceCache(OrtSession.Result next, int length) {
            if (cache != null) {
                cache.close();
            }
            cache = next;
            cached = next == null ? 0 : length;
        }

        /** Logits of the last position of each row, from logits [batch, t, vocab]. */
        private float[][] lastLogits(OrtSession.Result result, int t) throws OrtException {
            OnnxValue value = result.get(spec.logits()).orElseThrow(
                    () -> new IllegalStateException("the graph returned no " + spec.logits()));
            FloatBuffer all = ((OnnxTensor) value).getFloatBuffer();
            int v = spec.vocabSize();
            float[][] out = new float[batch][v];
            for (int b = 0; b < batch; b++) {
                all.position((b * t + t - 1) * v);
                all.get(out[b]);
            }
            return out;
        }

        @Override
        public void close() {
            replaceCache(null, 0);
            if (stepInput != null) {
                stepInput.close();
            }
        }
    }
}
