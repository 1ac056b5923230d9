package dev.scratchgpt.onnx;

import static dev.scratchgpt.onnx.GraphBuilder.intAttr;
import static dev.scratchgpt.onnx.OnnxSignature.INPUT_IDS;
import static dev.scratchgpt.onnx.OnnxSignature.LOGITS;

import dev.scratchgpt.onnx.proto.GraphProto;
import java.util.List;

/** The course's bigram model: the logits for the next token are the current token's row. */
final class BigramGraph {

    private final ModelWeights weights;

    BigramGraph(ModelWeights weights) {
        this.weights = weights;
    }

    GraphProto build() {
        GraphBuilder g = new GraphBuilder("scratchgpt_bigram");
        OnnxSignature signature = OnnxSignature.of(ModelType.BIGRAM, weights.config());
        signature.inputs().forEach(g::input);
        signature.outputs().forEach(g::output);
        Tensor table = weights.tensor(ModelWeights.BIGRAM_TABLE);
        String t = g.floats(ModelWeights.BIGRAM_TABLE, table.shape(), table.data());
        g.op("Gather", LOGITS, List.of(t, INPUT_IDS), intAttr("axis", 0));
        return g.build();
    }
}
