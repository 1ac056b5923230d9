package dev.scratchgpt.sampler;

import dev.scratchgpt.onnx.ModelType;
import dev.scratchgpt.sampler.v1.FinishReason;
import dev.scratchgpt.sampler.v1.GenerateRequest;
import dev.scratchgpt.sampler.v1.GenerateStreamResponse;
import dev.scratchgpt.sampler.v1.ListModelsRequest;
import dev.scratchgpt.sampler.v1.ModelInfo;
import dev.scratchgpt.sampler.v1.ModelState;
import dev.scratchgpt.sampler.v1.SamplerGrpc;
import dev.scratchgpt.testing.ServiceProcess;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue #7 "hot-swap a model version while 32 streams are generating: none fails", against the
 * packaged sampler: a good new version takes over for new requests while the 32 finish on the
 * version they started with; a corrupt one (sha256 mismatch) is refused while the previous serves on.
 */
class SamplerHotSwapIT {

    static final int STREAMS = 32;
    /** Long enough that every stream is still running when the swap has been seen (asserted below). */
    static final int NEW_TOKENS = 1000;
    static final String MODEL = "swap";

    static SamplerWorld world;
    static ServiceProcess sampler;
    /** The 32 streams share one connection; probes use another (see {@link #blocking()}). */
    static ManagedChannel channel;
    static ManagedChannel probe;

    @BeforeAll
    static void start() {
        world = new SamplerWorld();
        TestModels.publish(world.store, MODEL, ModelType.GPT, TestModels.smallGpt(65, SamplerTestResource.BLOCK),
                world.vocabularyId, 1);
        sampler = world.startSampler(Map.of("scratchgpt.sampler.max-concurrent", String.valueOf(STREAMS + 4)));
        channel = sampler.channel();
        probe = sampler.channel();
    }

    @AfterAll
    static void stop() {
        if (channel != null) {
            channel.shutdownNow();
            probe.shutdownNow();
        }
        if (world != null) {
            world.close();
        }
    }

    /**
     * Calls that observe the swap go over their own connection: the server writes each connection's
     * messages in order on one event loop, and with 32 streams on two cores an answer queued behind
     * their pieces arrives seconds late.
     */
    private static SamplerGrpc.SamplerBlockingStub blocking() {
        return SamplerGrpc.newBlockingStub(probe).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static int versionServedNow() {
        return blocking().generate(GenerateRequest.newBuilder().setModel(MODEL).setMaxNewTokens(1).build()).getVersion();
    }

    /**
     * Opens the streams and returns once all of them generate on {@code version} (the sampler's
     * active-generations gauge): their first messages can queue for seconds behind the others'.
     */
    private static List<SamplerWorld.RecordedStream> startStreams(int version) throws InterruptedException {
        List<SamplerWorld.RecordedStream> streams = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) {
            streams.add(SamplerWorld.RecordedStream.open(channel, GenerateRequest.newBuilder().setModel(MODEL)
                    .setPrompt("ROMEO:").setMaxNewTokens(NEW_TOKENS).setSeed(i).build()));
        }
        await(STREAMS + " generations running on version " + version, 60_000,
                () -> SamplerWorld.activeGenerations(sampler, MODEL, version) == STREAMS);
        return streams;
    }

    /** Every stream ended normally, with all its tokens, each message on the version it started with. */
    private static void assertAllFinishedOn(List<SamplerWorld.RecordedStream> streams, int version)
            throws InterruptedException {
        for (SamplerWorld.RecordedStream s : streams) {
            s.awaitEnd(180);
            assertTrue(s.messages.size() > 1, "the stream sent no pieces");
            assertNull(s.error, () -> "a stream failed: " + s.error);
            for (GenerateStreamResponse m : s.messages) {
                assertEquals(version, m.getVersion());
            }
            assertEquals(List.of(FinishReason.FINISH_REASON_LENGTH), s.last().getFinishReasonsList());
            assertEquals(version, s.last().getVersion(), "the final message names the version");
            assertEquals(NEW_TOKENS, s.tokens());
        }
    }

