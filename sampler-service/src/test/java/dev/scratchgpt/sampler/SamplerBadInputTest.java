package dev.scratchgpt.sampler;

import dev.scratchgpt.sampler.v1.ContextShift;
import dev.scratchgpt.sampler.v1.GenerateRequest;
import dev.scratchgpt.sampler.v1.GenerateStreamResponse;
import dev.scratchgpt.sampler.v1.ListModelsRequest;
import dev.scratchgpt.sampler.v1.LoadModelRequest;
import dev.scratchgpt.sampler.v1.SamplerGrpc;
import dev.scratchgpt.sampler.v1.UnloadModelRequest;
import dev.scratchgpt.testing.ServiceChecks;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.quarkus.test.common.QuarkusTestResource;
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
import java.util.Collections;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static dev.scratchgpt.sampler.SamplerTestResource.SMALL;
import static dev.scratchgpt.testing.BadInputCatalogue.assertAnswer;
import static dev.scratchgpt.testing.BadInputCatalogue.assertSurvived;
import static dev.scratchgpt.testing.BadInputCatalogue.row;
import static dev.scratchgpt.testing.BadInputCatalogue.statusOf;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * docs/bad-input.md, sampler table: the rows SamplerEndpointTest's badParametersAreRefusedNamingTheField
 * does not already cover (GenerateStream, enormous and non-finite numbers, unknown and huge names,
 * the model-control calls, sizes, calls without a deadline), each over real gRPC, then a check that
 * the sampler survived: health, a valid generation, no thread growth, no partial file in the store.
 */
