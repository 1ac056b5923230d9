package dev.scratchgpt.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.scratchgpt.testing.SharedData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * Our encoder over OpenAI's published ranks must give exactly jtokkit's ids, token for token.
 * jtokkit is a reference no one here wrote (its cl100k split is even a hand-written parser,
 * not the regex we use), so agreement checks the split pattern and the merge loop at once.
 */
class PretrainedEncodingTest {

    private static final EncodingRegistry JTOKKIT = Encodings.newDefaultEncodingRegistry();

    private static Encoding reference(PretrainedEncoding encoding) {
        return JTOKKIT.getEncoding(encoding == PretrainedEncoding.R50K_BASE ? EncodingType.R50K_BASE : EncodingType.CL100K_BASE);
    }

    private static void assertSameAsJtokkit(PretrainedEncoding encoding, BytePairEncoding ours, String text) {
        int[] expected = reference(encoding).encodeOrdinary(text).toArray();
        int[] actual = ours.encode(text);
        assertArrayEquals(expected, actual, () -> encoding.id() + " differs from jtokkit on " + excerpt(text));
        assertEquals(text, ours.decode(actual));
    }

    @ParameterizedTest
    @EnumSource(PretrainedEncoding.class)
    void encodesTinyShakespeareLikeJtokkit(PretrainedEncoding encoding) throws IOException {
        assertSameAsJtokkit(encoding, encoding.load(List.of()), Files.readString(SharedData.tinyShakespeare()));
    }

    @ParameterizedTest
    @EnumSource(PretrainedEncoding.class)
    void encodesVerneLikeJtokkit(PretrainedEncoding encoding) throws IOException {
        String verne = Files.readString(SharedData.journeyToTheCentreOfTheEarth());
        assertTrue(verne.contains("\r\n"), "the Verne text has CRLF line endings, which cl100k splits specially");
        assertSameAsJtokkit(encoding, encoding.load(List.of()), verne);
    }

    @ParameterizedTest
    @EnumSource(PretrainedEncoding.class)
    void encodesMultilingualAndEmojiTextLikeJtokkit(PretrainedEncoding encoding) {
        assertSameAsJtokkit(encoding, encoding.load(List.of()), TestTexts.MULTILINGUAL);
    }

    /** Random strings over an alphabet chosen to hit every branch of both split patterns. */
    @ParameterizedTest
    @EnumSource(PretrainedEncoding.class)
    void encodesRandomStringsLikeJtokkit(PretrainedEncoding encoding) {
        BytePairEncoding ours = encoding.load(List.of());
        String alphabet = ("aZ'sStTmMdDlLvVrReEſ 09½²٣ \t\r\n\u000B\u00A0\u2003\u3000\u0085.,!?-_\"#"
                + "éßЖ中あ한ע\u0301\u200D😀👍🏽🇫");
        Random random = new Random(8);
        for (int round = 0; round < 2000; round++) {
            String text = TestTexts.random(random, alphabet, 24);
            assertSameAsJtokkit(encoding, ours, text);
        }
    }

    /** Pieces longer than {@link BytePairEncoding#LONG_PIECE} bytes take the heap-based merge. */
    @ParameterizedTest
    @EnumSource(PretrainedEncoding.class)
    void encodesLongPiecesLikeJtokkit(PretrainedEncoding encoding) {
        BytePairEncoding ours = encoding.load(List.of());
        Random random = new Random(11);
        StringBuilder letters = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            letters.append((char) ('a' + random.nextInt(26)));
        }
        for (String text : List.of("a".repeat(20_000), " " + "ab".repeat(3000), letters.toString(),
                "1234567890".repeat(300), "!?".repeat(2000) + "\n", "😀".repeat(500), " ".repeat(5000) + "x")) {
            assertSameAsJtokkit(encoding, ours, text);
        }
    }

    /** The quadratic scan and the heap-based merge choose the same merges on any bytes. */
    @ParameterizedTest
    @EnumSource(PretrainedEncoding.class)
    void heapMergeEqualsScanMerge(PretrainedEncoding encoding) {
        BytePairEncoding ours = encoding.load(List.of());
        Random random = new Random(12);
        byte[] alphabet = "aabbeehhilnorsttt  .,'\n".getBytes(StandardCharsets.UTF_8);
        for (int round = 0; round < 300; round++) {
            byte[] bytes = new byte[1 + random.nextInt(400)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = round % 3 == 0 ? (byte) random.nextInt(256) : alphabet[random.nextInt(alphabet.length)];
            }
            assertArrayEquals(ours.merge(bytes, bytes.length), ours.mergeLong(bytes, bytes.length), "round " + round);
        }
    }

    @Test
    void specialTokensGetTheirPublishedIdsAndOnlyWhenRequested() {
        String text = "Hello<|endoftext|>world";
        int[] withSpecial = PretrainedEncoding.CL100K_BASE.load(List.of("<|endoftext|>")).encode(text);
        Encoding cl100k = reference(PretrainedEncoding.CL100K_BASE);
        assertArrayEquals(new int[] {cl100k.encodeOrdinary("Hello").get(0), 100257, cl100k.encodeOrdinary("world").get(0)},
                withSpecial);
        assertArrayEquals(cl100k.encodeOrdinary(text).toArray(), PretrainedEncoding.CL100K_BASE.load(List.of()).encode(text),
                "without the special token requested, its text is ordinary text");
        BytePairEncoding r50k = PretrainedEncoding.R50K_BASE.load(List.of("<|endoftext|>"));
        assertEquals(50257, r50k.size());
        assertEquals("<|endoftext|>", new String(r50k.tokenBytes(50256), StandardCharsets.UTF_8));
    }

    @Test
    void refusesASpecialTokenTheEncodingDoesNotDefine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PretrainedEncoding.R50K_BASE.load(List.of("<|fim_prefix|>")));
        assertTrue(e.getMessage().contains("<|fim_prefix|>") && e.getMessage().contains("r50k_base"), e.getMessage());
    }

    @Test
    void unassignedIdsInsideTheRangeAreNotTokens() {
        BytePairEncoding cl100k = PretrainedEncoding.CL100K_BASE.load(List.of("<|endofprompt|>"));
        assertEquals(100277, cl100k.size());
        assertTrue(cl100k.isAssigned(100276));
        assertTrue(!cl100k.isAssigned(100261), "100261 lies in cl100k's gap between ranks and special tokens");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cl100k.decode(new int[] {5, 100261}));
        assertTrue(e.getMessage().contains("100261") && e.getMessage().contains("position 1"), e.getMessage());
    }

    private static String excerpt(String text) {
        return text.length() <= 80 ? "\"" + text + "\"" : "a text of " + text.length() + " chars";
    }
}