    private static void assertNoneEnded(List<SamplerWorld.RecordedStream> streams, String when) {
        long ended = streams.stream().filter(SamplerWorld.RecordedStream::hasEnded).count();
        assertEquals(0, ended, () -> ended + " streams had already ended " + when + " (first error: " + streams.stream()
                .map(s -> s.error).filter(java.util.Objects::nonNull).findFirst().orElse(null) + ", tokens: "
                + streams.get(0).tokens() + "): make NEW_TOKENS larger");
    }

    /** The swap is seen a little later than it happens (streams end unevenly): some must still be running then. */
    private static void assertSomeRunning(List<SamplerWorld.RecordedStream> streams, String when) {
        assertTrue(streams.stream().anyMatch(s -> !s.hasEnded()), "every stream had ended " + when
                + ": make NEW_TOKENS larger");
    }

    private static ModelInfo model() {
        return blocking().listModels(ListModelsRequest.getDefaultInstance()).getModelsList().stream()
                .filter(m -> m.getName().equals(MODEL)).findFirst().orElseThrow();
    }

    private static void await(String what, long limitMillis, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + limitMillis * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("not within " + limitMillis + " ms: " + what);
            }
            Thread.sleep(50);
        }
    }

    @Test
    void thirtyTwoStreamsFinishOnTheirVersionWhileANewOneTakesOverOrIsRefused() throws Exception {
        assertEquals(1, versionServedNow());

        // A good version 2 is published while 32 streams run on version 1.
        List<SamplerWorld.RecordedStream> onOne = startStreams(1);
        TestModels.publish(world.store, MODEL, ModelType.GPT, TestModels.smallGpt(65, SamplerTestResource.BLOCK),
                world.vocabularyId, 2);
        assertNoneEnded(onOne, "when version 2 was published");
        await("requests started after the swap get version 2", 30_000, () -> versionServedNow() == 2);
        assertSomeRunning(onOne, "when version 2 took over");
        assertAllFinishedOn(onOne, 1);
        await("version 1 is unloaded once its streams have finished", 10_000,
                () -> model().getVersions(0).getState() == ModelState.MODEL_STATE_AVAILABLE);

        // A corrupt version 3 (made aside, then moved in atomically as the store publishes) while 32 streams run on version 2.
        Path scratch = Files.createTempDirectory("scratch-store");
        for (int v = 1; v <= 3; v++) {
            TestModels.publish(scratch, MODEL, ModelType.GPT, TestModels.smallGpt(65, SamplerTestResource.BLOCK),
                    world.vocabularyId, 10 + v);
        }
        Path onnx = scratch.resolve(MODEL).resolve("3").resolve("model.onnx");
        byte[] bytes = Files.readAllBytes(onnx);
        bytes[bytes.length - 10] ^= 0x01; // one flipped bit in the last weights
        Files.write(onnx, bytes);
        List<SamplerWorld.RecordedStream> onTwo = startStreams(2);
        Files.move(scratch.resolve(MODEL).resolve("3"), world.store.resolve(MODEL).resolve("3"),
                StandardCopyOption.ATOMIC_MOVE);
        assertNoneEnded(onTwo, "when version 3 was published");
        SamplerWorld.deleteTree(scratch);
        await("version 3 is refused", 30_000, () -> model().getVersionsCount() == 3
                && model().getVersions(2).getState() == ModelState.MODEL_STATE_FAILED);
        String refusal = model().getVersions(2).getError();
        assertTrue(refusal.contains("has sha256"), refusal);
        assertEquals(2, versionServedNow(), "the previous version keeps serving");
        assertSomeRunning(onTwo, "when version 3 was refused");
        assertAllFinishedOn(onTwo, 2);
        assertEquals(ModelState.MODEL_STATE_READY, model().getVersions(1).getState());
        assertTrue(sampler.process().isAlive(), "the sampler is still running");
    }
}
