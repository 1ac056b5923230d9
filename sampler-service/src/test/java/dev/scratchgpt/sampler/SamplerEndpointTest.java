package dev.scratchgpt.sampler;

import dev.scratchgpt.onnx.ModelType;
import dev.scratchgpt.sampler.v1.ContextShift;
import dev.scratchgpt.sampler.v1.FinishReason;
import dev.scratchgpt.sampler.v1.GenerateRequest;
import dev.scratchgpt.sampler.v1.GenerateResponse;
import dev.scratchgpt.sampler.v1.GenerateStreamResponse;
import dev.scratchgpt.sampler.v1.ListModelsRequest;
import dev.scratchgpt.sampler.v1.LoadModelRequest;
import dev.scratchgpt.sampler.v1.ModelInfo;
import dev.scratchgpt.sampler.v1.ModelState;
import dev.scratchgpt.sampler.v1.ModelVersion;
import dev.scratchgpt.sampler.v1.SamplerGrpc;
import dev.scratchgpt.sampler.v1.UnloadModelRequest;
import dev.scratchgpt.tokenizer.v1.DecodeRequest;
import dev.scratchgpt.tokenizer.v1.TokenizerGrpc;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static dev.scratchgpt.sampler.SamplerTestResource.BIG;
import static dev.scratchgpt.sampler.SamplerTestResource.BIGRAM;
import static dev.scratchgpt.sampler.SamplerTestResource.HOT;
import static dev.scratchgpt.sampler.SamplerTestResource.SMALL;
import static dev.scratchgpt.sampler.SamplerTestResource.STRANGER;
import static dev.scratchgpt.sampler.SamplerTestResource.TAMPER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The sampler over real gRPC, with the real tokenizer service and models exported into a store folder. */
@QuarkusTest
@QuarkusTestResource(SamplerTestResource.class)
class SamplerEndpointTest {

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;
    @ConfigProperty(name = "quarkus.grpc.clients.tokenizer.port")
    int tokenizerPort;
    @ConfigProperty(name = "scratchgpt.sampler.store-dir")
    Path store;
    @ConfigProperty(name = "scratchgpt.test.vocabulary-id")
    String vocabularyId;
    @Inject
    MeterRegistry meters;

    ManagedChannel channel;
    SamplerGrpc.SamplerBlockingStub sampler;

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        sampler = SamplerGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @AfterEach
    void disconnect() {
        channel.shutdownNow();
    }

    private static GenerateRequest.Builder request(String model) {
        return GenerateRequest.newBuilder().setModel(model);
    }

    private static String vocabularyChars() {
        return TestModels.shakespeareChars();
    }

    @Test
    void generatesOnlyVocabularyCharactersDecodedAsTheTokenizerDecodes() {
        GenerateResponse r = sampler.generate(request(SMALL).setPrompt("ROMEO:").setMaxNewTokens(120)
                .setNumSamples(2).setSeed(1).build());
        assertEquals(SMALL, r.getModel());
        assertEquals(1, r.getVersion());
        assertEquals(6, r.getPromptTokens());
        assertEquals(2, r.getSamplesCount());
        String vocabulary = vocabularyChars();
        ManagedChannel t = ManagedChannelBuilder.forAddress("127.0.0.1", tokenizerPort).usePlaintext().build();
        try {
            for (var s : r.getSamplesList()) {
                assertEquals(120, s.getTokenIdsCount());
                assertEquals(FinishReason.FINISH_REASON_LENGTH, s.getFinishReason());
                s.getText().codePoints().forEach(c -> assertTrue(vocabulary.indexOf(c) >= 0, "char " + c));
                assertEquals(s.getText(), TokenizerGrpc.newBlockingStub(t).decode(DecodeRequest.newBuilder()
                        .setVocabularyId(vocabularyId).addAllIds(s.getTokenIdsList()).build()).getText());
            }
        } finally {
            t.shutdownNow();
        }
    }

