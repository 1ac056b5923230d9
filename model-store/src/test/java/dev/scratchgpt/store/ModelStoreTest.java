package dev.scratchgpt.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.scratchgpt.onnx.ModelConfig;
import dev.scratchgpt.onnx.ModelType;
import dev.scratchgpt.onnx.ModelWeights;
import dev.scratchgpt.onnx.OnnxExporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {

    private static final ModelConfig GPT = new ModelConfig(65, 32, 2, 2, 16, true, false);
    private static final Manifest.Training TRAINING = new Manifest.Training("job-7", "tinyshakespeare", 2000, 1.71, 1.88);

    @TempDir
    Path root;

    @Test
    void publishedVersionsAreNumberedListedAndResolved() throws Exception {
        ModelStore store = new ModelStore(root);
        ModelWeights weights = ModelWeights.random(ModelType.GPT, GPT, 1);
        ModelVersion first = store.publish("shakespeare", weights, "vocab-1", TRAINING);
        ModelVersion second = store.publish("shakespeare", weights, "vocab-1", TRAINING);
        store.publish("bigram-demo", ModelWeights.random(ModelType.BIGRAM, ModelConfig.bigram(65, 8), 2), "vocab-1",
                null);

        assertEquals(1, first.version());
        assertEquals(2, second.version());
        assertEquals(root.resolve("shakespeare").resolve("2"), second.directory());
        assertEquals(List.of("bigram-demo", "shakespeare"), store.models());
        assertEquals(List.of("bigram-demo/1", "shakespeare/1", "shakespeare/2"),
                store.list().stream().map(v -> v.name() + "/" + v.version()).toList());
        assertEquals(2, store.latest("shakespeare").orElseThrow().version());
        assertEquals(1, store.resolve("shakespeare", 1).orElseThrow().version());
        assertTrue(store.resolve("shakespeare", 3).isEmpty());
        assertTrue(store.latest("nobody").isEmpty());

        byte[] onnx = store.readVerifiedOnnx(second);
        assertArrayEquals(OnnxExporter.export(weights, "vocab-1"), onnx);
        assertEquals(Set.of("model.onnx", "manifest.json"), fileNames(second.directory()));
        assertEquals(Set.of("1", "2"), fileNames(root.resolve("shakespeare")), "no temporary folder is left behind");
    }

    @Test
    void manifestHasTheDocumentedFields() throws Exception {
        ModelStore store = new ModelStore(root);
        ModelVersion v = store.publish("shakespeare", ModelWeights.random(ModelType.GPT, GPT, 1), "vocab-1", TRAINING);
        JsonNode json = Manifest.JSON.readTree(v.manifestFile().toFile());

        assertEquals("scratchgpt-model/1", json.get("format").asText());
        assertEquals("shakespeare", json.get("name").asText());
        assertEquals(1, json.get("version").asInt());
        assertEquals("gpt", json.get("model_type").asText());
        assertEquals(2, json.get("config").get("n_layer").asInt());
        assertTrue(json.get("config").get("tie_weights").isBoolean());
        assertEquals("vocab-1", json.get("vocabulary_id").asText());
        assertEquals(32, json.get("block_size").asInt());
        assertEquals("model.onnx", json.get("onnx").get("file").asText());
        assertEquals(17, json.get("onnx").get("opset").asInt());
        assertEquals(8, json.get("onnx").get("ir_version").asInt());
        assertEquals("input_ids", json.get("onnx").get("inputs").get(0).get("name").asText());
        assertEquals("[\"batch\",\"2\",\"past\",\"8\"]", json.get("onnx").get("inputs").get(1).get("shape").toString());
        assertEquals("present_value_1", json.get("onnx").get("kv_cache").get("present_value").get(1).asText());
        assertEquals("job-7", json.get("training").get("job_id").asText());
        assertEquals(1.88, json.get("training").get("val_loss").asDouble());
        assertEquals(ModelWeights.countParameters(ModelType.GPT, GPT), json.get("num_parameters").asLong());
        assertEquals(ModelStore.sha256(Files.readAllBytes(v.onnxFile())), json.get("sha256").asText());
        Instant created = Instant.parse(json.get("created_at").asText());
        assertTrue(Duration.between(created, Instant.now()).abs().toMinutes() < 10);

        assertEquals(v.manifest(), Manifest.read(v.manifestFile()), "JSON round trip");
        String onnxConfig = OnnxExporter.metadata(ModelWeights.random(ModelType.GPT, GPT, 1), "vocab-1").get("config");
        assertEquals(json.get("config"), Manifest.JSON.readTree(onnxConfig), "the ONNX metadata's config is the manifest's");
        assertEquals(v.manifest(), store.readManifest("shakespeare", 1));
    }

    @Test
    void readersNeverSeeAPartialVersionWhileWritersRace() throws Exception {
        ModelStore store = new ModelStore(root);
        // ~1 MB per file, so writing takes long enough for readers to look in the middle.
        ModelWeights weights = ModelWeights.random(ModelType.GPT, new ModelConfig(65, 64, 2, 4, 128, true, false), 3);
        byte[] onnx = OnnxExporter.export(weights, "vocab-1");
        int writers = 2;
        int perWriter = 8;
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger looks = new AtomicInteger();
        CountDownLatch readerStarted = new CountDownLatch(1);
        List<String> problems = new CopyOnWriteArrayList<>();
        Set<Integer> published = ConcurrentHashMap.newKeySet();

        ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
        try {
            Future<?> reader = pool.submit(() -> {
                while (writing.get()) {
                    try {
                        for (ModelVersion v : store.list()) {
                            store.verify(v);
                        }
                        store.latest("racer").ifPresent(v -> {
                            if (!Files.isRegularFile(v.onnxFile())) {
                                problems.add("latest without model.onnx: " + v);
                            }
                        });
                        looks.incrementAndGet();
                        readerStarted.countDown();
                    } catch (Exception e) {
                        problems.add(e.toString());
                    }
                }
                return null;
            });
            List<Future<?>> writes = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                writes.add(pool.submit(() -> {
                    readerStarted.await();
                    for (int i = 0; i < perWriter; i++) {
                        ModelVersion v = store.publish("racer", onnx, ModelType.GPT, weights.config(), "vocab-1", null);
                        if (!published.add(v.version())) {
                            problems.add("version " + v.version() + " handed out twice");
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> write : writes) {
                write.get();
            }
            writing.set(false);
            reader.get();
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of(), problems);
        assertTrue(looks.get() > writers, "the reader kept looking while the writers wrote (" + looks.get() + " looks)");
        assertEquals(writers * perWriter, store.versions("racer").size());
        assertEquals(writers * perWriter, store.latest("racer").orElseThrow().version());
    }

    @Test
    void aCrashedWritersTemporaryFolderIsIgnoredThenRemoved() throws Exception {
        ModelStore store = new ModelStore(root);
        Process finished = new ProcessBuilder("true").start();
        finished.waitFor();
        Path crashed = Files.createDirectories(root.resolve("m").resolve(store.temporaryFolderName(finished.pid())));
        Files.write(crashed.resolve("model.onnx"), new byte[] {1, 2, 3});
        Path old = Files.createDirectories(root.resolve("m").resolve(".tmp-other-host-1-abc"));
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofDays(1))));
        // A writer that is still running (this JVM's parent shell's pid 1 is alive) keeps its folder.
        Path running = Files.createDirectories(root.resolve("m").resolve(store.temporaryFolderName(1)));

        assertEquals(List.of(), store.list());
        assertTrue(store.latest("m").isEmpty());

        ModelVersion v = store.publish("m", ModelWeights.random(ModelType.BIGRAM, ModelConfig.bigram(5, 4), 1), "v", null);
        assertEquals(1, v.version());
        assertFalse(Files.exists(crashed), "dead writer's folder removed");
        assertFalse(Files.exists(old), "day-old folder removed");
        assertTrue(Files.exists(running), "a live writer's folder is left alone");
    }

    @Test
    void aVersionFolderWithoutACompleteManifestIsNotListedAndItsNumberIsNotReused() throws Exception {
        ModelStore store = new ModelStore(root);
        ModelWeights weights = ModelWeights.random(ModelType.BIGRAM, ModelConfig.bigram(5, 4), 1);
        store.publish("m", weights, "v", null);
        Path noManifest = Files.createDirectories(root.resolve("m").resolve("2"));
        Files.write(noManifest.resolve("model.onnx"), new byte[] {1});
        Path truncated = Files.createDirectories(root.resolve("m").resolve("3"));
        Files.write(truncated.resolve("model.onnx"), new byte[] {1});
        Files.writeString(truncated.resolve("manifest.json"), "{\"format\":\"scratchgpt-model/1\",\"name\":\"m\"");
        ModelVersion fourthOk = store.publish("m", weights, "v", null);
        Files.createDirectories(root.resolve("m").resolve("not-a-version"));

        assertEquals(List.of(1, 4), store.versions("m").stream().map(ModelVersion::version).toList());
        assertEquals(4, fourthOk.version());
        assertTrue(store.resolve("m", 2).isEmpty());
        assertTrue(store.resolve("m", 3).isEmpty());
        assertEquals(4, store.latest("m").orElseThrow().version());
    }

    @Test
    void aChangedModelFileFailsVerification() throws Exception {
        ModelStore store = new ModelStore(root);
        ModelVersion v = store.publish("m", ModelWeights.random(ModelType.BIGRAM, ModelConfig.bigram(5, 4), 1), "v", null);
        store.verify(v);
        byte[] bytes = Files.readAllBytes(v.onnxFile());
        bytes[bytes.length - 1] ^= 1;
        Files.write(v.onnxFile(), bytes);

        var e = assertThrows(ModelIntegrityException.class, () -> store.verify(v));
        assertTrue(e.getMessage().startsWith("model m version 1: model.onnx has sha256 "), e.getMessage());
        assertTrue(e.getMessage().contains("but its manifest records " + v.manifest().sha256()), e.getMessage());
        assertThrows(ModelIntegrityException.class, () -> store.readVerifiedOnnx(v));
    }

    @Test
    void badNamesAndVersionsAreRefused() throws Exception {
        ModelStore store = new ModelStore(root);
        ModelWeights weights = ModelWeights.random(ModelType.BIGRAM, ModelConfig.bigram(5, 4), 1);
        for (String bad : new String[] {"", "../escape", "a/b", ".hidden", "-dash", "x".repeat(65), "sp ace"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> store.publish(bad, weights, "v", null), bad);
            assertEquals("model name '" + bad + "' is not allowed: use 1 to 64 letters, digits, '.', '_' or '-', "
                    + "starting with a letter or digit", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> store.latest(bad));
        }
        assertThrows(IllegalArgumentException.class, () -> store.publish(null, weights, "v", null));
        var e = assertThrows(IllegalArgumentException.class, () -> store.resolve("m", 0));
        assertEquals("model version must be 1 or more, got 0", e.getMessage());
        assertFalse(Files.exists(root.getParent().resolve("escape")));
        assertEquals(List.of(), store.list());
    }

    private static Set<String> fileNames(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return Set.copyOf(s.map(p -> p.getFileName().toString()).toList());
        }
    }
}
