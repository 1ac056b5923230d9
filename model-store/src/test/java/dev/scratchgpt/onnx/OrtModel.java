package dev.scratchgpt.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.Map;

/** An exported model loaded into ONNX Runtime (one intra-op thread), with test-sized helpers. */
final class OrtModel implements AutoCloseable {

    static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    final OrtSession session;
    final ModelConfig config;

    OrtModel(byte[] onnx, ModelConfig config) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            this.session = ENV.createSession(onnx, options);
        }
        this.config = config;
    }

    /** The cache of one step: present_* of layer i as float[B][H][T][D] flattened, with its length. */
    record Cache(float[][] keys, float[][] values, int batch, int length) {
        static Cache empty(ModelConfig c, int batch) {
            return new Cache(new float[c.nLayer()][0], new float[c.nLayer()][0], batch, 0);
        }
    }

    record Step(float[][][] logits, Cache cache) {
    }

    /** Runs the graph on ids [B][T] after the given cache (gpt), or alone (bigram: cache null). */
    Step run(long[][] ids, Cache cache) throws OrtException {
        int batch = ids.length;
        int seq = ids[0].length;
        long[] flat = new long[batch * seq];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(ids[b], 0, flat, b * seq, seq);
        }
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put(OnnxSignature.INPUT_IDS,
                    OnnxTensor.createTensor(ENV, LongBuffer.wrap(flat), new long[] {batch, seq}));
            if (cache != null) {
                long[] shape = {batch, config.nHead(), cache.length(), config.headDim()};
                for (int i = 0; i < config.nLayer(); i++) {
                    inputs.put(OnnxSignature.pastKey(i), OnnxTensor.createTensor(ENV, FloatBuffer.wrap(cache.keys()[i]), shape));
                    inputs.put(OnnxSignature.pastValue(i), OnnxTensor.createTensor(ENV, FloatBuffer.wrap(cache.values()[i]), shape));
                }
            }
            try (OrtSession.Result result = session.run(inputs)) {
                float[][][] logits = (float[][][]) result.get(OnnxSignature.LOGITS).orElseThrow().getValue();
                Cache next = null;
                if (cache != null) {
                    float[][] keys = new float[config.nLayer()][];
                    float[][] values = new float[config.nLayer()][];
                    long length = 0;
                    for (int i = 0; i < config.nLayer(); i++) {
                        OnnxTensor k = (OnnxTensor) result.get(OnnxSignature.presentKey(i)).orElseThrow();
                        OnnxTensor v = (OnnxTensor) result.get(OnnxSignature.presentValue(i)).orElseThrow();
                        length = k.getInfo().getShape()[2];
                        keys[i] = toArray(k.getFloatBuffer());
                        values[i] = toArray(v.getFloatBuffer());
                    }
                    next = new Cache(keys, values, batch, (int) length);
                }
                return new Step(logits, next);
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private static float[] toArray(FloatBuffer buffer) {
        float[] out = new float[buffer.remaining()];
        buffer.get(out);
        return out;
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