    @Test
    void anEmptyPromptStartsFromTokenZeroAndPromptIdsWork() {
        GenerateResponse empty = sampler.generate(request(SMALL).setMaxNewTokens(30).setSeed(5).build());
        GenerateResponse zero = sampler.generate(request(SMALL).addPromptIds(0).setMaxNewTokens(30).setSeed(5).build());
        assertEquals(0, empty.getPromptTokens());
        assertEquals(empty.getSamples(0).getText(), zero.getSamples(0).getText());
    }

    @Test
    void seedsReproduceAndDifferentSeedsDiffer() {
        GenerateRequest.Builder req = request(SMALL).setPrompt("First Citizen:\n").setMaxNewTokens(60)
                .setTemperature(0.9f).setTopP(0.95f);
        GenerateResponse a = sampler.generate(req.setSeed(42).build());
        assertEquals(42, a.getSeed());
        assertEquals(a.getSamples(0).getText(), sampler.generate(req.setSeed(42).build()).getSamples(0).getText());
        assertNotEquals(a.getSamples(0).getText(), sampler.generate(req.setSeed(43).build()).getSamples(0).getText());
        // without a seed, the one drawn is reported and reproduces the text
        GenerateResponse drawn = sampler.generate(req.clearSeed().build());
        assertEquals(drawn.getSamples(0).getText(),
                sampler.generate(req.setSeed(drawn.getSeed()).build()).getSamples(0).getText());
    }

    @Test
    void topKOneEqualsGreedy() {
        GenerateRequest.Builder req = request(BIG).setPrompt("KING").setMaxNewTokens(50);
        GenerateResponse greedy = sampler.generate(req.setTemperature(0).setSeed(1).build());
        GenerateResponse topOne = sampler.generate(req.setTemperature(1.5f).setTopK(1).setSeed(2).build());
        assertEquals(greedy.getSamples(0).getTokenIdsList(), topOne.getSamples(0).getTokenIdsList());
    }

    @Test
    void contextShiftIsOptInDefaultsToHalfTheBlockAndChangesOnlyWhatComesAfterTheBlockFills() {
        GenerateRequest.Builder req = request(SMALL).setPrompt("ROMEO:").setMaxNewTokens(60).setTemperature(0);
        List<Integer> exact = sampler.generate(req.build()).getSamples(0).getTokenIdsList();
        List<Integer> halfByDefault = sampler.generate(req.setContextShift(ContextShift.getDefaultInstance()).build())
                .getSamples(0).getTokenIdsList();
        List<Integer> eight = sampler.generate(req.setContextShift(ContextShift.newBuilder().setTokens(8)).build())
                .getSamples(0).getTokenIdsList();
        assertEquals(eight, halfByDefault);
        // 6 prompt tokens, block 16: the first 11 tokens are predicted before the context is ever cut.
        assertEquals(exact.subList(0, 11), halfByDefault.subList(0, 11));
        assertNotEquals(exact, halfByDefault);
        List<Integer> one = sampler.generate(req.setContextShift(ContextShift.newBuilder().setTokens(1)).build())
                .getSamples(0).getTokenIdsList();
        assertNotEquals(halfByDefault, one);
    }

    @Test
    void theBigramIgnoresAContextShift() {
        GenerateRequest.Builder req = request(BIGRAM).setMaxNewTokens(40).setSeed(4);
        assertEquals(sampler.generate(req.build()).getSamples(0).getTokenIdsList(),
                sampler.generate(req.setContextShift(ContextShift.newBuilder().setTokens(100)).build())
                        .getSamples(0).getTokenIdsList());
    }

