package dev.scratchgpt.sampler.generate;

import dev.scratchgpt.onnx.ModelConfig;
import dev.scratchgpt.onnx.ModelType;
import dev.scratchgpt.sampler.TestModels;
import dev.scratchgpt.sampler.runtime.OnnxLanguageModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generation loop on real exported graphs in ONNX Runtime. */
class GeneratorTest {

    private static final int VOCAB = 65;
    private static final int BLOCK = 16;

    @TempDir
    static Path store;
    static OnnxLanguageModel gpt;
    static OnnxLanguageModel bigram;
    static Vocabulary vocabulary = TestModels.charVocabulary(TestModels.shakespeareChars());

    @BeforeAll
    static void export() throws Exception {
        TestModels.publish(store, "gpt", ModelType.GPT, TestModels.smallGpt(VOCAB, BLOCK), "v", 1);
        TestModels.publish(store, "bigram", ModelType.BIGRAM, ModelConfig.bigram(VOCAB, BLOCK), "v", 2);
        gpt = TestModels.load(store, "gpt", 1);
        bigram = TestModels.load(store, "bigram", 1);
    }

    @AfterAll
    static void close() throws Exception {
        gpt.close();
        bigram.close();
    }

    private static SamplingParams params(float temperature, long seed, int samples, int maxNew) {
        return new SamplingParams(temperature, 0, 1f, seed, samples, maxNew, List.of());
    }

    private static Generation run(OnnxLanguageModel model, boolean cache, int[] prompt, SamplingParams p) {
        return new Generator(model, cache).generate(prompt, p, vocabulary, () -> false, GenerationListener.NONE);
    }

    private static void assertSameTokens(Generation a, Generation b) {
        assertEquals(a.samples().size(), b.samples().size());
        for (int i = 0; i < a.samples().size(); i++) {
            assertArrayEquals(a.samples().get(i).tokenIds(), b.samples().get(i).tokenIds(), "sample " + i);
        }
    }

