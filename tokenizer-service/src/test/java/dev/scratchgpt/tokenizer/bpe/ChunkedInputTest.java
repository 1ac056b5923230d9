package dev.scratchgpt.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.scratchgpt.testing.SharedData;
import dev.scratchgpt.tokenizer.vocab.IdBuffer;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Text that arrives in chunks cut anywhere (inside a word, a run of spaces, a contraction, a
 * surrogate pair or a special token) must give the same ids, and train the same merges, as
 * the whole text at once.
 */
class ChunkedInputTest {

    private static final List<String> SPECIALS = List.of("<|endoftext|>", "<|end|>");

    private static int[] encodeInChunks(BytePairEncoding bpe, String text, Random random, int maxChunk) {
        StringBuilder pending = new StringBuilder();
        IdBuffer out = new IdBuffer(16);
        for (int from = 0; from < text.length(); ) {
            int to = Math.min(text.length(), from + random.nextInt(maxChunk));
            pending.append(text, from, to);
            int done = bpe.encode(pending, 0, pending.length(), false, out);
            pending.delete(0, done);
            from = to;
        }
        bpe.encode(pending, 0, pending.length(), true, out);
        return out.toArray();
    }

    @ParameterizedTest
    @EnumSource(SplitPattern.class)
    void randomTextInRandomChunksEncodesAsAWhole(SplitPattern pattern) {
        BytePairEncoding bpe = BpeTrainer.train(TestTexts.MULTILINGUAL, 700, pattern, SPECIALS);
        String alphabet = "ab'srel 1\t\r\n\u00A0.!é中😀<|endoftext>" + "<|end|>";
        Random random = new Random(5);
        for (int round = 0; round < 3000; round++) {
            String text = TestTexts.random(random, alphabet, 40);
            assertArrayEquals(bpe.encode(text), encodeInChunks(bpe, text, random, 6), () -> "\"" + text + "\"");
        }
    }

    @ParameterizedTest
    @EnumSource(PretrainedEncoding.class)
    void corporaInRandomChunksEncodeAsAWhole(PretrainedEncoding encoding) throws IOException {
        BytePairEncoding bpe = encoding.load(List.of("<|endoftext|>"));
        String text = Files.readString(SharedData.journeyToTheCentreOfTheEarth()).substring(0, 200_000)
                + "<|endoftext|>" + TestTexts.MULTILINGUAL;
        assertArrayEquals(bpe.encode(text), encodeInChunks(bpe, text, new Random(3), 300));
    }

    @Test
    void trainingOnChunksLearnsTheSameMerges() throws IOException {
        String corpus = Files.readString(SharedData.tinyShakespeare()).substring(0, 300_000) + TestTexts.MULTILINGUAL;
        BytePairEncoding whole = BpeTrainer.train(corpus, 400, SplitPattern.GPT2, SPECIALS);
        BpeTrainer chunked = new BpeTrainer(SplitPattern.GPT2, SPECIALS);
        Random random = new Random(4);
        for (int from = 0; from < corpus.length(); ) {
            int to = Math.min(corpus.length(), from + random.nextInt(50));
            chunked.add(corpus.subSequence(from, to));
            from = to;
        }
        BytePairEncoding fromChunks = chunked.train(400);
        for (int id = 0; id < whole.size(); id++) {
            assertArrayEquals(whole.tokenBytes(id), fromChunks.tokenBytes(id), "token " + id);
        }
    }
}
