package dev.scratchgpt.trainer.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.scratchgpt.onnx.ModelConfig;
import dev.scratchgpt.onnx.ModelType;
import dev.scratchgpt.onnx.ModelWeights;
import dev.scratchgpt.onnx.OnnxSignature;
import dev.scratchgpt.store.ModelStore;
import dev.scratchgpt.store.ModelVersion;
import dev.scratchgpt.trainer.job.Checkpoint;
import dev.scratchgpt.trainer.job.JobStore;
import dev.scratchgpt.trainer.job.ModelExport;
import dev.scratchgpt.trainer.model.LanguageModel;
import dev.scratchgpt.trainer.model.Models;
import dev.scratchgpt.trainer.v1.Job;
import dev.scratchgpt.trainer.v1.TrainingSpec;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model the sampler serves computes what the trainer trained. A DJL model (eval mode) goes
 * the trainer's real export path — checkpoint file, {@link ModelExport} into a model store —
 * and ONNX Runtime runs the published model.onnx: for several (batch, seq) the logits match
 * the DJL forward pass within 1e-4, and greedy decoding through the graph's KV cache picks
 * exactly the tokens of DJL's full recomputation.
 */
class OnnxParityTest {

    private static final double TOLERANCE = 1e-4;
    private static final OrtEnvironment ORT = OrtEnvironment.getEnvironment();

    @TempDir
    Path dataDir;

    private NDManager manager;
    private int jobs;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager(Device.cpu());
        Engine.getInstance().setRandomSeed(11);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void gptLogitsMatchDjlForSeveralShapes() throws Exception {
        // Both nanoGPT flavours: biases with an untied head; no biases with the head tied to wte.
        TrainingSpec[] specs = {gpt(16, 32, 4, 2, true, false), gpt(12, 16, 2, 3, false, true)};
        for (TrainingSpec spec : specs) {
            try (LanguageModel model = Models.create(manager, spec, 13)) {
                loadLivelyWeights(model, ModelType.GPT, spec, 1);
                try (OnnxModel onnx = exportThroughTheTrainer(model, spec, 13)) {
                    for (int[] shape : new int[][] {{1, 1}, {1, 7}, {2, 5}, {3, spec.getBlockSize()}}) {
                        long[][] ids = randomIds(shape[0], shape[1], 13, shape[0] * 100L + shape[1]);
                        assertMaxDiff(djlLogits(model, ids), onnx.logits(ids),
                                describe(spec) + " " + shape[0] + "x" + shape[1]);
                    }
                }
            }
        }
    }

    @Test
    void theTrainersOwnInitialisationOfTheNanoGptCpuConfigMatches() throws Exception {
        TrainingSpec spec = gpt(64, 128, 4, 4, true, false);
        try (LanguageModel model = Models.create(manager, spec, 65);
             OnnxModel onnx = exportThroughTheTrainer(model, spec, 65)) {
            long[][] ids = randomIds(2, 64, 65, 5);
            double diff = maxDiff(djlLogits(model, ids), onnx.logits(ids));
            System.out.printf("parity nanoGPT CPU config, trainer's init, 2x64: max abs diff %.2e%n", diff);
            assertTrue(diff <= TOLERANCE, "max abs diff " + diff);
        }
    }

    @Test
    void bigramLogitsMatchDjl() throws Exception {
        TrainingSpec spec = TrainingSpec.newBuilder()
                .setModelType(dev.scratchgpt.trainer.v1.ModelType.MODEL_TYPE_BIGRAM).setBlockSize(8).build();
        try (LanguageModel model = Models.create(manager, spec, 17);
             OnnxModel onnx = exportThroughTheTrainer(model, spec, 17)) {
            for (int[] shape : new int[][] {{1, 1}, {2, 8}, {4, 3}}) {
                long[][] ids = randomIds(shape[0], shape[1], 17, shape[1]);
                assertMaxDiff(djlLogits(model, ids), onnx.logits(ids), "bigram " + shape[0] + "x" + shape[1]);
            }
        }
    }

    @Test
    void greedyDecodingThroughTheKvCacheGivesDjlsTokens() throws Exception {
        TrainingSpec spec = gpt(128, 32, 4, 2, true, true);
        try (LanguageModel model = Models.create(manager, spec, 17)) {
            loadLivelyWeights(model, ModelType.GPT, spec, 3);
            long[] prompt = {3, 1, 4, 1, 5};
            int newTokens = 100;

            long[] recomputed = Arrays.copyOf(prompt, prompt.length + newTokens);
            for (int n = prompt.length; n < recomputed.length; n++) {
                float[][][] logits = djlLogits(model, new long[][] {Arrays.copyOf(recomputed, n)});
                recomputed[n] = argmax(logits[0][n - 1]);
            }

            long[] cached = Arrays.copyOf(prompt, prompt.length + newTokens);
            try (OnnxModel onnx = exportThroughTheTrainer(model, spec, 17)) {
                onnx.decodeGreedily(cached, prompt.length);
            }
            assertArrayEquals(recomputed, cached);
            assertTrue(Arrays.stream(recomputed).distinct().count() > 2, "the decoded tokens vary");
        }
    }

