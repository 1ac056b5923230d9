package dev.scratchgpt.bench;

import dev.scratchgpt.onnx.ModelConfig;
import dev.scratchgpt.onnx.ModelType;
import dev.scratchgpt.onnx.ModelWeights;
import dev.scratchgpt.onnx.OnnxExporter;
import dev.scratchgpt.store.Manifest;
import dev.scratchgpt.store.ModelStore;
import dev.scratchgpt.store.ModelVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;

/**
 * ONNX export time of nanoGPT's CPU-config model (n_layer 4, n_head 4, n_embd 128, block 64,
 * vocab 65) with random weights, against the target of 2 s. "first" is the first
 * export in a fresh JVM (class loading included), which is what a trainer pays once at the
 * end of a job; "median" is over the following runs. "publish" adds writing model.onnx and
 * manifest.json with fsync and the rename into a store in a temporary folder.
 *
 * <p>Reference, run side by side: PyTorch's own {@code torch.onnx.export} of the same model
 * ({@code bench/reference/run.sh export}; its graph has no KV cache).
 *
 * <p>{@code bench/run ExportBench [RUNS]} (default 10).
 */
public final class ExportBench {

    private static final double TARGET_MS = 2000;

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        ModelConfig config = new ModelConfig(65, 64, 4, 4, 128, true, false);
        ModelWeights weights = ModelWeights.random(ModelType.GPT, config, 1337);

        long t0 = System.nanoTime();
        byte[] onnx = OnnxExporter.export(weights, "bench-vocab");
        double firstExport = millis(t0);

        Path root = Files.createTempDirectory("export-bench-store");
        try {
            ModelStore store = new ModelStore(root);
            long t1 = System.nanoTime();
            ModelVersion first = store.publish("bench", weights, "bench-vocab", Manifest.Training.none());
            double firstPublish = millis(t1);

            double[] exports = new double[runs];
            double[] publishes = new double[runs];
            for (int i = 0; i < runs; i++) {
                long s = System.nanoTime();
                OnnxExporter.export(weights, "bench-vocab");
                exports[i] = millis(s);
                s = System.nanoTime();
                store.publish("bench", weights, "bench-vocab", Manifest.Training.none());
                publishes[i] = millis(s);
            }

            System.out.printf("ExportBench: gpt n_layer 4, n_head 4, n_embd 128, block 64, vocab 65 (%,d parameters), "
                    + "model.onnx %,d bytes, sha256 %s...%n", weights.numParameters(), onnx.length,
                    first.manifest().sha256().substring(0, 12));
            System.out.printf("%-34s %10s %12s %10s%n", "", "first", "median", "target");
            System.out.printf("%-34s %8.1f ms %9.1f ms %7.0f ms%n", "export (weights -> model.onnx bytes)",
                    firstExport, median(exports), TARGET_MS);
            System.out.printf("%-34s %8.1f ms %9.1f ms %7.0f ms%n", "publish (export + fsync + rename)",
                    firstPublish, median(publishes), TARGET_MS);
            Map<String, String> torch = pytorchReference(runs);
            if (torch.containsKey("first_ms")) {
                System.out.printf("%-34s %8.1f ms %9.1f ms   (%s bytes, torch %s, blas %s)%n",
                        "reference: torch.onnx.export", Double.parseDouble(torch.get("first_ms")),
                        Double.parseDouble(torch.get("median_ms")), torch.get("bytes"), torch.get("torch"),
                        torch.get("blas"));
            } else {
                System.out.println("reference: bench/reference/run.sh export did not run: " + torch.get("error"));
            }
            System.out.printf("(%d runs after the first; first = first export in the process)%n", runs);
        } finally {
            try (var paths = Files.walk(root)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** key=value fields of the PyTorch reference's config and result lines. */
    private static Map<String, String> pytorchReference(int runs) {
        Map<String, String> fields = new HashMap<>();
        Path script = Path.of("bench", "reference", "run.sh");
        try {
            Process process = new ProcessBuilder(script.toString(), "export", "--runs", String.valueOf(runs))
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                fields.put("error", "exit code " + process.exitValue());
            }
            for (String line : out.split("\n")) {
                for (String part : line.split(" ")) {
                    int eq = part.indexOf('=');
                    if (eq > 0) {
                        fields.put(part.substring(0, eq), part.substring(eq + 1));
                    }
                }
            }
        } catch (IOException e) {
            fields.put("error", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fields.put("error", "interrupted");
        }
        return fields;
    }

    private static double millis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
