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
