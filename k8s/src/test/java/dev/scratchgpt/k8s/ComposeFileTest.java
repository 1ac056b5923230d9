package dev.scratchgpt.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docker-compose.yml as Debian's docker-compose resolves it ({@code docker-compose config}; no
 * Docker engine is needed for that): GPU reservations only in the gpu profile, ports as the
 * services configure them, health checks on those ports, read-only containers on one volume.
 */
class ComposeFileTest {

    /** Compose service -> the Maven module whose application.properties names its port. */
    static final Map<String, String> MODULES = Map.of(
            "tokenizer", "tokenizer-service",
            "trainer", "trainer-service",
            "sampler", "sampler-service",
            "trainer-cpu", "trainer-service",
            "sampler-cpu", "sampler-service");

    static JsonNode services;

    @BeforeAll
    static void resolve() throws Exception {
        Process p = new ProcessBuilder("docker-compose", "-f", Rendered.ROOT.resolve("docker-compose.yml").toString(), "config")
                .directory(Rendered.ROOT.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "docker-compose config refused the file: " + err);
        services = new ObjectMapper(new YAMLFactory()).readTree(out).get("services");
    }

    @Test
    void gpuProfileReservesAnNvidiaGpuForTrainerAndSamplerAndTheCpuProfileNone() {
        for (String name : List.of("trainer", "sampler")) {
            JsonNode s = services.get(name);
            assertEquals("gpu", s.get("profiles").get(0).asText());
            JsonNode device = s.at("/deploy/resources/reservations/devices/0");
            assertEquals("nvidia", device.get("driver").asText(), name);
            assertTrue(texts(device.get("capabilities")).contains("gpu"), name);
        }
        for (String name : List.of("tokenizer", "trainer-cpu", "sampler-cpu")) {
            assertTrue(services.get(name).at("/deploy/resources/reservations/devices").isMissingNode(), name + " must need no GPU");
        }
        assertEquals("cpu", services.get("trainer-cpu").get("profiles").get(0).asText());
        assertEquals("cpu", services.get("sampler-cpu").get("profiles").get(0).asText());
        assertFalse(services.get("tokenizer").has("profiles"), "the tokenizer runs in both profiles");
    }

    @Test
    void portsAndHealthChecksMatchTheServicesConfiguration() {
        MODULES.forEach((name, module) -> {
            JsonNode s = services.get(name);
            int port = Rendered.configuredPort(module);
            String published = s.get("ports").get(0).isTextual() ? s.get("ports").get(0).asText()
                    : s.get("ports").get(0).get("published").asText() + ":" + s.get("ports").get(0).get("target").asText();
            assertEquals(port + ":" + port, published, name + " port");
            List<String> test = texts(s.at("/healthcheck/test"));
            assertTrue(test.containsAll(List.of("health", "localhost:" + port)), name + " health check " + test);
        });
    }

    @Test
    void containersAreReadOnlyWithDataOnTheSharedVolumeAndTheTokenizerWired() {
        MODULES.keySet().forEach(name -> {
            JsonNode s = services.get(name);
            assertTrue(s.get("read_only").asBoolean(), name + " read_only");
            assertTrue(texts(s.get("tmpfs")).stream().anyMatch(t -> t.startsWith("/tmp")), name + " tmpfs /tmp");
            JsonNode volume = s.get("volumes").get(0);
            String mount = volume.isTextual() ? volume.asText() : volume.get("source").asText() + ":" + volume.get("target").asText();
            assertTrue(mount.equals("data:/data") || mount.equals("data:/data:rw"), name + " data volume: " + mount);
            if (!name.equals("tokenizer")) {
                assertEquals("tokenizer", s.at("/environment/QUARKUS_GRPC_CLIENTS_TOKENIZER_HOST").asText(), name);
                assertEquals(String.valueOf(Rendered.configuredPort("tokenizer-service")),
                        s.at("/environment/QUARKUS_GRPC_CLIENTS_TOKENIZER_PORT").asText(), name);
            }
        });
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
