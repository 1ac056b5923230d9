package dev.scratchgpt.k8s;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gpu overlay puts the trainer and the samplers on the GPU pool; the cpu one nothing. */
class GpuOverlayTest {

    static final String GPU = "nvidia.com/gpu";

    @Test
    void gpuOverlayGivesTrainerAndSamplerAGpuOnTheGpuPool() {
        Rendered r = Rendered.overlay("gpu");
        for (String name : List.of("trainer", "sampler")) {
            Deployment d = r.deployment(name);
            Container c = Rendered.container(d);
            assertEquals(new Quantity("1"), c.getResources().getLimits().get(GPU), name + " GPU limit");
            assertEquals(new Quantity("1"), c.getResources().getRequests().get(GPU), name + " GPU request");
            PodSpec pod = Rendered.pod(d);
            assertEquals("gpu", pod.getNodeSelector().get("scratchgpt.dev/pool"), name + " selects the GPU node pool");
            assertTrue(toleratesGpuTaint(pod.getTolerations()), name + " tolerates the nvidia.com/gpu taint");
            assertTrue(Rendered.container(d).getImage().endsWith("-gpu"), name + " runs the GPU image");
        }
        assertEquals("cuda", OverlayTest.env(Rendered.container(r.deployment("sampler")), "SCRATCHGPT_SAMPLER_DEVICE"));

        Deployment tokenizer = r.deployment("tokenizer");
        assertNoGpu(tokenizer);
    }

    @Test
    void cpuOverlayAsksForNoGpuAndToleratesNoGpuTaint() {
        Rendered r = Rendered.overlay("cpu");
        for (Deployment d : r.all(Deployment.class)) {
            assertNoGpu(d);
            assertFalse(Rendered.container(d).getImage().endsWith("-gpu"), d.getMetadata().getName() + " runs a CPU image");
        }
        assertEquals("cpu", OverlayTest.env(Rendered.container(r.deployment("sampler")), "SCRATCHGPT_SAMPLER_DEVICE"));
    }

    private static void assertNoGpu(Deployment d) {
        String name = d.getMetadata().getName();
        Container c = Rendered.container(d);
        assertNull(c.getResources().getLimits().get(GPU), name + " must not ask for a GPU");
        assertNull(c.getResources().getRequests().get(GPU), name + " must not ask for a GPU");
        PodSpec pod = Rendered.pod(d);
        assertFalse(toleratesGpuTaint(pod.getTolerations()), name + " must not tolerate the GPU taint");
        assertTrue(pod.getNodeSelector() == null || pod.getNodeSelector().isEmpty(), name + " selects no node pool");
    }

    private static boolean toleratesGpuTaint(List<Toleration> tolerations) {
        return tolerations != null && tolerations.stream().anyMatch(t -> GPU.equals(t.getKey())
                && ("Exists".equals(t.getOperator()) || "present".equals(t.getValue()))
                && (t.getEffect() == null || "NoSchedule".equals(t.getEffect())));
    }
}
