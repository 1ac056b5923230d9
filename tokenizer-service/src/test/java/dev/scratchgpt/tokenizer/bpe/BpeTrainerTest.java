package dev.scratchgpt.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scratchgpt.testing.SharedData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

class BpeTrainerTest {

    private static String bytes(BytePairEncoding bpe, int id) {
        return new String(bpe.tokenBytes(id), StandardCharsets.UTF_8);
    }

    /** Wikipedia's BPE example: aa, then ab (ties go to the smaller pair), then aa+ab. */
    @Test
    void learnsTheMostFrequentPairsInOrder() {
        BytePairEncoding bpe = BpeTrainer.train("aaabdaaabac", 259, SplitPattern.GPT2, List.of());
        assertEquals(259, bpe.size());
        assertEquals("aa", bytes(bpe, 256));
        assertEquals("ab", bytes(bpe, 257));
        assertEquals("aaab", bytes(bpe, 258));
        assertArrayEquals(new int[] {258, 'd', 258, 'a', 'c'}, bpe.encode("aaabdaaabac"));
    }

    @Test
    void mergesNeverCrossPiecesOfTheSplitPattern() {
        // " b" is the most frequent adjacent byte pair of the raw text, but the split keeps
        // "a" and " b" apart, so "a b" never becomes one token.
        BytePairEncoding bpe = BpeTrainer.train("a b a b a b a b", 260, SplitPattern.GPT2, List.of());
        assertEquals(" b", bytes(bpe, 256));
        for (int id = 256; id < bpe.size(); id++) {
            assertTrue(!bytes(bpe, id).contains("a b") && !bytes(bpe, id).contains("a "), bytes(bpe, id));
        }
    }

    @Test
    void trainsTinyShakespeareTo512AndRoundTrips() throws IOException {
        String corpus = Files.readString(SharedData.tinyShakespeare());
        BytePairEncoding bpe = BpeTrainer.train(corpus, 512, SplitPattern.GPT2, List.of());
        assertEquals(512, bpe.size());
        int[] ids = bpe.encode(corpus);
        assertEquals(corpus, bpe.decode(ids));
        double bytesPerToken = corpus.getBytes(StandardCharsets.UTF_8).length / (double) ids.length;
        assertTrue(bytesPerToken > 1.8, "256 merges should bring Shakespeare near 2 bytes per token (measured 1.94): " + bytesPerToken);
        // The first merge is the most frequent pair over the whole corpus: a space before 't'
        // (" the", " to", " thou"...) for the GPT-2 split.
        assertEquals(" t", bytes(bpe, 256));
    }

    @Test
    void trainingIsDeterministic() {
        String corpus = TestTexts.MULTILINGUAL.repeat(3);
        BytePairEncoding first = BpeTrainer.train(corpus, 400, SplitPattern.CL100K, List.of("<|endoftext|>"));
        BytePairEncoding second = BpeTrainer.train(corpus, 400, SplitPattern.CL100K, List.of("<|endoftext|>"));
        for (int id = 0; id < first.size(); id++) {
            assertArrayEquals(first.tokenBytes(id), second.tokenBytes(id), "token " + id);
        }
    }

    @Test
    void specialTokensAreOneIdEachAndNeverMergedInto() {
        String corpus = "<|endoftext|>hello world<|endoftext|>hello there<|endoftext|>".repeat(20);
        BytePairEncoding bpe = BpeTrainer.train(corpus, 300, SplitPattern.GPT2, List.of("<|endoftext|>"));
        int eot = bpe.specials().get("<|endoftext|>");
        assertEquals(bpe.size() - 1, eot, "special tokens come after the merges");
        for (int id = 0; id < eot; id++) {
            assertTrue(!bytes(bpe, id).contains("<|"), "a merge spans a special token: " + bytes(bpe, id));
        }
        int[] ids = bpe.encode("hello<|endoftext|>");
        assertEquals(eot, ids[ids.length - 1]);
        assertEquals("hello<|endoftext|>", bpe.decode(ids));
    }

    @Test
    void stopsEarlyWhenTheCorpusHasNoPairsLeft() {
        BytePairEncoding bpe = BpeTrainer.train("abc", 1000, SplitPattern.GPT2, List.of());
        assertEquals(258, bpe.size(), "ab, then abc; nothing more to merge");
        assertArrayEquals(new int[] {257}, bpe.encode("abc"));
    }

    @Test
    void rejectsASizeWithNoRoomForSpecials() {
        assertThrows(IllegalArgumentException.class,
                () -> BpeTrainer.train("abc", 257, SplitPattern.GPT2, List.of("<a>", "<b>")));
    }

    @Test
    void encodesMultilingualTextLosslessly() {
        BytePairEncoding bpe = BpeTrainer.train(TestTexts.MULTILINGUAL, 600, SplitPattern.GPT2, List.of());
        String unseen = "Größe 😀👍🏽 中文 日本語 — 'tis naïve";
        assertEquals(unseen, bpe.decode(bpe.encode(unseen)));
        assertEquals(TestTexts.MULTILINGUAL, bpe.decode(bpe.encode(TestTexts.MULTILINGUAL)));
    }
}
