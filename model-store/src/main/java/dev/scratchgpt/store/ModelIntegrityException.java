package dev.scratchgpt.store;

import java.io.IOException;

/** A published model.onnx no longer matches the sha256 its manifest recorded. */
public class ModelIntegrityException extends IOException {

    public ModelIntegrityException(String message) {
        super(message);
    }
}
