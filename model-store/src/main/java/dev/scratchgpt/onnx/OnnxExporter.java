package dev.scratchgpt.onnx;

import dev.scratchgpt.onnx.proto.GraphProto;
import dev.scratchgpt.onnx.proto.ModelProto;
import dev.scratchgpt.onnx.proto.OperatorSetIdProto;
import dev.scratchgpt.onnx.proto.StringStringEntryProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a model's weights as an ONNX file (opset 17, IR 8: what ONNX Runtime and Debian's
 * onnx 1.12 checker both accept). The graph's inputs and outputs are {@link OnnxSignature};
 * its metadata_props repeat them with the model type, config, vocabulary id and block size,
 * so a loader needs nothing else.
 */
public final class OnnxExporter {

    public static final int OPSET = 17;
    public static final int IR_VERSION = 8;
    public static final String PRODUCER = "scratchgpt";

    private OnnxExporter() {
    }

    /** The serialized model.onnx. */
    public static byte[] export(ModelWeights weights, String vocabularyId) {
        return toModel(weights, vocabularyId).toByteArray();
    }

    /** Writes model.onnx to {@code file} through a temporary file and an atomic rename. */
    public static void export(ModelWeights weights, String vocabularyId, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".tmp-" + file.getFileName(), "");
        try {
            Files.write(tmp, export(weights, vocabularyId));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The model as protobuf message, for callers that inspect it. */
    public static ModelProto toModel(ModelWeights weights, String vocabularyId) {
        if (vocabularyId == null || vocabularyId.isBlank()) {
            throw new IllegalArgumentException("vocabulary id must not be empty: a loader needs it to encode prompts");
        }
        GraphProto graph = switch (weights.type()) {
            case BIGRAM -> new BigramGraph(weights).build();
            case GPT -> new GptGraph(weights).build();
        };
        ModelProto.Builder model = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName(PRODUCER)
                .setProducerVersion(producerVersion())
                .setDocString("scratchgpt " + weights.type().id() + " model")
                .setGraph(graph);
        metadata(weights, vocabularyId).forEach((key, value) ->
                model.addMetadataProps(StringStringEntryProto.newBuilder().setKey(key).setValue(value)));
        return model.build();
    }

    /** The metadata_props written into every exported model. */
    public static Map<String, String> metadata(ModelWeights weights, String vocabularyId) {
        OnnxSignature signature = OnnxSignature.of(weights.type(), weights.config());
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("model_type", weights.type().id());
        metadata.put("vocabulary_id", vocabularyId);
        metadata.put("block_size", String.valueOf(weights.config().blockSize()));
        metadata.put("opset", String.valueOf(OPSET));
        metadata.put("inputs", String.join(",", signature.inputNames()));
        metadata.put("outputs", String.join(",", signature.outputNames()));
        metadata.put("config", configJson(weights.config()));
        return metadata;
    }

    /** The config as manifest.json writes it; by hand, as starting Jackson costs a cold export ~0.3 s. */
    private static String configJson(ModelConfig c) {
        return "{\"vocab_size\":" + c.vocabSize() + ",\"block_size\":" + c.blockSize() + ",\"n_layer\":" + c.nLayer()
                + ",\"n_head\":" + c.nHead() + ",\"n_embd\":" + c.nEmbd() + ",\"bias\":" + c.bias()
                + ",\"tie_weights\":" + c.tieWeights() + "}";
    }

    private static String producerVersion() {
        String v = OnnxExporter.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
