package dev.scratchgpt.cli.generate;

import dev.scratchgpt.sampler.v1.FinishReason;
import dev.scratchgpt.sampler.v1.GenerateRequest;
import dev.scratchgpt.sampler.v1.GenerateStreamResponse;
import dev.scratchgpt.sampler.v1.SamplerGrpc;
import io.grpc.ManagedChannel;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;

/**
 * Streams a generation to the terminal. Sample 0 is printed piece by piece as it is
 * sampled; further samples of the same batch are interleaved on the wire, so they are
 * collected and printed whole once the stream ends.
 */
public final class Generation {

    /** What came back: the text of every sample and how each ended. */
    public record Result(String model, int version, long seed, List<String> texts, List<FinishReason> finishReasons) {
    }

    private final SamplerGrpc.SamplerBlockingStub sampler;
    private final PrintWriter out;

    public Generation(ManagedChannel samplerChannel, PrintWriter out) {
        this.sampler = SamplerGrpc.newBlockingStub(samplerChannel);
        this.out = out;
    }

    public Result stream(GenerateRequest request) {
        TreeMap<Integer, StringBuilder> texts = new TreeMap<>();
        texts.put(0, new StringBuilder());
        List<FinishReason> reasons = new ArrayList<>();
        String model = request.getModel();
        int version = 0;
        long seed = 0;
        boolean several = request.getNumSamples() > 1;
        if (several) {
            out.println("--- sample 0 ---");
        }
        out.print(request.getPrompt());
        out.flush();
        Iterator<GenerateStreamResponse> pieces = sampler.generateStream(request);
        while (pieces.hasNext()) {
            GenerateStreamResponse piece = pieces.next();
            texts.computeIfAbsent(piece.getSampleIndex(), i -> new StringBuilder()).append(piece.getText());
            if (piece.getSampleIndex() == 0 && !piece.getText().isEmpty()) {
                out.print(piece.getText());
                out.flush();
            }
            if (!piece.getModel().isEmpty()) {
                model = piece.getModel();
                version = piece.getVersion();
            }
            if (piece.getFinishReasonsCount() > 0) {
                reasons = piece.getFinishReasonsList();
                seed = piece.getSeed();
            }
        }
        out.println();
        for (var e : texts.tailMap(1).entrySet()) {
            out.println("--- sample " + e.getKey() + " ---");
            out.println(request.getPrompt() + e.getValue());
        }
        out.flush();
        List<String> all = texts.values().stream().map(StringBuilder::toString).toList();
        return new Result(model, version, seed, all, reasons);
    }
}
