package dev.scratchgpt.onnx;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The two model kinds of the course: the bigram table and the decoder-only transformer. */
public enum ModelType {
    BIGRAM("bigram"),
    GPT("gpt");

    private final String id;

    ModelType(String id) {
        this.id = id;
    }

    /** The lower-case name used in manifests, ONNX metadata and the contracts. */
    @JsonValue
    public String id() {
        return id;
    }

    @JsonCreator
    public static ModelType fromId(String id) {
        for (ModelType type : values()) {
            if (type.id.equals(id)) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown model type '" + id + "': expected one of "
                + Arrays.stream(values()).map(ModelType::id).collect(Collectors.joining(", ")));
    }
}
