package dev.scratchgpt.store;

import java.nio.file.Path;

/** One complete, published version of a model: its folder and its manifest. */
public record ModelVersion(String name, int version, Path directory, Manifest manifest) {

    public Path onnxFile() {
        return directory.resolve(manifest.onnx().file());
    }

    public Path manifestFile() {
        return directory.resolve(Manifest.FILE_NAME);
    }
}