    @Test
    void aContextShiftOutsideTheBlockIsRefusedNamingTheField() {
        for (int tokens : new int[] {16, -2}) {
            GenerateRequest req = request(SMALL).setMaxNewTokens(5)
                    .setContextShift(ContextShift.newBuilder().setTokens(tokens)).build();
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> sampler.generate(req));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
            assertEquals(tokens > 0
                    ? "context_shift.tokens must be 0 (half the block) or in 1..15 for this model (block_size 16), got 16"
                    : "context_shift.tokens must be 0 (half the block) or in 1..block_size-1, got -2",
                    e.getStatus().getDescription());
        }
    }

    @Test
    void aStopSequenceCutsTheTextAndFinishesWithStop() {
        GenerateRequest.Builder req = request(SMALL).setPrompt("A").setMaxNewTokens(100).setSeed(11);
        String free = sampler.generate(req.build()).getSamples(0).getText();
        String stop = free.substring(40, 43);
        GenerateResponse stopped = sampler.generate(req.addStop(stop).addStop("never-there").build());
        assertEquals(FinishReason.FINISH_REASON_STOP, stopped.getSamples(0).getFinishReason());
        assertEquals(free.substring(0, free.indexOf(stop)), stopped.getSamples(0).getText());
    }

    @Test
    void theStreamSendsEachPieceThenTheFinishReasons() {
        GenerateRequest req = request(SMALL).setPrompt("B").setMaxNewTokens(40).setNumSamples(3).setSeed(8).build();
        GenerateResponse unary = sampler.generate(req);
        List<StringBuilder> texts = List.of(new StringBuilder(), new StringBuilder(), new StringBuilder());
        List<List<Integer>> ids = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        List<GenerateStreamResponse> messages = new ArrayList<>();
        sampler.generateStream(req).forEachRemaining(messages::add);
        GenerateStreamResponse last = messages.remove(messages.size() - 1);
        for (GenerateStreamResponse m : messages) {
            assertEquals(0, m.getFinishReasonsCount());
            assertEquals(1, m.getTokenIdsCount());
            texts.get(m.getSampleIndex()).append(m.getText());
            ids.get(m.getSampleIndex()).addAll(m.getTokenIdsList());
        }
        assertEquals(3 * 40, messages.size());
        assertEquals(List.of(FinishReason.FINISH_REASON_LENGTH, FinishReason.FINISH_REASON_LENGTH,
                FinishReason.FINISH_REASON_LENGTH), last.getFinishReasonsList());
        assertEquals(8, last.getSeed());
        assertEquals(1, last.getVersion());
        for (int i = 0; i < 3; i++) {
            assertEquals(unary.getSamples(i).getText(), texts.get(i).toString());
            assertEquals(unary.getSamples(i).getTokenIdsList(), ids.get(i));
        }
    }

    static Stream<Arguments> badRequests() {
        return Stream.of(
                bad("model", b -> b.setModel(""), "model is required"),
                bad("version", b -> b.setVersion(-1), "version must be 0 (latest) or a positive"),
                bad("temperature negative", b -> b.setTemperature(-0.5f), "temperature must be 0 (greedy) or in (0, 100], got -0.5"),
                bad("temperature NaN", b -> b.setTemperature(Float.NaN), "temperature must be 0 (greedy) or in (0, 100], got NaN"),
                bad("temperature infinite", b -> b.setTemperature(Float.POSITIVE_INFINITY), "temperature must be 0 (greedy) or in (0, 100], got Infinity"),
                bad("top_k", b -> b.setTopK(-1), "top_k must be 0 (off) or positive, got -1"),
                bad("top_p zero", b -> b.setTopP(0f), "top_p must be in (0, 1] (1 turns it off), got 0.0"),
                bad("top_p above one", b -> b.setTopP(1.5f), "top_p must be in (0, 1] (1 turns it off), got 1.5"),
                bad("top_p NaN", b -> b.setTopP(Float.NaN), "top_p must be in (0, 1] (1 turns it off), got NaN"),
                bad("num_samples zero", b -> b.setNumSamples(0), "num_samples must be in 1..16, got 0"),
                bad("num_samples too many", b -> b.setNumSamples(17), "num_samples must be in 1..16, got 17"),
                bad("max_new_tokens zero", b -> b.setMaxNewTokens(0), "max_new_tokens must be in 1..4096, got 0"),
                bad("max_new_tokens over cap", b -> b.setMaxNewTokens(4097), "max_new_tokens must be in 1..4096, got 4097"),
                bad("stop too many", b -> b.addStop("a").addStop("b").addStop("c").addStop("d").addStop("e"),
                        "stop allows at most 4 sequences, got 5"),
                bad("stop empty", b -> b.addStop(""), "stop[0] must be 1..256 characters long, got 0"),
                bad("stop too long", b -> b.addStop("x".repeat(257)), "stop[0] must be 1..256 characters long, got 257"),
                bad("prompt too long", b -> b.setPrompt("a".repeat(1_000_001)),
                        "prompt must be at most 1000000 characters (or prompt_ids as many ids), got 1000001"),
                bad("prompt and prompt_ids", b -> b.setPrompt("A").addPromptIds(1), "prompt and prompt_ids are mutually exclusive"),
                bad("prompt_ids negative", b -> b.addPromptIds(-3), "prompt_ids[0] is -3; ids are 0..vocab_size-1"),
                bad("prompt_ids beyond vocabulary", b -> b.addPromptIds(1).addPromptIds(65), "prompt_ids[1] is 65; this model's ids are 0..64"),
                bad("prompt outside vocabulary", b -> b.setPrompt("naïve"), "prompt cannot be encoded with the model's vocabulary"));
    }

    private static Arguments bad(String name, UnaryOperator<GenerateRequest.Builder> change, String sentence) {
        return Arguments.of(name, change, sentence);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void badParametersAreRefusedNamingTheField(String name, UnaryOperator<GenerateRequest.Builder> change,
                                               String sentence) {
        GenerateRequest req = change.apply(request(SMALL).setMaxNewTokens(5)).build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> sampler.generate(req));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().startsWith(sentence), e.getStatus().getDescription());
    }

    @Test
    void unknownModelsAndVersionsAreNotFound() {
        StatusRuntimeException model = assertThrows(StatusRuntimeException.class,
                () -> sampler.generate(request("nope").build()));
        assertEquals(Status.Code.NOT_FOUND, model.getStatus().getCode());
        assertTrue(model.getStatus().getDescription().startsWith("model nope is not in the model store (models: "),
                model.getStatus().getDescription());
        StatusRuntimeException version = assertThrows(StatusRuntimeException.class,
                () -> sampler.generate(request(SMALL).setVersion(9).build()));
        assertEquals(Status.Code.NOT_FOUND, version.getStatus().getCode());
        assertEquals("model shakespeare has no version 9 (versions in the store: 1)", version.getStatus().getDescription());
        // a name that is no model does not become a metrics series of its own
        assertTrue(meters.find(SamplerMetrics.REQUESTS).tag("model", "nope").counters().isEmpty());
        assertTrue(meters.find(SamplerMetrics.REQUESTS).tag("model", "unknown").tag("outcome", "not_found")
                .counter().count() >= 1);
    }

    private double active(String model) {
        Gauge g = meters.find(SamplerMetrics.ACTIVE).tag("model", model).gauge();
        return g == null ? 0 : g.value();
    }

    private double tokensGenerated(String model) {
        var c = meters.find(SamplerMetrics.TOKENS).tag("model", model).counters();
        return c.stream().mapToDouble(x -> x.count()).sum();
    }

    /** Polls a condition that the service reaches asynchronously; fails after the limit. */
    private static void await(String what, long limitMillis, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + limitMillis * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("not within " + limitMillis + " ms: " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void aClientCancelStopsTheGeneration() throws Exception {
        await("no generation running", 30_000, () -> active(BIG) == 0);
        Context.CancellableContext call = Context.current().withCancellation();
        Iterator<GenerateStreamResponse> stream = call.call(() -> sampler.generateStream(
                request(BIG).setMaxNewTokens(4096).setPrompt("A").build()));
        for (int i = 0; i < 300; i++) { // well past block_size 256, where each step re-prefills
            stream.next();
        }
        assertEquals(1.0, active(BIG));
        call.cancel(null);
        await("the generation stops after the cancel", 5_000, () -> active(BIG) == 0);
        double tokens = tokensGenerated(BIG);
        Thread.sleep(300);
        assertEquals(tokens, tokensGenerated(BIG), "tokens still being generated after the cancel");
        assertTrue(tokens < 1000, "generated " + tokens + " tokens");
        // other calls on the same connection are unaffected by the cancelled one
        assertEquals(3, sampler.generate(request(SMALL).setMaxNewTokens(3).build()).getSamples(0).getTokenIdsCount());
    }

    @Test
    void aPassedDeadlineStopsTheGeneration() throws Exception {
        await("no generation running", 30_000, () -> active(BIG) == 0);
        double before = tokensGenerated(BIG);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> SamplerGrpc.newBlockingStub(channel)
                .withDeadlineAfter(1500, TimeUnit.MILLISECONDS)
                .generate(request(BIG).setMaxNewTokens(4096).setPrompt("A").build()));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        await("the generation stops at the deadline", 5_000, () -> active(BIG) == 0);
        double tokens = tokensGenerated(BIG);
        assertTrue(tokens > before, "the generation had started");
        Thread.sleep(300);
        assertEquals(tokens, tokensGenerated(BIG));
        assertEquals(3, sampler.generate(request(SMALL).setMaxNewTokens(3).build()).getSamples(0).getTokenIdsCount());
    }

    @Test
    void beyondTheConcurrencyLimitRequestsAreRefusedAtOnce() throws Exception {
        await("no generation running", 30_000, () -> active(BIG) == 0 && active(SMALL) == 0);
        Context.CancellableContext calls = Context.current().withCancellation();
        try {
            GenerateRequest longOne = request(BIG).setMaxNewTokens(4096).build();
            Iterator<GenerateStreamResponse> first = calls.call(() -> sampler.generateStream(longOne));
            Iterator<GenerateStreamResponse> second = calls.call(() -> sampler.generateStream(longOne));
            first.next();
            second.next();
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> sampler.generate(request(SMALL).setMaxNewTokens(5).build()));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
            assertEquals("the sampler is already running 2 generations (scratchgpt.sampler.max-concurrent);"
                    + " retry shortly", e.getStatus().getDescription());
        } finally {
            calls.cancel(null);
        }
        await("both stop", 5_000, () -> active(BIG) == 0);
        assertEquals(5, sampler.generate(request(SMALL).setMaxNewTokens(5).build()).getSamples(0).getTokenIdsCount());
    }

    @Test
    void aNewVersionIsServedWithoutRestartWhileInFlightWorkFinishesOnTheOld() throws Exception {
        GenerateRequest longOne = request(HOT).setMaxNewTokens(600).setPrompt("Z").build();
        Iterator<GenerateStreamResponse> inFlight = sampler.generateStream(longOne);
        GenerateStreamResponse firstPiece = inFlight.next();
        assertEquals(1, firstPiece.getVersion());

        TestModels.publish(store, HOT, ModelType.GPT, SamplerTestResource.bigConfig(), vocabularyId, 40);
        await("version 2 is served", 10_000,
                () -> sampler.generate(request(HOT).setMaxNewTokens(1).build()).getVersion() == 2);

        int tokens = 1;
        GenerateStreamResponse m = firstPiece;
        while (inFlight.hasNext()) {
            m = inFlight.next();
            assertEquals(1, m.getVersion());
            tokens += m.getTokenIdsCount();
        }
        assertEquals(List.of(FinishReason.FINISH_REASON_LENGTH), m.getFinishReasonsList());
        assertEquals(600, tokens);
        ModelInfo hot = model(HOT);
        assertEquals(2, hot.getLatestVersion());
        assertEquals(ModelState.MODEL_STATE_READY, hot.getVersions(1).getState());
        assertEquals(ModelState.MODEL_STATE_AVAILABLE, hot.getVersions(0).getState()); // unloaded once its work ended
    }

    /** Publishes version 2 of a model into a scratch store, damages it there, then moves it into place at once. */
    private void addVersionTwo(String name, String vocabulary, boolean tamper) throws IOException {
        Path scratch = Files.createTempDirectory("scratch-store");
        TestModels.publish(scratch, name, ModelType.GPT, TestModels.smallGpt(65, SamplerTestResource.BLOCK), vocabulary, 1);
        TestModels.publish(scratch, name, ModelType.GPT, TestModels.smallGpt(65, SamplerTestResource.BLOCK), vocabulary, 2);
        Path onnx = scratch.resolve(name).resolve("2").resolve("model.onnx");
        if (tamper) {
            byte[] bytes = Files.readAllBytes(onnx);
            bytes[bytes.length - 10] ^= 0x01; // a flipped bit inside the last weights
            Files.write(onnx, bytes);
        }
        Files.move(scratch.resolve(name).resolve("2"), store.resolve(name).resolve("2"), StandardCopyOption.ATOMIC_MOVE);
    }

    private ModelInfo model(String name) {
        return sampler.listModels(ListModelsRequest.getDefaultInstance()).getModelsList().stream()
                .filter(m -> m.getName().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aVersionWhoseFileDoesNotMatchItsSha256IsRefusedAndThePreviousKeepsServing() throws Exception {
        assertEquals(1, sampler.generate(request(TAMPER).setMaxNewTokens(3).build()).getVersion());
        addVersionTwo(TAMPER, vocabularyId, true);
        await("version 2 refused", 10_000, () -> model(TAMPER).getVersionsCount() == 2
                && model(TAMPER).getVersions(1).getState() == ModelState.MODEL_STATE_FAILED);
        assertTrue(model(TAMPER).getVersions(1).getError().contains("has sha256"), model(TAMPER).getVersions(1).getError());
        assertEquals(1, sampler.generate(request(TAMPER).setMaxNewTokens(3).build()).getVersion());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> sampler.generate(request(TAMPER).setVersion(2).setMaxNewTokens(3).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("model tamper version 2: model.onnx has sha256 "),
                e.getStatus().getDescription());
    }

    @Test
    void aVersionWhoseVocabularyTheTokenizerDoesNotKnowIsRefused() throws Exception {
        assertEquals(1, sampler.generate(request(STRANGER).setMaxNewTokens(3).build()).getVersion());
        addVersionTwo(STRANGER, "0".repeat(64), false);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> sampler.generate(request(STRANGER).setVersion(2).setMaxNewTokens(3).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        assertEquals("model stranger version 2 uses vocabulary " + "0".repeat(64) + ", which the tokenizer service"
                + " does not know; create that vocabulary in the tokenizer (or point the sampler at the tokenizer"
                + " that has it) and load the version again", e.getStatus().getDescription());
        assertEquals(1, sampler.generate(request(STRANGER).setMaxNewTokens(3).build()).getVersion());
    }

    @Test
    void listModelsSummarisesEveryVersion() {
        ModelVersion v = model(SMALL).getVersions(0);
        assertEquals(1, v.getVersion());
        assertEquals("gpt", v.getModelType());
        assertEquals(vocabularyId, v.getVocabularyId());
        assertEquals(65, v.getVocabSize());
        assertEquals(16, v.getBlockSize());
        assertEquals(2, v.getNLayer());
        assertTrue(v.getSha256().matches("[0-9a-f]{64}"));
        assertTrue(v.getNumParameters() > 0);
        assertEquals("bigram", model(BIGRAM).getVersions(0).getModelType());
    }

    @Test
    void loadAndUnloadControlMemory() {
        ModelVersion loaded = sampler.loadModel(LoadModelRequest.newBuilder().setModel(BIGRAM).build());
        assertEquals(ModelState.MODEL_STATE_READY, loaded.getState());
        assertEquals("cpu", loaded.getDevice());
        assertEquals(ModelState.MODEL_STATE_READY, model(BIGRAM).getVersions(0).getState());
        ModelVersion unloaded = sampler.unloadModel(UnloadModelRequest.newBuilder().setModel(BIGRAM).setVersion(1).build());
        assertEquals(ModelState.MODEL_STATE_AVAILABLE, unloaded.getState());
        assertEquals(ModelState.MODEL_STATE_AVAILABLE, model(BIGRAM).getVersions(0).getState());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> sampler.loadModel(LoadModelRequest.newBuilder().setModel(BIGRAM).setVersion(-2).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("version must be 0 (latest) or a positive version number, got -2", e.getStatus().getDescription());
        // it loads again on use
        assertFalse(sampler.generate(request(BIGRAM).setMaxNewTokens(4).build()).getSamples(0).getText().isEmpty());
    }
}
