package dev.scratchgpt.cli;

import dev.scratchgpt.testing.ServiceProcess;
import dev.scratchgpt.testing.SharedData;
import dev.scratchgpt.trainer.v1.Job;
import dev.scratchgpt.trainer.v1.JobState;
import dev.scratchgpt.trainer.v1.ListJobsRequest;
import dev.scratchgpt.trainer.v1.TrainerGrpc;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * From a corpus to generated text through the CLI's own code paths: the three packaged
 * services run as real processes on free ports sharing one data directory; {@code scratchgpt
 * train} uploads a small corpus and trains a tiny GPT (the trainer exports it into the store
 * at the end), then {@code scratchgpt generate} streams text from the sampler.
 */
class EndToEndTest {

    static Path data;
    static ServiceProcess tokenizer;
    static ServiceProcess trainer;
    static ServiceProcess sampler;

    @BeforeAll
    static void startServices() throws Exception {
        data = Files.createTempDirectory("scratchgpt-e2e");
        tokenizer = ServiceProcess.start("tokenizer-service", data, ServiceProcess.freePort(), Map.of());
        Map<String, String> useTokenizer = Map.of(
                "quarkus.grpc.clients.tokenizer.host", "127.0.0.1",
                "quarkus.grpc.clients.tokenizer.port", String.valueOf(tokenizer.port()));
        trainer = ServiceProcess.start("trainer-service", data, ServiceProcess.freePort(), useTokenizer);
        sampler = ServiceProcess.start("sampler-service", data, ServiceProcess.freePort(), useTokenizer);
    }