    @Test
    void kvCacheGivesTheLogitsOfFullRecomputation() {
        long[][] ten = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}};
        long[][] eleven = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}};
        float[] cached;
        float[] recomputed;
        try (LanguageModel.Forward f = gpt.open(1, true)) {
            f.prefill(ten);
            assertTrue(f.canStep());
            cached = f.step(new long[] {11})[0];
        }
        try (LanguageModel.Forward f = gpt.open(1, false)) {
            recomputed = f.prefill(eleven)[0];
            assertTrue(!f.canStep());
        }
        for (int i = 0; i < VOCAB; i++) {
            assertEquals(recomputed[i], cached[i], 1e-4, "logit " + i);
        }
    }

    @Test
    void kvCacheEqualsFullRecomputationWellPastBlockSize() {
        // 5 + 60 tokens with block 16: the cache fills, then every step re-prefills the last 16.
        int[] prompt = {10, 20, 30, 40, 50};
        assertSameTokens(run(gpt, false, prompt, params(0, 1, 1, 60)), run(gpt, true, prompt, params(0, 1, 1, 60)));
        assertSameTokens(run(gpt, false, prompt, params(1, 9, 3, 60)), run(gpt, true, prompt, params(1, 9, 3, 60)));
    }

    @Test
    void aPromptLongerThanTheBlockKeepsItsLastBlockSizeTokens() {
        int[] longPrompt = new int[40];
        for (int i = 0; i < longPrompt.length; i++) {
            longPrompt[i] = (i * 7) % VOCAB;
        }
        int[] tail = java.util.Arrays.copyOfRange(longPrompt, 40 - BLOCK, 40);
        Generation fromLong = run(gpt, true, longPrompt, params(0.8f, 3, 1, 30));
        assertSameTokens(fromLong, run(gpt, true, tail, params(0.8f, 3, 1, 30)));
        assertSameTokens(fromLong, run(gpt, false, longPrompt, params(0.8f, 3, 1, 30)));
        assertEquals(40, fromLong.promptTokens());
    }

    /**
     * The context-shift rule written out as plainly as possible, greedy, on the course's loop
     * (the whole context through the graph every step, no cache): the context is the prompt's
     * last BLOCK tokens; after each new token, a context longer than BLOCK keeps only its last
     * BLOCK - shift tokens.
     */
    private static int[] shiftReference(int[] prompt, int shift, int newTokens) {
        List<Long> context = new ArrayList<>();
        for (int id : prompt) {
            context.add((long) id);
        }
        context = new ArrayList<>(context.subList(Math.max(0, context.size() - BLOCK), context.size()));
        int[] out = new int[newTokens];
        for (int i = 0; i < newTokens; i++) {
            float[] logits;
            try (LanguageModel.Forward f = gpt.open(1, false)) {
                logits = f.prefill(new long[][] {context.stream().mapToLong(Long::longValue).toArray()})[0];
            }
            int best = 0;
            for (int v = 1; v < logits.length; v++) {
                if (logits[v] > logits[best]) {
                    best = v;
                }
            }
            out[i] = best;
            context.add((long) best);
            if (context.size() > BLOCK) {
                context = new ArrayList<>(context.subList(context.size() - (BLOCK - shift), context.size()));
            }
        }
        return out;
    }

    private static Generation shifted(int shift, boolean cache, int[] prompt, SamplingParams p) {
        return new Generator(gpt, cache, shift).generate(prompt, p, vocabulary, () -> false, GenerationListener.NONE);
    }

    @Test
    void contextShiftEqualsARecomputeLoopThatCropsTheSameWay() {
        int[] shortPrompt = {10, 20, 30, 40, 50};
        int[] longPrompt = new int[23];
        for (int i = 0; i < longPrompt.length; i++) {
            longPrompt[i] = (i * 11) % VOCAB;
        }
        for (int shift : new int[] {1, 5, BLOCK / 2, BLOCK - 1}) {
            for (int[] prompt : List.of(shortPrompt, longPrompt)) {
                assertArrayEquals(shiftReference(prompt, shift, 60),
                        shifted(shift, true, prompt, params(0, 1, 1, 60)).samples().get(0).tokenIds(),
                        "shift " + shift + ", prompt of " + prompt.length);
            }
        }
    }

    @Test
    void contextShiftWithTheCacheSamplesAsWithoutItForEveryRowOfABatch() {
        int[] prompt = {3, 1, 4, 1, 5};
        for (int shift : new int[] {1, BLOCK / 2, BLOCK - 1}) {
            assertSameTokens(shifted(shift, false, prompt, params(1, 9, 3, 70)),
                    shifted(shift, true, prompt, params(1, 9, 3, 70)));
        }
    }

    @Test
    void contextShiftChangesNothingUntilTheContextFirstFillsThenDiffers() {
        int[] prompt = {10, 20, 30, 40, 50};
        int[] exact = run(gpt, true, prompt, params(0, 1, 1, 60)).samples().get(0).tokenIds();
        int[] shift = shifted(BLOCK / 2, true, prompt, params(0, 1, 1, 60)).samples().get(0).tokenIds();
        // Tokens 1..12 are predicted from contexts of 5..16 tokens, identical in both modes.
        int fill = BLOCK - prompt.length + 1;
        assertArrayEquals(java.util.Arrays.copyOf(exact, fill), java.util.Arrays.copyOf(shift, fill));
        assertNotEquals(java.util.Arrays.toString(exact), java.util.Arrays.toString(shift));
    }

    @Test
    void contextShiftPrefillsOncePerShiftWhereExactPrefillsEveryStepPastTheBlock() {
        // 5-token prompt, block 16, 60 steps: contexts grow 5..16 over steps 0..11. Exact: the
        // first prefill, then one per step from step 12 on (48). Shift 8: the context drops to 8
        // at steps 12, 21, 30, 39, 48, 57 and decodes from the cache in between.
        int[] prompt = {10, 20, 30, 40, 50};
        PrefillCounter exact = new PrefillCounter(gpt);
        new Generator(exact, true).generate(prompt, params(0, 1, 1, 60), vocabulary, () -> false,
                GenerationListener.NONE);
        List<Integer> everyStepPastTheBlock = new ArrayList<>(List.of(5));
        everyStepPastTheBlock.addAll(java.util.Collections.nCopies(48, 16));
        assertEquals(everyStepPastTheBlock, exact.lengths);
        PrefillCounter shift = new PrefillCounter(gpt);
        new Generator(shift, true, BLOCK / 2).generate(prompt, params(0, 1, 1, 60), vocabulary, () -> false,
                GenerationListener.NONE);
        assertEquals(List.of(5, 8, 8, 8, 8, 8, 8), shift.lengths);
    }

    @Test
    void aContextShiftOutsideTheBlockIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Generator(gpt, true, BLOCK));
        assertEquals("contextShift must be 0 (exact) or in 1..15 for a context of 16 tokens, got 16", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Generator(gpt, true, -1));
        assertThrows(IllegalArgumentException.class, () -> new Generator(bigram, true, 1));
    }

    /** The real model, recording the length of every prefill (a spy, not a fake: every call runs the graph). */
    private static final class PrefillCounter implements LanguageModel {
        private final LanguageModel model;
        final List<Integer> lengths = new ArrayList<>();

        PrefillCounter(LanguageModel model) {
            this.model = model;
        }

        @Override
        public int vocabSize() {
            return model.vocabSize();
        }

        @Override
        public int contextSize() {
            return model.contextSize();
        }

        @Override
        public Forward open(int batch, boolean kvCache) {
            Forward forward = model.open(batch, kvCache);
            return new Forward() {
                @Override
                public float[][] prefill(long[][] window) {
                    lengths.add(window[0].length);
                    return forward.prefill(window);
                }

                @Override
                public boolean canStep() {
                    return forward.canStep();
                }

                @Override
                public float[][] step(long[] tokens) {
                    return forward.step(tokens);
                }

                @Override
                public void close() {
                    forward.close();
                }
            };
        }
    }

    @Test
    void seedsReproduceAndDiffer() {
        int[] prompt = {5};
        Generation a = run(gpt, true, prompt, params(1, 123, 2, 40));
        assertSameTokens(a, run(gpt, true, prompt, params(1, 123, 2, 40)));
        assertNotEquals(a.samples().get(0).text(), run(gpt, true, prompt, params(1, 124, 2, 40)).samples().get(0).text());
        // the samples of one batch are drawn independently
        assertNotEquals(a.samples().get(0).text(), a.samples().get(1).text());
    }

    @Test
    void bigramNeedsOnlyTheLastTokenAndGeneratesVocabularyCharacters() {
        Generation g = run(bigram, true, new int[0], params(1, 5, 2, 200));
        assertSameTokens(g, run(bigram, false, new int[0], params(1, 5, 2, 200)));
        String chars = TestModels.shakespeareChars();
        for (Generation.Sample s : g.samples()) {
            assertEquals(200, s.tokenIds().length);
            assertEquals(FinishReason.LENGTH, s.finishReason());
            s.text().codePoints().forEach(c -> assertTrue(chars.indexOf(c) >= 0, "char " + c));
            assertEquals(200, s.text().codePointCount(0, s.text().length()));
        }
    }

    @Test
    void stopsWithinOneStepOfCancellation() {
        AtomicInteger checks = new AtomicInteger();
        List<Integer> emitted = new ArrayList<>();
        assertThrows(GenerationCancelledException.class, () -> new Generator(gpt).generate(new int[] {1},
                params(1, 1, 1, 1000), vocabulary, () -> checks.incrementAndGet() > 3,
                (sample, text, ids) -> emitted.add(ids.length)));
        assertEquals(3, emitted.size());
    }

    @Test
    void streamedPiecesAddUpToTheTextAndStopCutsIt() {
        Generation free = run(gpt, true, new int[] {1}, params(1, 77, 1, 80));
        String text = free.samples().get(0).text();
        String stop = text.substring(30, 33);
        int cut = text.indexOf(stop);
        StringBuilder streamed = new StringBuilder();
        Generation stopped = new Generator(gpt).generate(new int[] {1},
                new SamplingParams(1, 0, 1f, 77, 1, 80, List.of(stop)), vocabulary, () -> false,
                (sample, piece, ids) -> streamed.append(piece));
        assertEquals(FinishReason.STOP, stopped.samples().get(0).finishReason());
        assertEquals(text.substring(0, cut), stopped.samples().get(0).text());
        assertEquals(stopped.samples().get(0).text(), streamed.toString());
    }
}
