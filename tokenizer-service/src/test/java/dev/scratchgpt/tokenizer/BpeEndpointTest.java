package dev.scratchgpt.tokenizer;

import static dev.scratchgpt.tokenizer.TokenizerEndpointTest.assertMentions;
import static dev.scratchgpt.tokenizer.TokenizerEndpointTest.call;
import static dev.scratchgpt.tokenizer.TokenizerEndpointTest.decode;
import static dev.scratchgpt.tokenizer.TokenizerEndpointTest.encode;
import static dev.scratchgpt.tokenizer.TokenizerEndpointTest.encodeStream;
import static dev.scratchgpt.tokenizer.TokenizerEndpointTest.fails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingType;
import dev.scratchgpt.testing.SharedData;
import dev.scratchgpt.tokenizer.v1.CreateVocabularyRequest;
import dev.scratchgpt.tokenizer.v1.DecodeStreamRequest;
import dev.scratchgpt.tokenizer.v1.EncodeStreamRequest;
import dev.scratchgpt.tokenizer.v1.GetVocabularyRequest;
import dev.scratchgpt.tokenizer.v1.Vocabulary;
import dev.scratchgpt.tokenizer.v1.VocabularyKind;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Byte-level BPE vocabularies through the real service over gRPC (same app as TokenizerEndpointTest). */
@QuarkusTest
class BpeEndpointTest {

    static final String MIXED = "Größe 😀👍🏽 中文 — 'tis naïve <|endoftext|> end";

    @BeforeAll
    static void connect() {
        if (TokenizerEndpointTest.tokenizer == null) {
            TokenizerEndpointTest.connect();
        }
    }

    static Vocabulary create(CreateVocabularyRequest.Builder request) {
        return TokenizerEndpointTest.tokenizer.createVocabulary(request.setKind(VocabularyKind.VOCABULARY_KIND_BPE).build());
    }

    static List<Integer> boxed(int[] ids) {
        return Arrays.stream(ids).boxed().toList();
    }

    @Test
    void trainsTinyShakespeareTo512Tokens() throws Exception {
        String text = Files.readString(SharedData.tinyShakespeare());

        Vocabulary vocabulary = create(CreateVocabularyRequest.newBuilder().setText(text).setVocabSize(512)
                .addSpecialTokens("<|endoftext|>"));

        assertEquals(VocabularyKind.VOCABULARY_KIND_BPE, vocabulary.getKind());
        assertEquals(512, vocabulary.getSize());
        assertEquals(512, vocabulary.getTokenBytesCount());
        assertEquals(" t", vocabulary.getTokens(256), "the most frequent pair of the GPT-2 split pieces");
        assertEquals("<|endoftext|>", vocabulary.getTokens(511));
        assertEquals(List.of("<|endoftext|>"), vocabulary.getSpecialTokensList());
        assertEquals(text.length(), vocabulary.getSourceChars());
        assertEquals(vocabulary.getVocabularyId(), create(CreateVocabularyRequest.newBuilder().setText(text)
                .setVocabSize(512).addSpecialTokens("<|endoftext|>")).getVocabularyId(), "same corpus and options, same id");

        String id = vocabulary.getVocabularyId();
        List<Integer> ids = encode(id, MIXED).getIdsList();
        assertEquals(511, ids.get(ids.size() - 3), "the special token is one id: " + ids);
        assertEquals(MIXED, decode(id, ids), "bytes never seen in training still round-trip");
    }

    @Test
    void loadsPublishedRanksAndEncodesLikeJtokkit() throws Exception {
        String verne = Files.readString(SharedData.journeyToTheCentreOfTheEarth()).substring(0, 100_000);
        for (EncodingType type : List.of(EncodingType.R50K_BASE, EncodingType.CL100K_BASE)) {
            Vocabulary vocabulary = create(CreateVocabularyRequest.newBuilder().setPretrained(type.getName()));
            assertEquals(type.getName(), vocabulary.getPretrained());
            assertEquals(type == EncodingType.R50K_BASE ? 50256 : 100256, vocabulary.getSize());

            List<Integer> ids = encode(vocabulary.getVocabularyId(), verne).getIdsList();

            assertEquals(boxed(Encodings.newDefaultEncodingRegistry().getEncoding(type).encodeOrdinary(verne).toArray()), ids);
            assertEquals(verne, decode(vocabulary.getVocabularyId(), ids));
        }
    }

