package dev.scratchgpt.sampler.models;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedSet;

/** The model store as the registry reads it (implemented over model-store's {@code ModelStore}). */
public interface ModelCatalog {

    /** Every model name with its complete versions. */
    Map<String, SortedSet<Integer>> scan() throws IOException;

    VersionManifest manifest(String model, int version) throws IOException;

    Path modelFile(String model, int version);

    /** Throws {@link ModelRefusedException} with a sentence when model.onnx does not match the manifest's sha256. */
    void verify(String model, int version) throws IOException;
}
