package dev.scratchgpt.tokenizer;

import com.google.protobuf.ByteString;
import dev.scratchgpt.testing.ClientStream;
import dev.scratchgpt.testing.ServiceChecks;

import dev.scratchgpt.tokenizer.v1.CreateVocabularyChunk;
import dev.scratchgpt.tokenizer.v1.CreateVocabularyRequest;
import dev.scratchgpt.tokenizer.v1.DecodeRequest;
import dev.scratchgpt.tokenizer.v1.DecodeStreamRequest;
import dev.scratchgpt.tokenizer.v1.EncodeRequest;
import dev.scratchgpt.tokenizer.v1.EncodeStreamRequest;
import dev.scratchgpt.tokenizer.v1.EncodeStreamResponse;
import dev.scratchgpt.tokenizer.v1.GetVocabularyRequest;
import dev.scratchgpt.tokenizer.v1.ListVocabulariesRequest;
import dev.scratchgpt.tokenizer.v1.TokenizerGrpc;
import dev.scratchgpt.tokenizer.v1.VocabularyKind;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static dev.scratchgpt.testing.BadInputCatalogue.assertAnswer;
import static dev.scratchgpt.testing.BadInputCatalogue.assertSurvived;
import static dev.scratchgpt.testing.BadInputCatalogue.row;
import static dev.scratchgpt.testing.BadInputCatalogue.statusOf;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * docs/bad-input.md, tokenizer table: one case per row, each over real gRPC against the running
 * service, then a check that the service survived all of them (health, a valid call, no thread
 * growth, no partial file). The idle timeout is 10 s in the test profile (60 s by default): it
 * must exceed the time a 4 MiB message takes to arrive on a loaded machine (3.4 s measured).
 */
@QuarkusTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TokenizerBadInputTest {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final int MIB = 1024 * 1024;

    static ManagedChannel channel;
    static TokenizerGrpc.TokenizerBlockingStub tokenizer;
    static TokenizerGrpc.TokenizerStub async;
    static String vocabularyId;
    static int threadsBefore;

    @BeforeAll
    static void connectAndWarmUp() {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                .maxInboundMessageSize(64 * MIB).build();
        tokenizer = TokenizerGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.MINUTES);
        async = TokenizerGrpc.newStub(channel);
        vocabularyId = tokenizer.createVocabulary(CreateVocabularyRequest.newBuilder().setText("abc \n").build())
                .getVocabularyId();
        // Warm the pools the rows use (workers, stream calls, the idle timer) before counting threads.
        for (int i = 0; i < 4; i++) {
            ClientStream.call(async::encodeStream, List.of(encodeChunk(vocabularyId, "abc")), true, WAIT);
            ClientStream.call(async::createVocabularyStream, List.of(chunk("abc")), true, WAIT);
        }
        threadsBefore = ServiceChecks.liveThreads();
    }

    @AfterAll
    static void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }



    static CreateVocabularyChunk chunk(String text) {
        return CreateVocabularyChunk.newBuilder().setData(ByteString.copyFromUtf8(text)).build();
    }

    static CreateVocabularyChunk chunk(byte[] bytes) {
        return CreateVocabularyChunk.newBuilder().setData(ByteString.copyFrom(bytes)).build();
    }

    static EncodeStreamRequest encodeChunk(String id, String text) {
        return EncodeStreamRequest.newBuilder().setVocabularyId(id).setData(ByteString.copyFromUtf8(text)).build();
    }

    static Status createStream(List<CreateVocabularyChunk> chunks, boolean halfClose) {
        return ClientStream.call(async::createVocabularyStream, chunks, halfClose, WAIT).status();
    }

    static Status encodeStream(List<EncodeStreamRequest> requests, boolean halfClose) {
        return ClientStream.call(async::encodeStream, requests, halfClose, WAIT).status();
    }

    static Status decodeStream(List<DecodeStreamRequest> requests, boolean halfClose) {
        return ClientStream.call(async::decodeStream, requests, halfClose, WAIT).status();
    }

    static Status create(CreateVocabularyRequest.Builder request) {
        return statusOf(() -> tokenizer.createVocabulary(request.build()));
    }

    static Status decode(List<Integer> ids) {
        return statusOf(() -> tokenizer.decode(DecodeRequest.newBuilder().setVocabularyId(vocabularyId).addAllIds(ids).build()));
    }

    /** Text of {@code bytes} ASCII characters from the vocabulary "abc \n". */
    static String text(int bytes) {
        return "abc ".repeat(bytes / 4 + 1).substring(0, bytes);
    }

    /** Chunks of 256 KiB adding up to {@code mebibytes}: past the test profile's 8 MiB corpus cap. */
    static List<CreateVocabularyChunk> corpusChunks(int mebibytes) {
        return Collections.nCopies(4 * mebibytes, chunk(text(MIB / 4)));
    }

    static Stream<Arguments> catalogue() {
        String huge = "x".repeat(MIB);
        return Stream.of(
                // CreateVocabulary
                row("CreateVocabulary text empty", Status.Code.INVALID_ARGUMENT, "text is empty",
                        () -> create(CreateVocabularyRequest.newBuilder())),
                row("CreateVocabulary text over 4 MiB", Status.Code.RESOURCE_EXHAUSTED, "send large input with CreateVocabularyStream",
                        () -> create(CreateVocabularyRequest.newBuilder().setText(text(4 * MIB + 1)))),
                row("CreateVocabulary message over the 64 MiB transport cap", Status.Code.RESOURCE_EXHAUSTED, "",
                        () -> create(CreateVocabularyRequest.newBuilder().setText(text(64 * MIB + 1)))),
                row("CreateVocabulary kind unknown", Status.Code.INVALID_ARGUMENT, "kind is not a known VocabularyKind",
                        () -> create(CreateVocabularyRequest.newBuilder().setText("ab").setKindValue(99))),
                row("CreateVocabulary vocab_size negative", Status.Code.INVALID_ARGUMENT, "vocab_size is -1",
                        () -> create(CreateVocabularyRequest.newBuilder().setText("ab").setKind(VocabularyKind.VOCABULARY_KIND_BPE).setVocabSize(-1))),
                row("CreateVocabulary vocab_size enormous", Status.Code.INVALID_ARGUMENT, "vocab_size is 2147483647",
                        () -> create(CreateVocabularyRequest.newBuilder().setText("ab").setKind(VocabularyKind.VOCABULARY_KIND_BPE).setVocabSize(Integer.MAX_VALUE))),
                row("CreateVocabulary vocab_size on CHAR", Status.Code.INVALID_ARGUMENT, "vocab_size is 300",
                        () -> create(CreateVocabularyRequest.newBuilder().setText("ab").setVocabSize(300))),
                row("CreateVocabulary pretrained unknown", Status.Code.INVALID_ARGUMENT, "pretrained is 'gpt5' but must be one of",
                        () -> create(CreateVocabularyRequest.newBuilder().setKind(VocabularyKind.VOCABULARY_KIND_BPE).setPretrained("gpt5"))),
                row("CreateVocabulary pretrained huge", Status.Code.INVALID_ARGUMENT, "characters left out",
                        () -> create(CreateVocabularyRequest.newBuilder().setKind(VocabularyKind.VOCABULARY_KIND_BPE).setPretrained(huge))),
                row("CreateVocabulary special_tokens empty string", Status.Code.INVALID_ARGUMENT, "special_tokens has an empty string",
                        () -> create(CreateVocabularyRequest.newBuilder().setText("ab").setKind(VocabularyKind.VOCABULARY_KIND_BPE).setVocabSize(300).addSpecialTokens(""))),
                row("CreateVocabulary special_tokens too many for vocab_size", Status.Code.INVALID_ARGUMENT, "vocab_size is 258",
                        () -> create(CreateVocabularyRequest.newBuilder().setText("ab").setKind(VocabularyKind.VOCABULARY_KIND_BPE).setVocabSize(258)
                                .addSpecialTokens("<a>").addSpecialTokens("<b>"))),
                // CreateVocabularyStream
                row("CreateVocabularyStream data not UTF-8", Status.Code.INVALID_ARGUMENT, "data is not valid UTF-8",
                        () -> createStream(List.of(chunk(new byte[]{'a', (byte) 0xFF, 'b'})), true)),
                row("CreateVocabularyStream data ends inside a character", Status.Code.INVALID_ARGUMENT, "ended inside a character",
                        () -> createStream(List.of(chunk(new byte[]{'a', (byte) 0xE2, (byte) 0x82})), true)),
                row("CreateVocabularyStream no data", Status.Code.INVALID_ARGUMENT, "the corpus is empty",
                        () -> createStream(List.of(), true)),
                row("CreateVocabularyStream options.text set", Status.Code.INVALID_ARGUMENT, "options.text must be empty",
                        () -> createStream(List.of(CreateVocabularyChunk.newBuilder()
                                .setOptions(CreateVocabularyRequest.newBuilder().setText("ab")).build()), true)),
                row("CreateVocabularyStream options after the first message", Status.Code.INVALID_ARGUMENT, "options may only be set in the first message",
                        () -> createStream(List.of(chunk("ab"), CreateVocabularyChunk.newBuilder()
                                .setOptions(CreateVocabularyRequest.newBuilder().setAddUnk(true)).build()), true)),
                row("CreateVocabularyStream chunk over 4 MiB", Status.Code.RESOURCE_EXHAUSTED, "smaller chunks in CreateVocabularyStream",
                        () -> createStream(List.of(chunk(text(4 * MIB + 1))), true)),
                row("CreateVocabularyStream streaming past the corpus cap", Status.Code.RESOURCE_EXHAUSTED, "scratchgpt.tokenizer.max-corpus-bytes",
                        () -> createStream(corpusChunks(12), true)),
                row("CreateVocabularyStream client goes silent", Status.Code.DEADLINE_EXCEEDED, "no message arrived on this CreateVocabularyStream stream for 10 s",
                        () -> createStream(List.of(chunk("abc")), false)),
                // GetVocabulary, ListVocabularies
                row("GetVocabulary vocabulary_id empty", Status.Code.INVALID_ARGUMENT, "vocabulary_id is empty",
                        () -> statusOf(() -> tokenizer.getVocabulary(GetVocabularyRequest.getDefaultInstance()))),
                row("GetVocabulary vocabulary_id unknown", Status.Code.NOT_FOUND, "vocabulary_id 'nope' is not known",
                        () -> statusOf(() -> tokenizer.getVocabulary(GetVocabularyRequest.newBuilder().setVocabularyId("nope").build()))),
                row("GetVocabulary vocabulary_id huge", Status.Code.NOT_FOUND, "characters left out",
                        () -> statusOf(() -> tokenizer.getVocabulary(GetVocabularyRequest.newBuilder().setVocabularyId(huge).build()))),
                row("ListVocabularies without a deadline", Status.Code.OK, "",
                        () -> statusOf(() -> TokenizerGrpc.newBlockingStub(channel).listVocabularies(ListVocabulariesRequest.getDefaultInstance()))),
                // Encode
                row("Encode vocabulary_id empty", Status.Code.INVALID_ARGUMENT, "vocabulary_id is empty",
                        () -> statusOf(() -> tokenizer.encode(EncodeRequest.newBuilder().setText("ab").build()))),
                row("Encode vocabulary_id unknown", Status.Code.NOT_FOUND, "is not known",
                        () -> statusOf(() -> tokenizer.encode(EncodeRequest.newBuilder().setVocabularyId("nope").setText("ab").build()))),
                row("Encode text with characters not in the vocabulary", Status.Code.INVALID_ARGUMENT, "does not contain: U+007A 'z'",
                        () -> statusOf(() -> tokenizer.encode(EncodeRequest.newBuilder().setVocabularyId(vocabularyId).setText("abz").build()))),
                row("Encode text over 4 MiB", Status.Code.RESOURCE_EXHAUSTED, "EncodeStream",
                        () -> statusOf(() -> tokenizer.encode(EncodeRequest.newBuilder().setVocabularyId(vocabularyId).setText(text(4 * MIB + 1)).build()))),
                row("Encode 4 MB without a deadline", Status.Code.OK, "",
                        () -> statusOf(() -> TokenizerGrpc.newBlockingStub(channel).withMaxInboundMessageSize(64 * MIB)
                                .encode(EncodeRequest.newBuilder().setVocabularyId(vocabularyId).setText(text(4_000_000)).build()))),
                // EncodeStream
                row("EncodeStream first message without vocabulary_id", Status.Code.INVALID_ARGUMENT, "vocabulary_id is empty",
                        () -> encodeStream(List.of(encodeChunk("", "ab")), true)),
                row("EncodeStream vocabulary_id unknown", Status.Code.NOT_FOUND, "is not known",
                        () -> encodeStream(List.of(encodeChunk("nope", "ab")), true)),
                row("EncodeStream data not UTF-8", Status.Code.INVALID_ARGUMENT, "data is not valid UTF-8",
                        () -> encodeStream(List.of(EncodeStreamRequest.newBuilder().setVocabularyId(vocabularyId)
                                .setData(ByteString.copyFrom(new byte[]{'a', (byte) 0xC0, (byte) 0x80})).build()), true)),
                row("EncodeStream message over 4 MiB", Status.Code.RESOURCE_EXHAUSTED, "smaller chunks in EncodeStream",
                        () -> encodeStream(List.of(encodeChunk(vocabularyId, text(4 * MIB + 1))), true)),
                row("EncodeStream client goes silent", Status.Code.DEADLINE_EXCEEDED, "no message arrived on this EncodeStream stream",
                        () -> encodeStream(List.of(encodeChunk(vocabularyId, "ab")), false)),
                row("EncodeStream streaming 16 MiB has no total cap", Status.Code.OK, "",
                        TokenizerBadInputTest::encodeSixteenMebibytes),
                // Decode
                row("Decode id negative", Status.Code.INVALID_ARGUMENT, "-1",
                        () -> decode(List.of(0, -1))),
                row("Decode id past the vocabulary", Status.Code.INVALID_ARGUMENT, "5",
                        () -> decode(List.of(0, 5))),
                row("Decode id enormous", Status.Code.INVALID_ARGUMENT, "2147483647",
                        () -> decode(List.of(Integer.MAX_VALUE))),
                row("Decode ids over 4 MiB", Status.Code.RESOURCE_EXHAUSTED, "DecodeStream",
                        () -> decode(Collections.nCopies(1_000_000, Integer.MAX_VALUE))),
                row("Decode vocabulary_id unknown", Status.Code.NOT_FOUND, "is not known",
                        () -> statusOf(() -> tokenizer.decode(DecodeRequest.newBuilder().setVocabularyId("nope").addIds(0).build()))),
                // DecodeStream
                row("DecodeStream id out of range", Status.Code.INVALID_ARGUMENT, "-7",
                        () -> decodeStream(List.of(DecodeStreamRequest.newBuilder().setVocabularyId(vocabularyId).addIds(-7).build()), true)),
                row("DecodeStream first message without vocabulary_id", Status.Code.INVALID_ARGUMENT, "vocabulary_id is empty",
                        () -> decodeStream(List.of(DecodeStreamRequest.newBuilder().addIds(0).build()), true)),
                row("DecodeStream client goes silent", Status.Code.DEADLINE_EXCEEDED, "no message arrived on this DecodeStream stream",
                        () -> decodeStream(List.of(DecodeStreamRequest.newBuilder().setVocabularyId(vocabularyId).addIds(0).build()), false)));
    }

    /** EncodeStream is meant for input of any size: ids come back as it goes, nothing piles up. */
    static Status encodeSixteenMebibytes() {
        List<EncodeStreamRequest> requests = new ArrayList<>();
        EncodeStreamRequest quarter = EncodeStreamRequest.newBuilder().setData(ByteString.copyFromUtf8(text(MIB / 4))).build();
        requests.add(encodeChunk(vocabularyId, ""));
        requests.addAll(Collections.nCopies(64, quarter));
        ClientStream.Outcome<EncodeStreamResponse> outcome = ClientStream.call(async::encodeStream, requests, true, WAIT);
        long ids = outcome.responses().stream().mapToLong(EncodeStreamResponse::getIdsCount).sum();
        assertEquals(16L * MIB, ids, "every character encoded");
        return outcome.status();
    }

    @Order(1)
    @ParameterizedTest(name = "{0}")
    @MethodSource("catalogue")
    void answersWithAStatusAndASentence(String name, Status.Code code, String sentence, Supplier<Status> call) {
        assertAnswer(code, sentence, call.get());
    }

    @Order(2)
    @Test
    void theServiceSurvivesTheCatalogue() {
        // Forty-odd rows, a dozen of them streams: a thread held per row would break the bound.
        assertSurvived(channel, () -> assertEquals(List.of(2, 3, 4), tokenizer.encode(EncodeRequest.newBuilder()
                        .setVocabularyId(vocabularyId).setText("abc").build()).getIdsList()), threadsBefore,
                Path.of(ConfigProvider.getConfig().getValue("scratchgpt.data-dir", String.class)));
    }
}
