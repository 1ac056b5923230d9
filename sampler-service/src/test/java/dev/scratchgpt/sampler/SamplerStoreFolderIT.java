package dev.scratchgpt.sampler;

import dev.scratchgpt.sampler.v1.GenerateRequest;
import dev.scratchgpt.sampler.v1.ListModelsRequest;
import dev.scratchgpt.sampler.v1.SamplerGrpc;
import dev.scratchgpt.testing.ServiceProcess;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged sampler over a store folder it cannot make: it starts, and says why in its log and in ListModels. */
class SamplerStoreFolderIT {

    @Test
    void aStoreFolderThatCannotBeMadeIsExplainedAtStartAndInListModels() throws Exception {
        Path blocker = Files.createTempFile("not-a-folder", ".txt");
        Path store = blocker.resolve("models");
        String why = "the model store folder " + store + " does not exist and cannot be created";
        try (ServiceProcess sampler = ServiceProcess.start("sampler-service", Map.of(
                "scratchgpt.sampler.store-dir", store.toString(), "scratchgpt.sampler.device", "cpu"))) {
            ManagedChannel channel = sampler.channel();
            try {
                var stub = SamplerGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
                StatusRuntimeException list = assertThrows(StatusRuntimeException.class,
                        () -> stub.listModels(ListModelsRequest.getDefaultInstance()));
                assertEquals(Status.Code.UNAVAILABLE, list.getStatus().getCode());
                String sentence = list.getStatus().getDescription();
                assertTrue(sentence.startsWith(why), sentence);
                assertTrue(sentence.endsWith("; set scratchgpt.sampler.store-dir (SCRATCHGPT_SAMPLER_STORE_DIR) or"
                        + " scratchgpt.data-dir (SCRATCHGPT_DATA_DIR) to a readable folder"), sentence);
                StatusRuntimeException generate = assertThrows(StatusRuntimeException.class,
                        () -> stub.generate(GenerateRequest.newBuilder().setModel("any").setMaxNewTokens(3).build()));
                assertEquals(Status.Code.UNAVAILABLE, generate.getStatus().getCode());
                assertTrue(generate.getStatus().getDescription().startsWith("model any cannot be looked up: " + why),
                        generate.getStatus().getDescription());
            } finally {
                channel.shutdownNow();
            }
            List<String> log = Files.readAllLines(sampler.log());
            assertTrue(log.stream().anyMatch(l -> l.contains("WARN") && l.contains(why)), String.join("\n", log));
            assertTrue(log.stream().noneMatch(l -> l.startsWith("\tat ")), "a stack trace in the log:\n"
                    + String.join("\n", log));
        } finally {
            Files.delete(blocker);
        }
    }
}