@QuarkusTest
@QuarkusTestResource(SamplerTestResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SamplerBadInputTest {

    static final int MIB = 1024 * 1024;

    static ManagedChannel channel;
    static SamplerGrpc.SamplerBlockingStub sampler;
    static int threadsBefore;

    @BeforeAll
    static void connectAndWarmUp() {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        sampler = SamplerGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
        for (int i = 0; i < 3; i++) { // load the model and warm the generation threads before counting
            sampler.generate(small(b -> b.setPrompt("ROMEO:")));
            sampler.generateStream(small(b -> b.setPrompt("ROMEO:"))).forEachRemaining(r -> { });
        }
        threadsBefore = ServiceChecks.liveThreads();
    }

    @AfterAll
    static void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    static GenerateRequest small(UnaryOperator<GenerateRequest.Builder> change) {
        return change.apply(GenerateRequest.newBuilder().setModel(SMALL).setMaxNewTokens(5).setSeed(1)).build();
    }



    static Status generate(UnaryOperator<GenerateRequest.Builder> change) {
        return statusOf(() -> sampler.generate(small(change)));
    }

    static Status stream(UnaryOperator<GenerateRequest.Builder> change) {
        return statusOf(() -> {
            Iterator<GenerateStreamResponse> it = sampler.generateStream(small(change));
            it.forEachRemaining(r -> { });
        });
    }

    static Stream<Arguments> catalogue() {
        String huge = "m".repeat(MIB);
        Status.Code invalid = Status.Code.INVALID_ARGUMENT;
        return Stream.of(
                row("Generate model empty", invalid, "model is required", () -> generate(b -> b.setModel(""))),
                row("Generate model unknown", Status.Code.NOT_FOUND, "model nope is not in the model store", () -> generate(b -> b.setModel("nope"))),
                row("Generate model a path", Status.Code.NOT_FOUND, "is not in the model store", () -> generate(b -> b.setModel("../" + SMALL))),
                row("Generate model huge", Status.Code.NOT_FOUND, "characters left out", () -> generate(b -> b.setModel(huge))),
                row("Generate version enormous", Status.Code.NOT_FOUND, "has no version 2147483647", () -> generate(b -> b.setVersion(Integer.MAX_VALUE))),
                row("Generate version negative", invalid, "version must be 0 (latest) or a positive version number, got -2147483648",
                        () -> generate(b -> b.setVersion(Integer.MIN_VALUE))),
                row("Generate max_new_tokens negative", invalid, "max_new_tokens must be in 1..4096, got -1", () -> generate(b -> b.setMaxNewTokens(-1))),
                row("Generate max_new_tokens enormous", invalid, "max_new_tokens must be in 1..4096, got 2147483647",
                        () -> generate(b -> b.setMaxNewTokens(Integer.MAX_VALUE))),
                row("Generate num_samples negative", invalid, "num_samples must be in 1..16, got -4", () -> generate(b -> b.setNumSamples(-4))),
                row("Generate top_k negative", invalid, "top_k must be 0 (off) or positive, got -2147483648", () -> generate(b -> b.setTopK(Integer.MIN_VALUE))),
                row("Generate top_k enormous keeps every token", Status.Code.OK, "", () -> generate(b -> b.setTopK(Integer.MAX_VALUE))),
                row("Generate temperature -inf", invalid, "temperature must be 0 (greedy) or in (0, 100], got -Infinity",
                        () -> generate(b -> b.setTemperature(Float.NEGATIVE_INFINITY))),
                row("Generate temperature over 100", invalid, "temperature must be 0 (greedy) or in (0, 100], got 1000.0",
                        () -> generate(b -> b.setTemperature(1000f))),
                row("Generate top_p +inf", invalid, "top_p must be in (0, 1] (1 turns it off), got Infinity", () -> generate(b -> b.setTopP(Float.POSITIVE_INFINITY))),
                row("Generate top_p -inf", invalid, "top_p must be in (0, 1] (1 turns it off), got -Infinity", () -> generate(b -> b.setTopP(Float.NEGATIVE_INFINITY))),
                row("Generate seed negative is a seed", Status.Code.OK, "", () -> generate(b -> b.setSeed(Long.MIN_VALUE))),
                row("Generate prompt_ids over 1000000", invalid, "prompt must be at most 1000000 characters (or prompt_ids as many ids), got 1000001",
                        () -> generate(b -> b.addAllPromptIds(Collections.nCopies(1_000_001, 1)))),
                row("Generate prompt_ids enormous id", invalid, "prompt_ids[0] is 2147483647; this model's ids are 0..64",
                        () -> generate(b -> b.addPromptIds(Integer.MAX_VALUE))),
                row("Generate stop sequence huge", invalid, "stop[0] must be 1..256 characters long, got 1048576", () -> generate(b -> b.addStop(huge))),
                row("Generate context_shift.tokens negative", invalid, "context_shift.tokens must be 0 (half the block) or in 1..block_size-1, got -1",
                        () -> generate(b -> b.setContextShift(ContextShift.newBuilder().setTokens(-1)))),
                row("Generate context_shift.tokens enormous", invalid, "context_shift.tokens must be 0 (half the block) or in 1..15 for this model (block_size 16), got 2147483647",
                        () -> generate(b -> b.setContextShift(ContextShift.newBuilder().setTokens(Integer.MAX_VALUE)))),
                row("Generate message over 4 MiB names the field", invalid, "prompt must be at most 1000000 characters",
                        () -> generate(b -> b.setPrompt("a".repeat(5 * MIB)))),
                row("Generate message over the 16 MiB transport cap", Status.Code.RESOURCE_EXHAUSTED, "",
                        () -> generate(b -> b.setPrompt("a".repeat(16 * MIB + 1)))),
                row("Generate without a deadline at the max_new_tokens cap", Status.Code.OK, "",
                        () -> statusOf(() -> SamplerGrpc.newBlockingStub(channel).generate(small(b -> b.setMaxNewTokens(4096))))),
                row("GenerateStream temperature NaN", invalid, "temperature must be 0 (greedy) or in (0, 100], got NaN",
                        () -> stream(b -> b.setTemperature(Float.NaN))),
                row("GenerateStream model unknown", Status.Code.NOT_FOUND, "is not in the model store", () -> stream(b -> b.setModel("nope"))),
                row("GenerateStream stop too many", invalid, "stop allows at most 4 sequences, got 100",
                        () -> stream(b -> b.addAllStop(Collections.nCopies(100, "x")))),
                row("LoadModel model empty", invalid, "model is required",
                        () -> statusOf(() -> sampler.loadModel(LoadModelRequest.getDefaultInstance()))),
                row("LoadModel model unknown", Status.Code.NOT_FOUND, "is not in the model store",
                        () -> statusOf(() -> sampler.loadModel(LoadModelRequest.newBuilder().setModel("nope").build()))),
                row("LoadModel version negative", invalid, "version must be 0 (latest) or a positive version number, got -1",
                        () -> statusOf(() -> sampler.loadModel(LoadModelRequest.newBuilder().setModel(SMALL).setVersion(-1).build()))),
                row("LoadModel version unknown", Status.Code.NOT_FOUND, "has no version 99",
                        () -> statusOf(() -> sampler.loadModel(LoadModelRequest.newBuilder().setModel(SMALL).setVersion(99).build()))),
                row("UnloadModel model huge", Status.Code.NOT_FOUND, "characters left out",
                        () -> statusOf(() -> sampler.unloadModel(UnloadModelRequest.newBuilder().setModel(huge).build()))),
                row("UnloadModel model empty", invalid, "model is required",
                        () -> statusOf(() -> sampler.unloadModel(UnloadModelRequest.getDefaultInstance()))),
                row("ListModels without a deadline", Status.Code.OK, "",
                        () -> statusOf(() -> SamplerGrpc.newBlockingStub(channel).listModels(ListModelsRequest.getDefaultInstance()))));
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
        // Thirty-odd rows: a generation thread kept per row would break the bound.
        assertSurvived(channel, () -> assertEquals(5, sampler.generate(small(b -> b.setPrompt("ROMEO:")))
                        .getSamples(0).getTokenIdsCount()), threadsBefore,
                Path.of(ConfigProvider.getConfig().getValue("scratchgpt.sampler.store-dir", String.class)));
    }
}
