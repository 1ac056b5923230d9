package dev.scratchgpt.k8s;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Invariants every overlay keeps, checked on what {@code kubectl kustomize} renders. */
class OverlayTest {

    /** Deployment name -> the Maven module whose application.properties names its port. */
    static final Map<String, String> SERVICES = Map.of(
            "tokenizer", "tokenizer-service",
            "trainer", "trainer-service",
            "sampler", "sampler-service");

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu", "auth"})
    void rendersTheThreeServicesAndNothingElseRunsCode(String overlay) {
        Rendered r = Rendered.overlay(overlay);
        Set<String> deployments = r.all(Deployment.class).stream().map(d -> d.getMetadata().getName()).collect(Collectors.toSet());
        assertEquals(SERVICES.keySet(), deployments);
        r.resources.stream().filter(x -> !x.getKind().equals("Namespace"))
                .forEach(x -> assertEquals("scratchgpt", x.getMetadata().getNamespace(), x.getKind() + " " + x.getMetadata().getName()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu", "auth"})
    void everyContainerHasResourcesAndGrpcProbesOnTheConfiguredPort(String overlay) {
        Rendered r = Rendered.overlay(overlay);
        for (Deployment d : r.all(Deployment.class)) {
            String name = d.getMetadata().getName();
            Container c = Rendered.container(d);
            int port = Rendered.configuredPort(SERVICES.get(name));

            var resources = c.getResources();
            assertNotNull(resources, name + " has no resources");
            for (String kind : List.of("cpu", "memory")) {
                assertNotNull(resources.getRequests().get(kind), name + " requests no " + kind);
            }
            assertNotNull(resources.getLimits().get("memory"), name + " has no memory limit");

            List<ContainerPort> ports = c.getPorts();
            assertEquals(1, ports.size(), name + " ports");
            assertEquals("grpc", ports.get(0).getName());
            assertEquals(port, ports.get(0).getContainerPort(), name + "'s containerPort vs quarkus.http.port of " + SERVICES.get(name));
            assertEquals(String.valueOf(port), env(c, "QUARKUS_HTTP_PORT"), name + " must listen where the probes and the Service look");

            for (Probe probe : List.of(c.getLivenessProbe(), c.getReadinessProbe(), c.getStartupProbe())) {
                assertNotNull(probe, name + " misses a probe");
                assertNotNull(probe.getGrpc(), name + " probes must be native gRPC probes");
                assertEquals(port, probe.getGrpc().getPort(), name + " probe port");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu", "auth"})
    void servicesExposeNamedH2cPortsThatReachTheirPods(String overlay) {
        Rendered r = Rendered.overlay(overlay);
        for (String name : SERVICES.keySet()) {
            Service s = r.named(Service.class, name).orElseThrow(() -> new AssertionError("no Service " + name));
            Deployment d = r.deployment(name);
            Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
            assertTrue(podLabels.entrySet().containsAll(s.getSpec().getSelector().entrySet()), name + " Service selects no pod of its Deployment");
            ServicePort port = s.getSpec().getPorts().get(0);
            assertEquals("grpc", port.getName());
            assertEquals("kubernetes.io/h2c", port.getAppProtocol());
            assertEquals(Rendered.configuredPort(SERVICES.get(name)), port.getPort());
            assertEquals("grpc", port.getTargetPort().getStrVal(), "targetPort names the container port");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu", "auth"})
    void podsRunAsNonRootOnReadOnlyRootWithWritableDataAndTmp(String overlay) {
        Rendered r = Rendered.overlay(overlay);
        for (Deployment d : r.all(Deployment.class)) {
            String name = d.getMetadata().getName();
            PodSpec pod = Rendered.pod(d);
            Container c = Rendered.container(d);
            assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot(), name + " runAsNonRoot");
            assertTrue(pod.getSecurityContext().getRunAsUser() > 0, name + " runAsUser");
            assertEquals(Boolean.TRUE, c.getSecurityContext().getReadOnlyRootFilesystem(), name + " readOnlyRootFilesystem");
            assertEquals(Boolean.FALSE, c.getSecurityContext().getAllowPrivilegeEscalation(), name + " allowPrivilegeEscalation");
            assertTrue(c.getSecurityContext().getCapabilities().getDrop().contains("ALL"), name + " drops capabilities");

            Map<String, VolumeMount> mounts = c.getVolumeMounts().stream().collect(Collectors.toMap(VolumeMount::getMountPath, m -> m));
            Map<String, Volume> volumes = pod.getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
            assertNotNull(mounts.get("/tmp"), name + " needs a writable /tmp");
            assertNotNull(volumes.get(mounts.get("/tmp").getName()).getEmptyDir(), name + " /tmp is an emptyDir");
            assertNotNull(mounts.get("/data"), name + " mounts the data volume at /data");
            String claim = volumes.get(mounts.get("/data").getName()).getPersistentVolumeClaim().getClaimName();
            assertTrue(r.named(PersistentVolumeClaim.class, claim).isPresent(), name + " mounts claim " + claim + " which is not rendered");
            for (VolumeMount m : c.getVolumeMounts()) {
                assertTrue(volumes.containsKey(m.getName()), name + " mounts undefined volume " + m.getName());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu", "auth"})
    void settingsComeFromAConfigMapThatPointsAtTheDataVolumeAndTheTokenizer(String overlay) {
        Rendered r = Rendered.overlay(overlay);
        for (Deployment d : r.all(Deployment.class)) {
            Container c = Rendered.container(d);
            List<String> refs = c.getEnvFrom().stream().map(EnvFromSource::getConfigMapRef).map(ref -> ref.getName()).toList();
            assertFalse(refs.isEmpty(), d.getMetadata().getName() + " reads no ConfigMap");
            for (String ref : refs) {
                ConfigMap cm = r.named(ConfigMap.class, ref).orElseThrow(() -> new AssertionError("ConfigMap " + ref + " is not rendered"));
                assertEquals("/data", cm.getData().get("SCRATCHGPT_DATA_DIR"));
                assertEquals("tokenizer", cm.getData().get("QUARKUS_GRPC_CLIENTS_TOKENIZER_HOST"));
                assertEquals(String.valueOf(Rendered.configuredPort("tokenizer-service")), cm.getData().get("QUARKUS_GRPC_CLIENTS_TOKENIZER_PORT"));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu", "auth"})
    void samplerAutoscalesAndBudgetsSelectRealDeployments(String overlay) {
        Rendered r = Rendered.overlay(overlay);
        HorizontalPodAutoscaler hpa = r.named(HorizontalPodAutoscaler.class, "sampler").orElseThrow(() -> new AssertionError("no HPA for the sampler"));
        assertEquals("Deployment", hpa.getSpec().getScaleTargetRef().getKind());
        assertEquals("sampler", hpa.getSpec().getScaleTargetRef().getName());
        assertTrue(hpa.getSpec().getMinReplicas() >= 2 && hpa.getSpec().getMaxReplicas() > hpa.getSpec().getMinReplicas());

        List<PodDisruptionBudget> pdbs = r.all(PodDisruptionBudget.class);
        Set<String> covered = pdbs.stream().map(pdb -> {
            Map<String, String> selector = pdb.getSpec().getSelector().getMatchLabels();
            return r.all(Deployment.class).stream()
                    .filter(d -> d.getSpec().getTemplate().getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
                    .map(d -> d.getMetadata().getName())
                    .findFirst().orElseThrow(() -> new AssertionError("PDB " + pdb.getMetadata().getName() + " selects no Deployment"));
        }).collect(Collectors.toSet());
        assertEquals(Set.of("tokenizer", "sampler"), covered, "the replicated services have disruption budgets");
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu", "auth"})
    void onlyTrainerAndSamplerReachTheTokenizerAndOnlyLabelledClientsReachThem(String overlay) {
        Rendered r = Rendered.overlay(overlay);
        List<NetworkPolicy> policies = r.all(NetworkPolicy.class);
        assertTrue(policies.stream().anyMatch(p -> p.getSpec().getPodSelector().getMatchLabels() == null
                        || p.getSpec().getPodSelector().getMatchLabels().isEmpty()),
                "a default-deny policy selects every pod");
        assertEquals(Set.of(Map.of("app.kubernetes.io/name", "trainer"), Map.of("app.kubernetes.io/name", "sampler")),
                allowedPeers(policies, "tokenizer"));
        for (String service : List.of("trainer", "sampler")) {
            assertEquals(Set.of(Map.of("scratchgpt.dev/client", "true")), allowedPeers(policies, service), service + " ingress");
        }
    }

    /** The pod labels allowed in by every policy that selects {@code app}'s pods. */
    private static Set<Map<String, String>> allowedPeers(List<NetworkPolicy> policies, String app) {
        return policies.stream()
                .filter(p -> Map.of("app.kubernetes.io/name", app).equals(p.getSpec().getPodSelector().getMatchLabels()))
                .flatMap(p -> p.getSpec().getIngress().stream())
                .flatMap(rule -> rule.getFrom().stream())
                .map(NetworkPolicyPeer::getPodSelector)
                .map(sel -> sel.getMatchLabels())
                .collect(Collectors.toSet());
    }

    static String env(Container c, String name) {
        return c.getEnv().stream().filter(e -> e.getName().equals(name)).map(e -> e.getValue()).findFirst().orElse(null);
    }
}
