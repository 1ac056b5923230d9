package dev.scratchgpt.onnx;

import java.util.ArrayList;
import java.util.List;

/**
 * The inputs and outputs of an exported graph, in order. Dimensions are numbers or the
 * symbolic names {@code batch}, {@code seq} (new tokens), {@code past} (cached tokens) and
 * {@code total} (past + seq).
 *
 * <p>A gpt graph takes {@code input_ids [batch, seq]} and, per layer i,
 * {@code past_key_i}/{@code past_value_i [batch, n_head, past, head_dim]} (past may be 0);
 * it returns {@code logits [batch, seq, vocab]} and {@code present_key_i}/{@code present_value_i
 * [batch, n_head, total, head_dim]}, the cache to feed back as the next step's past.
 * past + seq must not exceed block_size. A bigram graph has only input_ids and logits.
 */
public record OnnxSignature(List<Value> inputs, List<Value> outputs) {

    public static final String INPUT_IDS = "input_ids";
    public static final String LOGITS = "logits";

    /** One named input or output: element type ("int64" or "float") and dimensions. */
    public record Value(String name, String elemType, List<String> shape) {
    }

    public static String pastKey(int layer) {
        return "past_key_" + layer;
    }

    public static String pastValue(int layer) {
        return "past_value_" + layer;
    }

    public static String presentKey(int layer) {
        return "present_key_" + layer;
    }

    public static String presentValue(int layer) {
        return "present_value_" + layer;
    }

    public static OnnxSignature of(ModelType type, ModelConfig config) {
        List<Value> inputs = new ArrayList<>();
        List<Value> outputs = new ArrayList<>();
        inputs.add(new Value(INPUT_IDS, "int64", List.of("batch", "seq")));
        outputs.add(new Value(LOGITS, "float", List.of("batch", "seq", String.valueOf(config.vocabSize()))));
        if (type == ModelType.GPT) {
            List<String> past = List.of("batch", String.valueOf(config.nHead()), "past", String.valueOf(config.headDim()));
            List<String> present = List.of("batch", String.valueOf(config.nHead()), "total", String.valueOf(config.headDim()));
            for (int i = 0; i < config.nLayer(); i++) {
                inputs.add(new Value(pastKey(i), "float", past));
                inputs.add(new Value(pastValue(i), "float", past));
                outputs.add(new Value(presentKey(i), "float", present));
                outputs.add(new Value(presentValue(i), "float", present));
            }
        }
        return new OnnxSignature(List.copyOf(inputs), List.copyOf(outputs));
    }

    public List<String> inputNames() {
        return inputs.stream().map(Value::name).toList();
    }

    public List<String> outputNames() {
        return outputs.stream().map(Value::name).toList();
    }
}
