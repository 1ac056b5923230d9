package dev.scratchgpt.tokenizer;

import com.google.protobuf.ByteString;
import dev.scratchgpt.testing.SharedData;
import dev.scratchgpt.tokenizer.v1.CreateVocabularyChunk;
import dev.scratchgpt.tokenizer.v1.CreateVocabularyRequest;
import dev.scratchgpt.tokenizer.v1.DecodeRequest;
import dev.scratchgpt.tokenizer.v1.DecodeStreamRequest;
import dev.scratchgpt.tokenizer.v1.DecodeStreamResponse;
import dev.scratchgpt.tokenizer.v1.EncodeRequest;
import dev.scratchgpt.tokenizer.v1.EncodeResponse;
import dev.scratchgpt.tokenizer.v1.EncodeStreamRequest;
import dev.scratchgpt.tokenizer.v1.EncodeStreamResponse;
import dev.scratchgpt.tokenizer.v1.GetVocabularyRequest;
import dev.scratchgpt.tokenizer.v1.ListVocabulariesRequest;
import dev.scratchgpt.tokenizer.v1.TokenizerGrpc;
import dev.scratchgpt.tokenizer.v1.Vocabulary;
import dev.scratchgpt.tokenizer.v1.VocabularyKind;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tokenizer as a client sees it: a real Quarkus app called over a real gRPC socket. */
@QuarkusTest
class TokenizerEndpointTest {

    static final String COURSE_VOCABULARY =
            "\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    static final String MIXED = "héllo 😀 世界 e\u0301 👩‍🔬 𝔘";

    static ManagedChannel channel;
    static TokenizerGrpc.TokenizerBlockingStub tokenizer;
    static TokenizerGrpc.TokenizerStub async;

