package dev.scratchgpt.k8s;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** One overlay rendered by {@code kubectl kustomize} and parsed into the fabric8 model. */
final class Rendered {

    /** The repository root: tests run in k8s/. */
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    final String overlay;
    final List<HasMetadata> resources;

    private Rendered(String overlay, List<HasMetadata> resources) {
        this.overlay = overlay;
        this.resources = resources;
    }

    private static final Map<String, Rendered> CACHE = new ConcurrentHashMap<>();

    /** Rendered once per overlay and test run (kubectl takes about a second). */
    static Rendered overlay(String name) {
        return CACHE.computeIfAbsent(name, Rendered::render);
    }

    private static Rendered render(String name) {
        String yaml = kustomize(ROOT.resolve("k8s/overlays").resolve(name));
        Object parsed = new KubernetesSerialization().unmarshal(yaml);
        List<HasMetadata> resources = new ArrayList<>();
        if (parsed instanceof List<?> list) {
            for (Object o : list) {
                resources.add((HasMetadata) o);
            }
        } else {
            resources.add((HasMetadata) parsed);
        }
        return new Rendered(name, resources);
    }

    <T extends KubernetesResource> List<T> all(Class<T> type) {
        return resources.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> Optional<T> named(Class<T> type, String name) {
        return all(type).stream().filter(r -> r.getMetadata().getName().equals(name)).findFirst();
    }

    Deployment deployment(String name) {
        return named(Deployment.class, name).orElseThrow(() -> new AssertionError(overlay + ": no Deployment " + name));
    }

    static PodSpec pod(Deployment d) {
        return d.getSpec().getTemplate().getSpec();
    }

    static Container container(Deployment d) {
        List<Container> containers = pod(d).getContainers();
        if (containers.size() != 1) {
            throw new AssertionError(d.getMetadata().getName() + " should have one container, has " + containers.size());
        }
        return containers.get(0);
    }

    /** quarkus.http.port from a service module's application.properties: the port it serves gRPC on. */
    static int configuredPort(String module) {
        Path file = ROOT.resolve(module).resolve("src/main/resources/application.properties");
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Integer.parseInt(p.getProperty("quarkus.http.port").trim());
    }

    private static String kustomize(Path dir) {
        try {
            Process p = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(false).start();
            byte[] out = p.getInputStream().readAllBytes();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("kubectl kustomize " + dir + " failed: " + err);
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError("kubectl is needed to render " + dir + " (Debian: apt-get install kubernetes-client): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
