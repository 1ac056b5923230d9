package dev.scratchgpt.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported files pass the official ONNX checker with full shape inference (Debian's
 * python3-onnx under /usr/bin/python3; .ci/run installs it).
 */
class OnnxCheckerTest {

    private static final String CHECK = "import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)";

    @TempDir
    Path dir;

    @Test
    void bigramPassesTheChecker() throws Exception {
        ModelWeights weights = ModelWeights.random(ModelType.BIGRAM, ModelConfig.bigram(65, 8), 1);
        assertChecked(weights, "bigram.onnx");
    }

    @Test
    void gptWithBiasesPassesTheChecker() throws Exception {
        assertChecked(ModelWeights.random(ModelType.GPT, new ModelConfig(65, 64, 2, 4, 32, true, false), 2), "gpt.onnx");
    }

    @Test
    void tiedGptWithoutBiasesPassesTheChecker() throws Exception {
        assertChecked(ModelWeights.random(ModelType.GPT, new ModelConfig(65, 32, 1, 2, 16, false, true), 3), "tied.onnx");
    }

    @Test
    void theCheckerRejectsABrokenFile() throws Exception {
        // The check can fail: a graph whose node reads a value nobody produces is refused.
        ModelWeights weights = ModelWeights.random(ModelType.BIGRAM, ModelConfig.bigram(5, 4), 4);
        var broken = OnnxExporter.toModel(weights, "v").toBuilder();
        broken.getGraphBuilder().getNodeBuilder(0).setInput(1, "no_such_value");
        Path file = dir.resolve("broken.onnx");
        Files.write(file, broken.build().toByteArray());
        assertEquals(1, runChecker(file).exitCode);
    }

    private void assertChecked(ModelWeights weights, String fileName) throws Exception {
        Path file = dir.resolve(fileName);
        OnnxExporter.export(weights, "vocab-test", file);
        Outcome outcome = runChecker(file);
        assertEquals(0, outcome.exitCode, "onnx.checker on " + fileName + ": " + outcome.output);
    }

    private record Outcome(int exitCode, String output) {
    }

    private static Outcome runChecker(Path file) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("/usr/bin/python3", "-c", CHECK, file.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("onnx checker did not finish in 60 s");
        }
        return new Outcome(process.exitValue(), output);
    }
}
