package dev.scratchgpt.sampler;

import dev.scratchgpt.onnx.ModelType;
import dev.scratchgpt.sampler.v1.GenerateRequest;
import dev.scratchgpt.sampler.v1.GenerateResponse;
import dev.scratchgpt.sampler.v1.ListModelsRequest;
import dev.scratchgpt.sampler.v1.ModelState;
import dev.scratchgpt.sampler.v1.SamplerGrpc;
import dev.scratchgpt.testing.ServiceProcess;
import dev.scratchgpt.tokenizer.v1.CreateVocabularyRequest;
import dev.scratchgpt.tokenizer.v1.TokenizerGrpc;
import dev.scratchgpt.tokenizer.v1.Vocabulary;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #7: stop the real tokenizer while the sampler is busy. What needs it answers UNAVAILABLE
 * with a sentence within the caller's deadline, after retries; what has its vocabulary cached and
 * passes raw ids keeps working; when the tokenizer is back on the same port the sampler recovers
 * without a restart.
 */
class TokenizerOutageIT {

    /** "N attempts in M ms": the gateway's retries, reported in the sentence. */
    static final Pattern ATTEMPTS = Pattern.compile("(\\d+) attempts in \\d+ ms");

    @Test
    void theSamplerAnswersUnavailableWhileTheTokenizerIsDownAndRecoversWhenItReturns() throws Exception {
        try (SamplerWorld world = new SamplerWorld()) {
            Vocabulary small;
            ManagedChannel t = world.tokenizer.channel();
            try {
                small = TokenizerGrpc.newBlockingStub(t).createVocabulary(CreateVocabularyRequest.newBuilder()
                        .setText("the quick brown fox jumps over the lazy dog\n").build());
            } finally {
                t.shutdownNow();
            }
            TestModels.publish(world.store, "warm", ModelType.GPT, TestModels.smallGpt(65, SamplerTestResource.BLOCK),
                    world.vocabularyId, 1);
            TestModels.publish(world.store, "big", ModelType.GPT, SamplerTestResource.bigConfig(), world.vocabularyId, 2);
            TestModels.publish(world.store, "cold", ModelType.GPT,
                    TestModels.smallGpt(small.getSize(), SamplerTestResource.BLOCK), small.getVocabularyId(), 3);
            ServiceProcess sampler = world.startSampler(Map.of("scratchgpt.sampler.tokenizer-timeout", "3s"));
            ManagedChannel channel = sampler.channel();
            try {
                // Before the outage: the course's vocabulary is fetched and cached with the first loads.
                assertEquals(5, generate(channel, 10, GenerateRequest.newBuilder().setModel("warm")
                        .setPrompt("ROMEO:").setMaxNewTokens(5)).getSamples(0).getTokenIdsCount());
                generate(channel, 30, GenerateRequest.newBuilder().setModel("big").setPrompt("KING").setMaxNewTokens(1));
                // Busy: a generation from raw ids that runs through the outage (past block_size, a few seconds).
                SamplerWorld.RecordedStream busy = SamplerWorld.RecordedStream.open(channel, GenerateRequest.newBuilder()
                        .setModel("big").addPromptIds(1).addPromptIds(2).setMaxNewTokens(600).build());
                assertTrue(busy.firstPiece.await(30, TimeUnit.SECONDS));

                world.tokenizer.terminate();
                assertFalse(busy.hasEnded(), "the busy generation ended before the tokenizer stopped: make it longer");

                // Prompt text needs the tokenizer: UNAVAILABLE with a sentence before the caller's 2 s deadline.
                StatusRuntimeException encode = assertThrows(StatusRuntimeException.class, () -> generate(channel, 2,
                        GenerateRequest.newBuilder().setModel("warm").setPrompt("ROMEO:").setMaxNewTokens(5)));
                assertEquals(Status.Code.UNAVAILABLE, encode.getStatus().getCode(), encode.getStatus().toString());
                String sentence = encode.getStatus().getDescription();
                assertTrue(sentence.startsWith("the tokenizer service failed while encoding the prompt (UNAVAILABLE"),
                        sentence);
                assertTrue(sentence.endsWith("; try again when it is reachable"), sentence);
                assertRetried(sentence);

                // Raw ids on a model whose vocabulary is cached: no tokenizer needed.
                GenerateResponse raw = generate(channel, 10, GenerateRequest.newBuilder().setModel("warm")
                        .addPromptIds(20).addPromptIds(21).setMaxNewTokens(7));
                assertEquals(7, raw.getSamples(0).getTokenIdsCount());
                assertEquals(7, raw.getSamples(0).getText().length(), "decoded locally from the cached vocabulary");

                // Loading a model whose vocabulary was never fetched needs the tokenizer.
                StatusRuntimeException load = assertThrows(StatusRuntimeException.class, () -> generate(channel, 2,
                        GenerateRequest.newBuilder().setModel("cold").addPromptIds(0).setMaxNewTokens(3)));
                assertEquals(Status.Code.UNAVAILABLE, load.getStatus().getCode(), load.getStatus().toString());
                assertTrue(load.getStatus().getDescription().startsWith("the tokenizer service failed while fetching"
                        + " vocabulary " + small.getVocabularyId() + " (UNAVAILABLE"), load.getStatus().getDescription());
                assertRetried(load.getStatus().getDescription());

                busy.awaitEnd(120);
                assertNull(busy.error, () -> "the generation from raw ids failed during the outage: " + busy.error);
                assertEquals(600, busy.tokens());

                // The tokenizer returns on the same port (same data): the sampler finds it by itself.
                try (ServiceProcess back = ServiceProcess.start("tokenizer-service", world.tokenizer.dataDir(),
                        world.tokenizer.port(), Map.of())) {
                    assertEquals(5, generate(channel, 30, GenerateRequest.newBuilder().setModel("warm")
                            .setPrompt("ROMEO:").setMaxNewTokens(5)).getSamples(0).getTokenIdsCount());
                    assertEquals(1, generate(channel, 30, GenerateRequest.newBuilder().setModel("cold")
                            .setPrompt("the fox").setMaxNewTokens(3)).getVersion());
                    assertEquals(List.of(ModelState.MODEL_STATE_READY), SamplerGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(10, TimeUnit.SECONDS).listModels(ListModelsRequest.getDefaultInstance())
                            .getModelsList().stream().filter(m -> m.getName().equals("cold"))
                            .map(m -> m.getVersions(0).getState()).toList());
                }
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private static GenerateResponse generate(ManagedChannel channel, int deadlineSeconds, GenerateRequest.Builder request) {
        return SamplerGrpc.newBlockingStub(channel).withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS)
                .generate(request.build());
    }

    private static void assertRetried(String sentence) {
        Matcher m = ATTEMPTS.matcher(sentence);
        assertTrue(m.find(), sentence);
        assertTrue(Integer.parseInt(m.group(1)) >= 2, "no retry: " + sentence);
    }
}
