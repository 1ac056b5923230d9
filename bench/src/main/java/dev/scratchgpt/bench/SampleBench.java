package dev.scratchgpt.bench;

import dev.scratchgpt.onnx.ModelType;
import dev.scratchgpt.onnx.ModelWeights;
import dev.scratchgpt.sampler.generate.Generation;
import dev.scratchgpt.sampler.generate.GenerationListener;
import dev.scratchgpt.sampler.generate.Generator;
import dev.scratchgpt.sampler.generate.LanguageModel;
import dev.scratchgpt.sampler.generate.SamplingParams;
import dev.scratchgpt.sampler.generate.Vocabulary;
import dev.scratchgpt.sampler.models.StoreCatalog;
import dev.scratchgpt.sampler.runtime.ExecutionDevice;
import dev.scratchgpt.sampler.runtime.OnnxLanguageModel;
import dev.scratchgpt.sampler.v1.GenerateRequest;
import dev.scratchgpt.sampler.v1.GenerateStreamResponse;
import dev.scratchgpt.sampler.v1.SamplerGrpc;
import dev.scratchgpt.store.Manifest;
import dev.scratchgpt.store.ModelStore;
import dev.scratchgpt.testing.SharedData;
import io.grpc.ManagedChannel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Sampler speed with the nanoGPT CPU-config model size (n_layer 4, n_head 4, n_embd 128,
 * vocab 65, block 256; random weights: speed does not depend on their values).
 *
 * <ol>
 *   <li>In process, one thread: 500 new tokens through the KV cache (exact, and with the opt-in
 *       context shift of half and of an eighth of the block) vs our own full-recompute path (the
 *       course's loop: the whole window every step), and time to first token.</li>
 *   <li>Through the service: the packaged tokenizer and sampler started as real processes
 *       ({@link BenchSampler}); aggregate tokens/s and time to first token with 1, 8 and 32
 *       concurrent GenerateStream calls of 500 tokens each.</li>
 * </ol>
 * The course's PyTorch generate loop on the same model size is in bench/reference; compare
 * with it on the same machine. Usage: {@code bench/run SampleBench [newTokens [in-process|service|all]]}.
 */
public final class SampleBench {

    public static void main(String[] args) throws Exception {
        int newTokens = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        String chars = Files.readString(SharedData.tinyShakespeare()).codePoints().sorted().distinct()
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        System.out.printf("SampleBench: n_layer 4, n_head 4, n_embd 128, vocab 65, block 256, %d new tokens,"
                + " ONNX Runtime CPU, 1 intra-op thread%n", newTokens);
        String part = args.length > 1 ? args[1] : "all";
        if (!part.equals("service")) {
            inProcess(chars, newTokens);
        }
        if (!part.equals("in-process")) {
            throughService(newTokens);
        }
    }

    private static void inProcess(String chars, int newTokens) throws Exception {
        Path store = Files.createTempDirectory("samplebench-store");
        new ModelStore(store).publish("bench", ModelWeights.random(ModelType.GPT, BenchSampler.CPU_CONFIG, 1), "bench",
                Manifest.Training.none());
        StoreCatalog catalog = new StoreCatalog(new ModelStore(store));
        try (OnnxLanguageModel model = OnnxLanguageModel.load(catalog.modelFile("bench", 1),
                catalog.manifest("bench", 1).graph(), ExecutionDevice.CPU, 1)) {
            Vocabulary vocabulary = Vocabulary.ofCharacters("bench", chars);
            SamplingParams params = new SamplingParams(1f, 0, 1f, 7, 1, newTokens, List.of());
            SamplingParams warm = new SamplingParams(1f, 0, 1f, 7, 1, 300, List.of());
            new Generator(model, true).generate(new int[] {0}, warm, vocabulary, () -> false, GenerationListener.NONE);
            new Generator(model, false).generate(new int[] {0}, warm, vocabulary, () -> false, GenerationListener.NONE);

            int block = BenchSampler.CPU_CONFIG.blockSize();
            new Generator(model, true, block / 2).generate(new int[] {0}, warm, vocabulary, () -> false,
                    GenerationListener.NONE);
            double cached = tokensPerSecond(new Generator(model, true), params, vocabulary, 3);
            double recomputed = tokensPerSecond(new Generator(model, false), params, vocabulary, 3);
            // Not equal to full recomputation past the block: each token sees block - shift..block tokens.
            double shiftHalf = tokensPerSecond(new Generator(model, true, block / 2), params, vocabulary, 3);
            double shiftEighth = tokensPerSecond(new Generator(model, true, block / 8), params, vocabulary, 3);
            System.out.printf("in process, %d tokens from a 1-token prompt (best of 3):%n", newTokens);
            System.out.printf("  (a) KV cache, exact                     %8.0f tokens/s%n", cached);
            System.out.printf("  (b) full recompute (ours)               %8.0f tokens/s   cache speed-up %.1fx%n",
                    recomputed, cached / recomputed);
            System.out.printf("  (c) KV cache, context shift %3d tokens  %8.0f tokens/s   %.1fx (b)%n", block / 2,
                    shiftHalf, shiftHalf / recomputed);
            System.out.printf("  (d) KV cache, context shift %3d tokens  %8.0f tokens/s   %.1fx (b)%n", block / 8,
                    shiftEighth, shiftEighth / recomputed);
            System.out.println("  course loop (PyTorch): bench/reference/run.sh generate, on the same machine right after");
            // Within the block every step is a cached decode; past it the window cannot slide in the
            // cache (learned absolute positions), so each step re-prefills block_size tokens.
            SamplingParams inBlock = new SamplingParams(1f, 0, 1f, 7, 1, 255, List.of());
            double cachedInBlock = tokensPerSecond(new Generator(model, true), inBlock, vocabulary, 3);
            double recomputedInBlock = tokensPerSecond(new Generator(model, false), inBlock, vocabulary, 3);
            System.out.printf("  255 tokens (all within block 256): KV cache %.0f tokens/s, full recompute %.0f"
                    + " tokens/s, speed-up %.1fx%n", cachedInBlock, recomputedInBlock, cachedInBlock / recomputedInBlock);

            // Steps inside the block are pure cache decodes; beyond it each step re-prefills 256 tokens.
            try (LanguageModel.Forward f = model.open(1, true)) {
                f.prefill(new long[][] {{0}});
                long t0 = System.nanoTime();
                for (int i = 0; i < 254; i++) {
                    f.step(new long[] {i % 65});
                }
                double step = (System.nanoTime() - t0) / 254e6;
                long[][] full = {new long[256]};
                long t1 = System.nanoTime();
                for (int i = 0; i < 20; i++) {
                    f.prefill(full);
                }
                double prefill = (System.nanoTime() - t1) / 20e6;
                System.out.printf("  one cached decode step %.3f ms; one 256-token prefill %.2f ms%n", step, prefill);
            }
            for (int promptLength : new int[] {1, 256}) {
                int[] prompt = new int[promptLength];
                SamplingParams one = new SamplingParams(1f, 0, 1f, 7, 1, 1, List.of());
                long best = Long.MAX_VALUE;
                for (int i = 0; i < 5; i++) {
                    long t0 = System.nanoTime();
                    new Generator(model, true).generate(prompt, one, vocabulary, () -> false, GenerationListener.NONE);
                    best = Math.min(best, System.nanoTime() - t0);
                }
                System.out.printf("  time to first token, %3d-token prompt: %.2f ms%n", promptLength, best / 1e6);
            }
        }
    }

    private static double tokensPerSecond(Generator generator, SamplingParams params, Vocabulary vocabulary, int runs) {
        double best = 0;
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            Generation g = generator.generate(new int[] {0}, params, vocabulary, () -> false, GenerationListener.NONE);
            best = Math.max(best, g.tokensGenerated() / ((System.nanoTime() - t0) / 1e9));
        }
        return best;
    }

    private static void throughService(int newTokens) throws Exception {
        try (BenchSampler services = BenchSampler.start(OptionalInt.of(64))) {
            ManagedChannel channel = services.channel();
            try {
                stream(channel, newTokens, 1); // warm-up: loads the model
                System.out.printf("through the service (GenerateStream, %d tokens per stream, sampler-service"
                        + " on 1 intra-op thread per generation):%n", newTokens);
                for (int streams : new int[] {1, 8, 32}) {
                    long t0 = System.nanoTime();
                    ExecutorService pool = Executors.newFixedThreadPool(streams);
                    List<Future<long[]>> results = new ArrayList<>();
                    for (int i = 0; i < streams; i++) {
                        int seed = i;
                        results.add(pool.submit(() -> streamOnce(channel, newTokens, seed)));
                    }
                    long tokens = 0;
                    double[] ttft = new double[streams];
                    for (int i = 0; i < streams; i++) {
                        long[] r = results.get(i).get();
                        tokens += r[0];
                        ttft[i] = r[1] / 1e6;
                    }
                    pool.shutdown();
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    Arrays.sort(ttft);
                    System.out.printf("  %2d concurrent streams: %7.0f tokens/s aggregate (%.0f tokens/s per stream),"
                            + " time to first token median %.1f ms, max %.1f ms%n", streams, tokens / seconds,
                            tokens / seconds / streams, ttft[streams / 2], ttft[streams - 1]);
                }
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private static void stream(ManagedChannel channel, int newTokens, int seed) {
        streamOnce(channel, newTokens, seed);
    }

    /** {tokens received, nanos to first token}. */
    private static long[] streamOnce(ManagedChannel channel, int newTokens, int seed) {
        long t0 = System.nanoTime();
        long first = 0;
        long tokens = 0;
        Iterator<GenerateStreamResponse> it = SamplerGrpc.newBlockingStub(channel).generateStream(GenerateRequest
                .newBuilder().setModel("bench").setMaxNewTokens(newTokens).setSeed(seed).build());
        while (it.hasNext()) {
            GenerateStreamResponse m = it.next();
            if (first == 0 && m.getTokenIdsCount() > 0) {
                first = System.nanoTime() - t0;
            }
            tokens += m.getTokenIdsCount();
        }
        if (tokens != newTokens) {
            throw new IllegalStateException("stream ended after " + tokens + " of " + newTokens + " tokens");
        }
        return new long[] {tokens, first};
    }
}