    // ---- the trainer's side --------------------------------------------------------------

    private static TrainingSpec gpt(int block, int nEmbd, int nHead, int nLayer, boolean bias, boolean tie) {
        return TrainingSpec.newBuilder()
                .setModelType(dev.scratchgpt.trainer.v1.ModelType.MODEL_TYPE_GPT)
                .setBlockSize(block).setNEmbd(nEmbd).setNHead(nHead).setNLayer(nLayer)
                .setDropout(0.1f) // eval mode must switch it off
                .setBias(bias).setTieWeights(tie)
                .build();
    }

    private static String describe(TrainingSpec spec) {
        return "gpt block " + spec.getBlockSize() + " n_embd " + spec.getNEmbd() + " n_head " + spec.getNHead()
                + " n_layer " + spec.getNLayer() + " bias " + spec.getBias() + " tie " + spec.getTieWeights();
    }

    /**
     * Overwrites the model's parameters with model-store's order-1 random weights: with the
     * 0.02 init every logit is near 0 and any two implementations would agree.
     */
    private static void loadLivelyWeights(LanguageModel model, ModelType type, TrainingSpec spec, long seed) {
        ModelConfig config = new ModelConfig(model.vocabSize(), spec.getBlockSize(), spec.getNLayer(), spec.getNHead(),
                spec.getNEmbd(), spec.getBias(), spec.getTieWeights());
        ModelWeights lively = ModelWeights.lively(type, config, seed);
        model.parameters().forEach((name, array) -> array.set(lively.tensor(name).data()));
    }

    /** Checkpoint the model as training does, publish it with ModelExport, load the published file. */
    private OnnxModel exportThroughTheTrainer(LanguageModel model, TrainingSpec spec, int vocabSize) throws Exception {
        JobStore jobStore = new JobStore(dataDir);
        ModelStore store = ModelStore.inDataDir(dataDir);
        String jobId = "parity-" + (++jobs);
        Map<String, NDArray> zeros = new LinkedHashMap<>();
        model.parameters().forEach((name, p) -> zeros.put(name, p.zerosLike()));
        Checkpoint.capture(10, 10, spec, model.parameters(), zeros, zeros).write(jobStore.jobDir(jobId).resolve("checkpoint"));
        zeros.values().forEach(NDArray::close);

        Job job = Job.newBuilder().setJobId(jobId).setModelName("parity").setVocabularyId("parity-vocab")
                .setVocabSize(vocabSize).setSpec(spec).setStep(10).build();
        ModelVersion version = new ModelExport(store, jobStore).export(job);
        return new OnnxModel(store.readVerifiedOnnx(version), version.manifest().config(),
                version.manifest().modelType());
    }

