package dev.scratchgpt.sampler;

import dev.scratchgpt.onnx.ModelType;
import dev.scratchgpt.sampler.v1.FinishReason;
import dev.scratchgpt.sampler.v1.GenerateRequest;
import dev.scratchgpt.sampler.v1.SamplerGrpc;
import dev.scratchgpt.testing.ServiceProcess;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * SIGTERM to the packaged sampler with generations in flight: within the grace period they
 * finish while health says NOT_SERVING and new calls get UNAVAILABLE; past it they end with
 * UNAVAILABLE and a sentence. Either way the process exits as a JVM does on SIGTERM.
 */
class SamplerShutdownIT {

    static final String MODEL = "big";
    /** How a JVM exits after SIGTERM once its shutdown hooks have run (128 + 15); 0 if the app exits itself. */
    static final Set<Integer> CLEAN_EXIT = Set.of(0, 143);

    static SamplerWorld world;

    @BeforeAll
    static void start() {
        world = new SamplerWorld();
        TestModels.publish(world.store, MODEL, ModelType.GPT, SamplerTestResource.bigConfig(), world.vocabularyId, 3);
    }

    @AfterAll
    static void stop() {
        if (world != null) {
            world.close();
        }
    }

    private static List<SamplerWorld.RecordedStream> startStreams(ManagedChannel channel, int n, int newTokens)
            throws InterruptedException {
        List<SamplerWorld.RecordedStream> streams = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            streams.add(SamplerWorld.RecordedStream.open(channel, GenerateRequest.newBuilder().setModel(MODEL)
                    .setPrompt("KING").setMaxNewTokens(newTokens).setSeed(i).build()));
        }
        for (SamplerWorld.RecordedStream s : streams) {
            assertTrue(s.firstPiece.await(60, TimeUnit.SECONDS), "a stream produced nothing");
            assertNull(s.error, () -> "a stream failed at once: " + s.error);
        }
        return streams;
    }

    private static ServingStatus health(ManagedChannel channel) {
        return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    }

    private static int exitCode(ServiceProcess sampler) throws InterruptedException {
        if (!sampler.process().waitFor(60, TimeUnit.SECONDS)) {
            fail("the sampler did not exit within 60 s of SIGTERM; log " + sampler.log());
        }
        return sampler.process().exitValue();
    }

    @Test
    void generationsInFlightFinishWhileNewCallsAreTurnedAway() throws Exception {
        ServiceProcess sampler = world.startSampler(Map.of("scratchgpt.sampler.shutdown-grace", "60s"));
        ManagedChannel channel = sampler.channel();
        try {
            // Past block_size (256) each step re-prefills the window: a few seconds for both, on 2 cores.
            int newTokens = 360;
            List<SamplerWorld.RecordedStream> streams = startStreams(channel, 2, newTokens);
            sampler.process().destroy(); // SIGTERM
            assertTrue(streams.stream().noneMatch(SamplerWorld.RecordedStream::hasEnded),
                    "a stream had ended before SIGTERM: make them longer");

            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (health(channel) != ServingStatus.NOT_SERVING) {
                assertTrue(System.nanoTime() < end, "health never turned NOT_SERVING");
                Thread.sleep(20);
            }
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> SamplerGrpc
                    .newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .generate(GenerateRequest.newBuilder().setModel(MODEL).setMaxNewTokens(3).build()));
            assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
            assertEquals("the sampler is shutting down and takes no new generations; retry on another replica"
                    + " or once it has restarted", refused.getStatus().getDescription());
            // (Answered with that sentence at all, the server was still draining: once it is done it closes.)

            for (SamplerWorld.RecordedStream s : streams) {
                s.awaitEnd(120);
                assertNull(s.error, () -> "a stream in flight failed during the drain: " + s.error);
                assertEquals(newTokens, s.tokens());
                assertEquals(List.of(FinishReason.FINISH_REASON_LENGTH), s.last().getFinishReasonsList());
            }
            int code = exitCode(sampler);
            assertTrue(CLEAN_EXIT.contains(code), "exit code " + code);
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void pastTheGracePeriodGenerationsEndWithUnavailableAndASentence() throws Exception {
        ServiceProcess sampler = world.startSampler(Map.of("scratchgpt.sampler.shutdown-grace", "1s"));
        ManagedChannel channel = sampler.channel();
        try {
            List<SamplerWorld.RecordedStream> streams = startStreams(channel, 2, 4096);
            sampler.process().destroy(); // SIGTERM

            for (SamplerWorld.RecordedStream s : streams) {
                s.awaitEnd(60);
                assertTrue(s.error != null, "a 4096-token generation finished within a 1 s grace period");
                assertEquals(Status.Code.UNAVAILABLE, s.error.getCode(), s.error.toString());
                assertEquals("the sampler shut down before this generation finished (it ran past the shutdown"
                        + " grace period, scratchgpt.sampler.shutdown-grace); retry it", s.error.getDescription());
                assertTrue(s.tokens() < 4096);
            }
            int code = exitCode(sampler);
            assertTrue(CLEAN_EXIT.contains(code), "exit code " + code);
        } finally {
            channel.shutdownNow();
        }
    }
}