    @BeforeAll
    static void connect() {
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", port()).usePlaintext().build();
        tokenizer = TokenizerGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.MINUTES);
        async = TokenizerGrpc.newStub(channel);
    }

    @AfterAll
    static void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    static int port() {
        return ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
    }

    static Vocabulary create(String text, boolean addUnk) {
        return tokenizer.createVocabulary(CreateVocabularyRequest.newBuilder().setText(text).setAddUnk(addUnk).build());
    }

    static EncodeResponse encode(String id, String text) {
        return tokenizer.encode(EncodeRequest.newBuilder().setVocabularyId(id).setText(text).build());
    }

    static String decode(String id, Iterable<Integer> ids) {
        return tokenizer.decode(DecodeRequest.newBuilder().setVocabularyId(id).addAllIds(ids).build()).getText();
    }

    static StatusRuntimeException fails(Status.Code code, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        return e;
    }

    static void assertMentions(StatusRuntimeException e, String... parts) {
        String description = e.getStatus().getDescription();
        for (String part : parts) {
            assertTrue(description != null && description.contains(part),
                    "expected '" + part + "' in: " + description);
        }
    }

    @Test
    void tinyShakespeareGivesTheCoursesVocabulary() throws Exception {
        String text = Files.readString(SharedData.tinyShakespeare());

        Vocabulary vocabulary = create(text, false);

        assertEquals(65, vocabulary.getSize());
        assertEquals(COURSE_VOCABULARY, String.join("", vocabulary.getTokensList()));
        assertEquals(VocabularyKind.VOCABULARY_KIND_CHAR, vocabulary.getKind());
        assertEquals(-1, vocabulary.getUnkId());
        assertEquals(text.length(), vocabulary.getSourceChars());
        assertEquals(List.of(46, 47, 47, 1, 58, 46, 43, 56, 43), encode(vocabulary.getVocabularyId(), "hii there").getIdsList());
        assertEquals(create(text, false).getVocabularyId(), vocabulary.getVocabularyId(), "same corpus, same id");
    }

    @Test
    void emojiCjkAndCombiningMarksRoundTrip() {
        Vocabulary vocabulary = create(MIXED, false);
        EncodeResponse encoded = tokenizer.encode(EncodeRequest.newBuilder()
                .setVocabularyId(vocabulary.getVocabularyId()).setText(MIXED).setIncludeTokens(true).build());

        assertEquals(MIXED.codePointCount(0, MIXED.length()), encoded.getSize());
        assertEquals(MIXED, String.join("", encoded.getTokensList()));
        assertTrue(encoded.getTokensList().contains("😀"));
        assertEquals(MIXED, decode(vocabulary.getVocabularyId(), encoded.getIdsList()));
    }

    @Test
    void getAndListShowStoredVocabularies() {
        Vocabulary created = create("list me", true);

        Vocabulary got = tokenizer.getVocabulary(GetVocabularyRequest.newBuilder()
                .setVocabularyId(created.getVocabularyId()).build());
        Vocabulary bare = tokenizer.getVocabulary(GetVocabularyRequest.newBuilder()
                .setVocabularyId(created.getVocabularyId()).setOmitTokens(true).build());
        List<Vocabulary> listed = tokenizer.listVocabularies(ListVocabulariesRequest.getDefaultInstance())
                .getVocabulariesList();

        assertEquals(created, got);
        assertEquals(8, got.getSize(), "7 distinct characters and <unk>");
        assertEquals(" eilmst<unk>", String.join("", got.getTokensList()));
        assertEquals(7, got.getUnkId());
        assertEquals(0, bare.getTokensCount());
        assertEquals(8, bare.getSize());
        assertTrue(listed.stream().anyMatch(v -> v.getVocabularyId().equals(created.getVocabularyId())
                && v.getTokensCount() == 0));
    }

    @Test
    void unknownVocabularyIsNotFound() {
        StatusRuntimeException e = fails(Status.Code.NOT_FOUND, () -> encode("0000000000", "x"));
        assertMentions(e, "vocabulary_id", "0000000000");
        fails(Status.Code.NOT_FOUND, () -> tokenizer.getVocabulary(
                GetVocabularyRequest.newBuilder().setVocabularyId("0000000000").build()));
        assertMentions(fails(Status.Code.INVALID_ARGUMENT, () -> encode("", "x")), "vocabulary_id is empty");
    }

    @Test
    void emptyCorpusIsInvalid() {
        assertMentions(fails(Status.Code.INVALID_ARGUMENT, () -> create("", false)), "text is empty");
        assertMentions(fails(Status.Code.INVALID_ARGUMENT, () -> createStream(List.of())), "corpus is empty");
    }

    @Test
    void unknownCharactersAreNamedWithTheirOffset() {
        String id = create("abc ", false).getVocabularyId();

        StatusRuntimeException e = fails(Status.Code.INVALID_ARGUMENT, () -> encode(id, "ab 😀 c"));

        assertMentions(e, "U+1F600 '😀'", "offset 3", "add_unk");
        String withUnk = create("abc ", true).getVocabularyId();
        // sorted: ' ' a b c <unk>
        assertEquals(List.of(1, 2, 0, 4, 0, 3), encode(withUnk, "ab 😀 c").getIdsList());
    }

    @Test
    void decodeRejectsIdsOutOfRange() {
        String id = create("abc", false).getVocabularyId();

        StatusRuntimeException e = fails(Status.Code.INVALID_ARGUMENT, () -> decode(id, List.of(0, 2, 3)));

        assertMentions(e, "ids[2] is 3", "0 to 2");
        assertMentions(fails(Status.Code.INVALID_ARGUMENT, () -> decode(id, List.of(-5))), "ids[0] is -5");
    }

    @Test
    void badOptionsAreNamed() {
        assertMentions(fails(Status.Code.INVALID_ARGUMENT, () -> tokenizer.createVocabulary(
                CreateVocabularyRequest.newBuilder().setText("abc").setVocabSize(500).build())), "vocab_size is 500");
    }

    @Test
    void createVocabularyStreamTakesBytesSplitAnywhere() {
        byte[] bytes = MIXED.getBytes(StandardCharsets.UTF_8);
        List<CreateVocabularyChunk> chunks = new ArrayList<>();
        chunks.add(CreateVocabularyChunk.newBuilder()
                .setOptions(CreateVocabularyRequest.newBuilder().setAddUnk(true)).build());
        for (int i = 0; i < bytes.length; i++) {
            chunks.add(CreateVocabularyChunk.newBuilder().setData(ByteString.copyFrom(bytes, i, 1)).build());
        }

        Vocabulary streamed = createStream(chunks);

        assertEquals(create(MIXED, true), streamed);
    }

    @Test
    void invalidUtf8InBytesIsInvalid() {
        StatusRuntimeException e = fails(Status.Code.INVALID_ARGUMENT, () -> createStream(List.of(
                CreateVocabularyChunk.newBuilder().setData(ByteString.copyFrom(new byte[]{'a', (byte) 0xC3, 'b'})).build())));
        assertMentions(e, "data is not valid UTF-8", "byte offset 1");

        String id = create("ab", false).getVocabularyId();
        StatusRuntimeException truncated = fails(Status.Code.INVALID_ARGUMENT, () -> encodeStream(List.of(
                EncodeStreamRequest.newBuilder().setVocabularyId(id)
                        .setData(ByteString.copyFrom(new byte[]{'a', (byte) 0xE2, (byte) 0x82})).build()),
                r -> { }));
        assertMentions(truncated, "data is not valid UTF-8", "ended inside a character");
    }

    @Test
    void encodeStreamHandlesCharactersSplitAcrossMessages() {
        String id = create(MIXED, false).getVocabularyId();
        List<Integer> expected = encode(id, MIXED).getIdsList();
        byte[] bytes = MIXED.getBytes(StandardCharsets.UTF_8);
        int emoji = MIXED.substring(0, MIXED.indexOf("😀")).getBytes(StandardCharsets.UTF_8).length;
        int cjk = MIXED.substring(0, MIXED.indexOf("世")).getBytes(StandardCharsets.UTF_8).length;
        // inside the 4-byte emoji (a surrogate pair in Java) at each byte, and inside a 3-byte CJK character
        for (int split : new int[]{emoji + 1, emoji + 2, emoji + 3, cjk + 1, cjk + 2}) {
            List<Integer> ids = new ArrayList<>();
            long[] consumed = {0};
            encodeStream(List.of(
                    EncodeStreamRequest.newBuilder().setVocabularyId(id).setData(ByteString.copyFrom(bytes, 0, split)).build(),
                    EncodeStreamRequest.newBuilder().setData(ByteString.copyFrom(bytes, split, bytes.length - split)).build()),
                    r -> {
                        ids.addAll(r.getIdsList());
                        consumed[0] = r.getCharsConsumed();
                    });
            assertEquals(expected, ids, "split at byte " + split);
            assertEquals(expected.size(), consumed[0]);
        }
    }

    @Test
    void decodeStreamEmitsTextAsIdsArrive() {
        String id = create(MIXED, false).getVocabularyId();
        List<Integer> ids = encode(id, MIXED).getIdsList();
        List<DecodeStreamRequest> requests = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            DecodeStreamRequest.Builder r = DecodeStreamRequest.newBuilder().addIds(ids.get(i));
            requests.add((i == 0 ? r.setVocabularyId(id) : r).build());
        }
        StringBuilder text = new StringBuilder();
        List<DecodeStreamResponse> responses = call(async::decodeStream, requests, r -> text.append(r.getText()));
        assertEquals(MIXED, text.toString());
        assertEquals(ids.size(), responses.size(), "one piece of text per id");
    }

    @Test
    void healthIsServing() {
        HealthCheckResponse health = HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.getStatus());
    }

    @Test
    void reflectionListsTheServices() {
        List<ServerReflectionResponse> responses = call(ServerReflectionGrpc.newStub(channel)::serverReflectionInfo,
                List.of(ServerReflectionRequest.newBuilder().setListServices("").build()), r -> { });
        List<String> services = responses.get(0).getListServicesResponse().getServiceList().stream()
                .map(ServiceResponse::getName).toList();
        assertTrue(services.containsAll(List.of("scratchgpt.tokenizer.v1.Tokenizer", "grpc.health.v1.Health")),
                services.toString());

        // what grpcurl describe does: the descriptor of the service, without .proto files
        List<ServerReflectionResponse> file = call(ServerReflectionGrpc.newStub(channel)::serverReflectionInfo,
                List.of(ServerReflectionRequest.newBuilder()
                        .setFileContainingSymbol("scratchgpt.tokenizer.v1.Tokenizer").build()), r -> { });
        assertTrue(file.get(0).getFileDescriptorResponse().getFileDescriptorProtoCount() > 0, file.toString());
    }

    @Test
    void oversizedUnaryRequestPointsToTheStreamingCall() {
        String id = create("ab", false).getVocabularyId();
        String big = "ab".repeat(2 * 1024 * 1024 + 1); // just over 4 MiB

        StatusRuntimeException encodeTooBig = fails(Status.Code.RESOURCE_EXHAUSTED, () -> encode(id, big));
        assertMentions(encodeTooBig, "Encode message is", "4194304 bytes", "EncodeStream");
        StatusRuntimeException createTooBig = fails(Status.Code.RESOURCE_EXHAUSTED, () -> create(big, false));
        assertMentions(createTooBig, "CreateVocabularyStream");
    }

    @Test
    void metricsCountEncodedCharacters() throws Exception {
        String id = create("metrics", false).getVocabularyId();
        encode(id, "metrics");

        String metrics = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();

        double encoded = metrics.lines().filter(l -> l.startsWith("scratchgpt_tokenizer_characters_encoded_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        assertTrue(encoded >= 7, metrics);
        assertTrue(metrics.contains("scratchgpt_tokenizer_vocabularies"), "vocabularies gauge");
        assertTrue(metrics.contains("grpc_server_requests_received_messages_total"), "gRPC server metrics");
    }

    static Vocabulary createStream(List<CreateVocabularyChunk> chunks) {
        return call(async::createVocabularyStream, chunks, r -> { }).get(0);
    }

    static List<EncodeStreamResponse> encodeStream(List<EncodeStreamRequest> requests, Consumer<EncodeStreamResponse> each) {
        return call(async::encodeStream, requests, each);
    }

    /** Sends {@code requests} on a client or bidi stream and waits for the responses or the status. */
    static <Q, R> List<R> call(java.util.function.Function<StreamObserver<R>, StreamObserver<Q>> method,
                               List<Q> requests, Consumer<R> each) {
        List<R> responses = new ArrayList<>();
        CompletableFuture<List<R>> done = new CompletableFuture<>();
        StreamObserver<Q> out = method.apply(new StreamObserver<>() {
            @Override
            public void onNext(R value) {
                responses.add(value);
                each.accept(value);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                done.complete(responses);
            }
        });
        requests.forEach(out::onNext);
        out.onCompleted();
        try {
            return done.get(2, TimeUnit.MINUTES);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException s) {
                throw s;
            }
            throw new IllegalStateException(e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
