package dev.scratchgpt.sampler.runtime;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The build machines have no GPU and the default build carries the CPU-only ONNX Runtime, whose
 * addCUDA really fails (ORT_EP_FAIL): both branches of the decision are exercised for real.
 */
class ExecutionDeviceTest {

    @Test
    void cpuIsCpu() {
        assertEquals(ExecutionDevice.CPU, ExecutionDevice.resolve("cpu"));
    }

    @Test
    void autoFallsBackToCpuWhereCudaCannotLoad() {
        ExecutionDevice d = ExecutionDevice.resolve("auto");
        assertFalse(d.cuda());
        assertEquals("cpu", d.toString());
    }

    @Test
    void cudaRequiredButUnavailableFailsWithASentence() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ExecutionDevice.resolve("cuda:1"));
        assertTrue(e.getMessage().startsWith("scratchgpt.sampler.device=cuda:1 asks for CUDA device 1 but ONNX Runtime"
                + " cannot use it"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> ExecutionDevice.resolve("cuda"));
    }

    @Test
    void unknownSettingIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExecutionDevice.resolve("tpu"));
        assertTrue(e.getMessage().contains("not 'tpu'"), e.getMessage());
    }
}
