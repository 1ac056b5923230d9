package dev.scratchgpt.trainer;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.scratchgpt.store.ModelStore;
import dev.scratchgpt.store.ModelVersion;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;

/** What a reader of a trainer's model store sees: every listed version must be whole and loadable. */
final class PublishedModels {

    private PublishedModels() {
    }

    /**
     * Checks every version the store lists against its manifest's sha256 and loads it in ONNX
     * Runtime (as the sampler would); returns them.
     */
    static List<ModelVersion> verifyAll(Path trainerDataDir) throws Exception {
        ModelStore store = ModelStore.inDataDir(trainerDataDir);
        List<ModelVersion> versions = store.list();
        for (ModelVersion v : versions) {
            byte[] onnx = store.readVerifiedOnnx(v); // throws ModelIntegrityException on a torn file
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setIntraOpNumThreads(1);
                try (OrtSession session = OrtEnvironment.getEnvironment().createSession(onnx, options)) {
                    assertFalse(session.getInputNames().isEmpty(), v + " has no inputs");
                }
            }
        }
        return versions;
    }

    /** Temporary folders an interrupted publish left under models/<name>/. */
    static List<Path> temporaryFolders(Path trainerDataDir, String model) throws IOException {
        Path dir = ModelStore.inDataDir(trainerDataDir).root().resolve(model);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(dir)) {
            return children.filter(p -> p.getFileName().toString().startsWith(".tmp-")).toList();
        }
    }
}