    @Test
    void encodeStreamSplitInsideWordsAndCharactersGivesTheUnaryIds() {
        String id = create(CreateVocabularyRequest.newBuilder().setPretrained("cl100k_base")
                .addSpecialTokens("<|endoftext|>")).getVocabularyId();
        List<Integer> expected = encode(id, MIXED).getIdsList();
        byte[] bytes = MIXED.getBytes(StandardCharsets.UTF_8);
        for (int split = 1; split < bytes.length; split += 3) {
            List<Integer> ids = new ArrayList<>();
            encodeStream(List.of(
                    EncodeStreamRequest.newBuilder().setVocabularyId(id).setData(ByteString.copyFrom(bytes, 0, split)).build(),
                    EncodeStreamRequest.newBuilder().setData(ByteString.copyFrom(bytes, split, bytes.length - split)).build()),
                    r -> ids.addAll(r.getIdsList()));
            assertEquals(expected, ids, "split at byte " + split);
        }
    }

    /** r50k_base spells 😀 as two tokens: the first ends inside the character. */
    @Test
    void decodeStreamWaitsForTheRestOfACharacter() {
        String id = create(CreateVocabularyRequest.newBuilder().setPretrained("r50k_base")).getVocabularyId();
        List<Integer> ids = encode(id, "a😀b").getIdsList();
        assertEquals(4, ids.size(), "a, two tokens for the emoji, b: " + ids);
        List<DecodeStreamRequest> requests = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            DecodeStreamRequest.Builder r = DecodeStreamRequest.newBuilder().addIds(ids.get(i));
            requests.add((i == 0 ? r.setVocabularyId(id) : r).build());
        }

        List<String> texts = new ArrayList<>();
        call(TokenizerEndpointTest.async::decodeStream, requests, r -> texts.add(r.getText()));

        assertEquals(List.of("a", "", "😀", "b"), texts);
        assertEquals("a\uFFFD", decode(id, ids.subList(0, 2)), "unary Decode replaces the unfinished character");
    }

    @Test
    void badOptionsNameTheField() {
        assertMentions(fails(Status.Code.INVALID_ARGUMENT, () -> create(CreateVocabularyRequest.newBuilder()
                .setText("abc").setVocabSize(256))), "vocab_size is 256", "257", "100000");
        assertMentions(fails(Status.Code.INVALID_ARGUMENT, () -> create(CreateVocabularyRequest.newBuilder()
                .setText("abc").setVocabSize(100_001))), "vocab_size is 100001");
        assertMentions(fails(Status.Code.INVALID_ARGUMENT, () -> create(CreateVocabularyRequest.newBuilder()
                .setText("abc"))), "vocab_size is 0");
        assertMentions(fails(Status.Code.INVALID_ARGUMENT, () -> create(CreateVocabularyRequest.newBuilder()
                .setPretrained("gpt5_base"))), "pretrained is 'gpt5_base'", "r50k_base", "cl100k_base");
        assertMentions(fails(Status.Code.INVALID_ARGUMENT, () -> create(CreateVocabularyRequest.newBuilder()
                .setPretrained("r50k_base").addSpecialTokens("<|fim_prefix|>"))), "special_tokens", "<|fim_prefix|>");
        assertMentions(fails(Status.Code.INVALID_ARGUMENT, () -> create(CreateVocabularyRequest.newBuilder()
                .setText("abc").setVocabSize(300).setAddUnk(true))), "add_unk");
        assertMentions(fails(Status.Code.INVALID_ARGUMENT, () -> TokenizerEndpointTest.tokenizer.createVocabulary(
                CreateVocabularyRequest.newBuilder().setKind(VocabularyKind.VOCABULARY_KIND_CHAR).setText("abc")
                        .setVocabSize(512).build())), "vocab_size is 512", "BPE");
    }

    @Test
    void unusedIdsOfPublishedRanksAreRejectedOnDecode() {
        Vocabulary cl100k = create(CreateVocabularyRequest.newBuilder().setPretrained("cl100k_base")
                .addSpecialTokens("<|endofprompt|>"));
        assertEquals(100277, cl100k.getSize());
        String id = cl100k.getVocabularyId();

        assertMentions(fails(Status.Code.INVALID_ARGUMENT, () -> decode(id, List.of(15339, 100261))), "ids[1] is 100261");
        assertMentions(fails(Status.Code.INVALID_ARGUMENT, () -> decode(id, List.of(100277))), "ids[0] is 100277");
        assertEquals("<|endofprompt|>", decode(id, List.of(100276)));
        Vocabulary bare = TokenizerEndpointTest.tokenizer.getVocabulary(GetVocabularyRequest.newBuilder()
                .setVocabularyId(id).setOmitTokens(true).build());
        assertTrue(bare.getTokensCount() == 0 && bare.getSize() == 100277);
    }
}