    @AfterAll
    static void stopServices() throws Exception {
        for (ServiceProcess p : new ServiceProcess[] {sampler, trainer, tokenizer}) {
            if (p != null) {
                p.close();
            }
        }
        try (var files = Files.walk(data)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    @Test
    void trainsATinyGptThenGeneratesVocabularyTextAndDrawsTheLossCurve() throws Exception {
        // The first 40,000 characters of tinyshakespeare: enough for 90/10 splits of block 32.
        String text = Files.readString(SharedData.tinyShakespeare()).substring(0, 40_000);
        Path corpus = data.resolve("e2e-corpus.txt");
        Files.writeString(corpus, text);
        Set<Integer> vocabulary = text.codePoints().boxed().collect(Collectors.toSet());

        Run train = cli("train", "--corpus", corpus.toString(), "--name", "e2e",
                "--model-type", "gpt", "--n-layer", "2", "--n-head", "2", "--n-embd", "32",
                "--block-size", "32", "--batch-size", "8", "--max-steps", "150", "--lr", "3e-3", "--dropout", "0",
                "--eval-interval", "50", "--eval-iters", "4", "--seed", "7",
                "--trainer-address", "127.0.0.1:" + trainer.port(), "--data-dir", data.toString());
        assertEquals(0, train.exit, "train failed:\n" + train.out + train.err);
        assertTrue(train.out.contains("Corpus: " + corpus + " uploaded, 40,000 bytes, 40,000 characters"), train.out);

        Matcher trained = Pattern.compile("Trained e2e v(\\d+): 150 steps").matcher(train.out);
        assertTrue(trained.find(), train.out);
        int version = Integer.parseInt(trained.group(1));

        // The loss curve sits next to the exported model and has a point per evaluation.
        Path svg = data.resolve("models/e2e/" + version + "/loss.svg");
        assertTrue(train.out.contains("Loss curve: " + svg), train.out);
        assertTrue(Files.isRegularFile(data.resolve("models/e2e/" + version + "/model.onnx")), "the trainer exported the model");
        Job job = job("e2e");
        assertEquals(JobState.JOB_STATE_SUCCEEDED, job.getState());
        assertEquals(version, job.getModelVersion());
        assertTrue(job.getLossHistoryCount() >= 3, "evaluations at 50, 100, 150: " + job.getLossHistoryList());
        Document picture = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
        assertEquals(job.getLossHistoryCount(), points(picture, "train"));
        assertEquals(job.getLossHistoryCount(), points(picture, "val"));
        float firstVal = job.getLossHistory(0).getValLoss();
        float lastVal = job.getLossHistory(job.getLossHistoryCount() - 1).getValLoss();
        assertTrue(lastVal < firstVal, "val loss falls: " + firstVal + " -> " + lastVal);
        assertTrue(lastVal < Math.log(vocabulary.size()), "below a uniform guess ln(V): " + lastVal);

        Run generate = cli("generate", "--model", "e2e", "--prompt", "ROMEO:", "--max-new-tokens", "120", "--seed", "3",
                "--sampler-address", "127.0.0.1:" + sampler.port());
        assertEquals(0, generate.exit, "generate failed:\n" + generate.out + generate.err);
        assertTrue(generate.out.startsWith("ROMEO:"), generate.out);
        String sample = generate.out.substring("ROMEO:".length(), generate.out.length() - System.lineSeparator().length());
        assertEquals(120, sample.codePointCount(0, sample.length()), "one character per token: [" + sample + "]");
        sample.codePoints().forEach(c -> assertTrue(vocabulary.contains(c),
                "generated character U+" + Integer.toHexString(c) + " is not in the corpus: [" + sample + "]"));
    }

    @Test
    void aBpeVocabularyTrainsAndSamplesThroughTheSameServices() throws Exception {
        String text = Files.readString(SharedData.tinyShakespeare()).substring(0, 40_000);
        Path corpus = data.resolve("e2e-bpe-corpus.txt");
        Files.writeString(corpus, text);
        Set<Integer> vocabulary = text.codePoints().boxed().collect(Collectors.toSet());

        Run train = cli("train", "--corpus", corpus.toString(), "--name", "e2e-bpe", "--tokenizer", "bpe",
                "--vocab-size", "300", "--model-type", "gpt", "--n-layer", "2", "--n-head", "2", "--n-embd", "32",
                "--block-size", "16", "--batch-size", "8", "--max-steps", "60", "--lr", "3e-3", "--dropout", "0",
                "--eval-interval", "30", "--eval-iters", "4", "--seed", "7",
                "--trainer-address", "127.0.0.1:" + trainer.port(), "--data-dir", data.toString());
        assertEquals(0, train.exit, "train failed:\n" + train.out + train.err);
        Job job = job("e2e-bpe");
        assertEquals(JobState.JOB_STATE_SUCCEEDED, job.getState());
        assertEquals(300, job.getVocabSize(), "256 byte tokens + 44 merges");

        // Greedy, so the sample is made of the corpus's own tokens: ASCII text of its characters,
        // each BPE token one or more characters, decoded without broken characters.
        Run generate = cli("generate", "--model", "e2e-bpe", "--prompt", "ROMEO:", "--max-new-tokens", "40",
                "--temperature", "0", "--sampler-address", "127.0.0.1:" + sampler.port());
        assertEquals(0, generate.exit, "generate failed:\n" + generate.out + generate.err);
        assertTrue(generate.out.startsWith("ROMEO:"), generate.out);
        String sample = generate.out.substring("ROMEO:".length(), generate.out.length() - System.lineSeparator().length());
        assertTrue(sample.codePointCount(0, sample.length()) >= 40, "40 tokens of at least one character: [" + sample + "]");
        sample.codePoints().forEach(c -> assertTrue(vocabulary.contains(c),
                "generated character U+" + Integer.toHexString(c) + " is not in the corpus: [" + sample + "]"));
    }

    private static Job job(String modelName) {
        ManagedChannel channel = trainer.channel();
        try {
            var jobs = TrainerGrpc.newBlockingStub(channel).listJobs(ListJobsRequest.getDefaultInstance()).getJobsList()
                    .stream().filter(j -> j.getModelName().equals(modelName)).toList();
            assertEquals(1, jobs.size(), jobs.toString());
            return jobs.get(0);
        } finally {
            channel.shutdownNow();
        }
    }

    private static int points(Document svg, String id) {
        var lines = svg.getElementsByTagName("polyline");
        for (int i = 0; i < lines.getLength(); i++) {
            Element e = (Element) lines.item(i);
            if (e.getAttribute("id").equals(id)) {
                return e.getAttribute("points").trim().split("\\s+").length;
            }
        }
        throw new AssertionError("no polyline " + id);
    }

    record Run(int exit, String out, String err) {
    }

    static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = ScratchGpt.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }
}