    private float[][][] djlLogits(LanguageModel model, long[][] ids) {
        int batch = ids.length;
        int seq = ids[0].length;
        try (NDManager scope = manager.newSubManager()) {
            NDArray idx = scope.create(flatten(ids), new Shape(batch, seq));
            NDArray logits = model.forward(idx, false);
            float[] flat = logits.toFloatArray();
            int vocab = (int) logits.getShape().get(2);
            logits.close();
            float[][][] out = new float[batch][seq][vocab];
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < seq; t++) {
                    System.arraycopy(flat, (b * seq + t) * vocab, out[b][t], 0, vocab);
                }
            }
            return out;
        }
    }

    // ---- the sampler's side: ONNX Runtime on the published file --------------------------

    private static final class OnnxModel implements AutoCloseable {
        final OrtSession session;
        final ModelConfig config;
        final ModelType type;

        OnnxModel(byte[] onnx, ModelConfig config, ModelType type) throws Exception {
            this.config = config;
            this.type = type;
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setIntraOpNumThreads(1);
                session = ORT.createSession(onnx, options);
            }
        }

        /** A full pass (empty cache). */
        float[][][] logits(long[][] ids) throws Exception {
            Map<String, OnnxTensor> inputs = type == ModelType.GPT ? emptyCache(ids.length) : new HashMap<>();
            try {
                inputs.put(OnnxSignature.INPUT_IDS, OnnxTensor.createTensor(ORT, LongBuffer.wrap(flatten(ids)),
                        new long[] {ids.length, ids[0].length}));
                try (OrtSession.Result result = session.run(inputs)) {
                    return (float[][][]) result.get(OnnxSignature.LOGITS).orElseThrow().getValue();
                }
            } finally {
                inputs.values().forEach(OnnxTensor::close);
            }
        }

        /** Fills tokens[promptLength..]: prefill, then one token per step feeding present_* back as past_*. */
        void decodeGreedily(long[] tokens, int promptLength) throws Exception {
            Map<String, OnnxTensor> cache = emptyCache(1);
            OrtSession.Result previous = null;
            long[] step = Arrays.copyOf(tokens, promptLength);
            try {
                for (int n = promptLength; n < tokens.length; n++) {
                    Map<String, OnnxTensor> inputs = new HashMap<>(cache);
                    try (OnnxTensor ids = OnnxTensor.createTensor(ORT, LongBuffer.wrap(step), new long[] {1, step.length})) {
                        inputs.put(OnnxSignature.INPUT_IDS, ids);
                        OrtSession.Result result = session.run(inputs);
                        if (previous == null) {
                            cache.values().forEach(OnnxTensor::close);
                        } else {
                            previous.close(); // owned the cache just used
                        }
                        previous = result;
                    }
                    float[][][] logits = (float[][][]) previous.get(OnnxSignature.LOGITS).orElseThrow().getValue();
                    tokens[n] = argmax(logits[0][step.length - 1]);
                    step = new long[] {tokens[n]};
                    cache = new HashMap<>();
                    for (int i = 0; i < config.nLayer(); i++) {
                        cache.put(OnnxSignature.pastKey(i), (OnnxTensor) previous.get(OnnxSignature.presentKey(i)).orElseThrow());
                        cache.put(OnnxSignature.pastValue(i), (OnnxTensor) previous.get(OnnxSignature.presentValue(i)).orElseThrow());
                    }
                }
            } finally {
                if (previous != null) {
                    previous.close();
                }
            }
        }

        private Map<String, OnnxTensor> emptyCache(int batch) throws Exception {
            Map<String, OnnxTensor> cache = new HashMap<>();
            long[] shape = {batch, config.nHead(), 0, config.headDim()};
            for (int i = 0; i < config.nLayer(); i++) {
                cache.put(OnnxSignature.pastKey(i), OnnxTensor.createTensor(ORT, FloatBuffer.allocate(0), shape));
                cache.put(OnnxSignature.pastValue(i), OnnxTensor.createTensor(ORT, FloatBuffer.allocate(0), shape));
            }
            return cache;
        }

        @Override
        public void close() throws Exception {
            session.close();
        }
    }

    // ---- comparison ----------------------------------------------------------------------

    private static void assertMaxDiff(float[][][] expected, float[][][] actual, String what) {
        double diff = maxDiff(expected, actual);
        double maxAbs = 0;
        for (float[][] seq : expected) {
            for (float[] row : seq) {
                for (float v : row) {
                    maxAbs = Math.max(maxAbs, Math.abs(v));
                }
            }
        }
        System.out.printf("parity %s: max abs diff %.2e, max |logit| %.2f%n", what, diff, maxAbs);
        assertTrue(diff <= TOLERANCE, what + ": max abs diff " + diff + " > " + TOLERANCE);
        assertTrue(maxAbs > 0.5, what + ": logits of order 1 (max " + maxAbs + "), so agreement is not trivial");
    }

    private static double maxDiff(float[][][] expected, float[][][] actual) {
        assertEquals(expected.length, actual.length, "batch");
        double max = 0;
        for (int b = 0; b < expected.length; b++) {
            assertEquals(expected[b].length, actual[b].length, "seq");
            for (int t = 0; t < expected[b].length; t++) {
                assertEquals(expected[b][t].length, actual[b][t].length, "vocab");
                for (int v = 0; v < expected[b][t].length; v++) {
                    max = Math.max(max, Math.abs(expected[b][t][v] - actual[b][t][v]));
                }
            }
        }
        return max;
    }

    private static long[][] randomIds(int batch, int seq, int vocab, long seed) {
        Random random = new Random(seed);
        long[][] ids = new long[batch][seq];
        for (long[] row : ids) {
            for (int t = 0; t < seq; t++) {
                row[t] = random.nextInt(vocab);
            }
        }
        return ids;
    }

    private static long[] flatten(long[][] ids) {
        return Arrays.stream(ids).flatMapToLong(Arrays::stream).toArray();
    }

    private static long argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
