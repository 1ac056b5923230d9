package dev.scratchgpt.trainer.device;

import ai.djl.Device;
import dev.scratchgpt.trainer.TrainerError;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceResolverTest {

    @Test
    void autoFallsBackToCpuOnThisGpuLessMachine() {
        // the real engine: this machine has no GPU
        assertEquals(Device.cpu(), new DeviceResolver().resolve("auto"));
        assertEquals(Device.cpu(), new DeviceResolver().resolve(""));
    }

    @Test
    void cudaWithoutAGpuIsAFailedPreconditionSentence() {
        TrainerError e = assertThrows(TrainerError.class, () -> new DeviceResolver().resolve("cuda"));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.code());
        assertTrue(e.getMessage().contains("none on this machine"), e.getMessage());
    }

    @Test
    void withGpusAutoTakesTheFirstAndIndexesAreChecked() {
        DeviceResolver twoGpus = new DeviceResolver(() -> 2);
        assertEquals(Device.gpu(0), twoGpus.resolve("auto"));
        assertEquals(Device.gpu(1), twoGpus.resolve("cuda:1"));
        assertEquals(Status.Code.FAILED_PRECONDITION, assertThrows(TrainerError.class, () -> twoGpus.resolve("cuda:2")).code());
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(TrainerError.class, () -> twoGpus.resolve("tpu")).code());
    }
}
