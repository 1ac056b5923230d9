package dev.scratchgpt.onnx;

import com.google.protobuf.UnsafeByteOperations;
import dev.scratchgpt.onnx.proto.AttributeProto;
import dev.scratchgpt.onnx.proto.GraphProto;
import dev.scratchgpt.onnx.proto.NodeProto;
import dev.scratchgpt.onnx.proto.TensorProto;
import dev.scratchgpt.onnx.proto.TensorShapeProto;
import dev.scratchgpt.onnx.proto.TypeProto;
import dev.scratchgpt.onnx.proto.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * Appends nodes, initializers and typed inputs/outputs to an ONNX graph. Each node's output
 * is named by the caller (model-path style, e.g. {@code transformer.h.0.attn/qkv}), which
 * keeps the exported graph readable in a viewer.
 */
final class GraphBuilder {

    private final GraphProto.Builder graph = GraphProto.newBuilder();

    GraphBuilder(String name) {
        graph.setName(name);
    }

    GraphProto build() {
        return graph.build();
    }

    /** Adds a node with one output, named {@code output}, and returns that name. */
    String op(String opType, String output, List<String> inputs, AttributeProto... attributes) {
        graph.addNode(NodeProto.newBuilder()
                .setOpType(opType)
                .setName(output)
                .addAllInput(inputs)
                .addOutput(output)
                .addAllAttribute(List.of(attributes)));
        return output;
    }

    /** Adds a node with several outputs. */
    void op(String opType, String name, List<String> inputs, List<String> outputs, AttributeProto... attributes) {
        graph.addNode(NodeProto.newBuilder()
                .setOpType(opType)
                .setName(name)
                .addAllInput(inputs)
                .addAllOutput(outputs)
                .addAllAttribute(List.of(attributes)));
    }

    /** A float initializer (raw little-endian data: the compact and fast encoding). */
    String floats(String name, long[] shape, float[] data) {
        ByteBuffer bytes = ByteBuffer.allocate(data.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(data);
        graph.addInitializer(TensorProto.newBuilder()
                .setName(name)
                .setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addAllDims(asList(shape))
                .setRawData(UnsafeByteOperations.unsafeWrap(bytes.array())));  // ours alone: no copy needed
        return name;
    }

    /** A scalar float constant. */
    String scalar(String name, float value) {
        return floats(name, new long[0], new float[] {value});
    }

    /** A 1-D int64 constant (shapes, split sizes, slice bounds). */
    String int64s(String name, long... values) {
        graph.addInitializer(TensorProto.newBuilder()
                .setName(name)
                .setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(values.length)
                .addAllInt64Data(asList(values)));
        return name;
    }

    void input(OnnxSignature.Value value) {
        graph.addInput(valueInfo(value));
    }

    void output(OnnxSignature.Value value) {
        graph.addOutput(valueInfo(value));
    }

    private static ValueInfoProto valueInfo(OnnxSignature.Value value) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (String dim : value.shape()) {
            TensorShapeProto.Dimension.Builder d = TensorShapeProto.Dimension.newBuilder();
            if (dim.chars().allMatch(Character::isDigit)) {
                d.setDimValue(Long.parseLong(dim));
            } else {
                d.setDimParam(dim);
            }
            shape.addDim(d);
        }
        int elemType = switch (value.elemType()) {
            case "float" -> TensorProto.DataType.FLOAT_VALUE;
            case "int64" -> TensorProto.DataType.INT64_VALUE;
            default -> throw new IllegalArgumentException("unsupported element type " + value.elemType());
        };
        return ValueInfoProto.newBuilder()
                .setName(value.name())
                .setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape)))
                .build();
    }

    static AttributeProto intAttr(String name, long value) {
        return AttributeProto.newBuilder().setName(name)
                .setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto floatAttr(String name, float value) {
        return AttributeProto.newBuilder().setName(name)
                .setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    static AttributeProto intsAttr(String name, long... values) {
        return AttributeProto.newBuilder().setName(name)
                .setType(AttributeProto.AttributeType.INTS).addAllInts(asList(values)).build();
    }

    private static List<Long> asList(long[] values) {
        return Arrays.stream(values).boxed().toList();
    }
}
