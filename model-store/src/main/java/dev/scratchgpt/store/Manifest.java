package dev.scratchgpt.store;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.scratchgpt.onnx.ModelConfig;
import dev.scratchgpt.onnx.ModelType;
import dev.scratchgpt.onnx.OnnxSignature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * {@code manifest.json} of one model version: everything a loader needs besides
 * {@code model.onnx} itself. JSON field names are snake_case; docs/model-store.md describes
 * each. Unknown fields are ignored on reading, so later formats can add fields.
 *
 * @param format        {@link #FORMAT}
 * @param name          the model's name (its folder)
 * @param version       the version (its folder), from 1
 * @param modelType     bigram or gpt
 * @param config        hyper-parameters
 * @param vocabularyId  the tokenizer vocabulary the token ids belong to
 * @param blockSize     longest context (past + new tokens) the model takes
 * @param onnx          the ONNX file and its interface
 * @param training      where the weights came from; null fields when unknown
 * @param numParameters parameters, tied weights counted once
 * @param sha256        lower-case hex SHA-256 of model.onnx
 * @param createdAt     ISO-8601 UTC instant of publishing
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Manifest(String format, String name, int version, ModelType modelType, ModelConfig config,
                       String vocabularyId, int blockSize, Onnx onnx, Training training,
                       long numParameters, String sha256, String createdAt) {

    public static final String FORMAT = "scratchgpt-model/1";
    public static final String FILE_NAME = "manifest.json";

    static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * The ONNX file and its interface.
     *
     * @param file      file name inside the version folder, model.onnx
     * @param opset     default-domain opset, 17
     * @param irVersion ONNX IR version, 8
     * @param inputs    graph inputs in order
     * @param outputs   graph outputs in order
     * @param kvCache   the cache inputs/outputs of a gpt; null for a bigram
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Onnx(String file, int opset, int irVersion, List<OnnxSignature.Value> inputs,
                       List<OnnxSignature.Value> outputs, KvCache kvCache) {
    }

    /**
     * The KV cache: feed {@code present_key[i]} back as {@code past_key[i]} (same for values);
     * start with past length 0; past + new tokens must stay within {@code max_length}.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record KvCache(int numLayers, int numHeads, int headDim, int maxLength,
                          List<String> pastKey, List<String> pastValue,
                          List<String> presentKey, List<String> presentValue) {
    }

    /**
     * Where the weights came from.
     *
     * @param jobId     training job id, or null
     * @param corpusId  corpus id, or null
     * @param steps     optimizer steps taken
     * @param trainLoss last estimated train loss, or null
     * @param valLoss   last estimated validation loss, or null
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Training(String jobId, String corpusId, long steps, Double trainLoss, Double valLoss) {

        public static Training none() {
            return new Training(null, null, 0, null, null);
        }
    }

    /** The onnx section describing a model of this kind and config. */
    public static Onnx onnxSection(ModelType type, ModelConfig config, String file, int opset, int irVersion) {
        OnnxSignature signature = OnnxSignature.of(type, config);
        KvCache kvCache = null;
        if (type == ModelType.GPT) {
            List<Integer> layers = IntStream.range(0, config.nLayer()).boxed().toList();
            kvCache = new KvCache(config.nLayer(), config.nHead(), config.headDim(), config.blockSize(),
                    layers.stream().map(OnnxSignature::pastKey).toList(),
                    layers.stream().map(OnnxSignature::pastValue).toList(),
                    layers.stream().map(OnnxSignature::presentKey).toList(),
                    layers.stream().map(OnnxSignature::presentValue).toList());
        }
        return new Onnx(file, opset, irVersion, signature.inputs(), signature.outputs(), kvCache);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException("manifest cannot be written as JSON", e);
        }
    }

    public static Manifest fromJson(String json) throws IOException {
        return JSON.readValue(json, Manifest.class);
    }

    public static Manifest read(Path file) throws IOException {
        return JSON.readValue(Files.readAllBytes(file), Manifest.class);
    }

    /** Throws unless this manifest is complete and describes the folder {@code name/version}. */
    void checkComplete(String expectedName, int expectedVersion) throws IOException {
        List<String> problems = new ArrayList<>();
        if (!FORMAT.equals(format)) {
            problems.add("format is " + format + ", expected " + FORMAT);
        }
        if (!expectedName.equals(name) || version != expectedVersion) {
            problems.add("it names " + name + " version " + version);
        }
        if (modelType == null || config == null || onnx == null || onnx.file() == null || onnx.inputs() == null
                || onnx.outputs() == null || vocabularyId == null || createdAt == null) {
            problems.add("fields are missing");
        }
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
            problems.add("sha256 is not 64 lower-case hex digits");
        }
        if (!problems.isEmpty()) {
            throw new IOException("manifest of " + expectedName + " version " + expectedVersion
                    + " is incomplete: " + String.join("; ", problems));
        }
    }
}
