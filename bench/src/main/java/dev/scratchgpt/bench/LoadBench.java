package dev.scratchgpt.bench;

import dev.scratchgpt.sampler.v1.GenerateRequest;
import dev.scratchgpt.sampler.v1.GenerateStreamResponse;
import dev.scratchgpt.sampler.v1.SamplerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Issue 7's load test: {@code clients} concurrent GenerateStream clients against one sampler for
 * {@code duration}, each looping requests back to back; the packaged tokenizer and sampler run as
 * real processes with SampleBench's model ({@link BenchSampler}). Prints requests, errors by
 * status code (any error fails the run: exit 1), aggregate tokens/s, p50/p99 time to first token
 * and time per output token, and the sampler's heap (Micrometer, /q/metrics) and native RSS
 * (/proc/PID/status VmRSS) sampled over the run, first third against last third.
 *
 * <p>Usage: {@code bench/run LoadBench [--duration 60s] [--clients 64] [--tokens 100]
 * [--max-concurrent 64|default] [--sample-every 5s] [--warmup 10s]}; the warm-up runs the same
 * load before the clock starts (0s: none). The sampler's default concurrency limit
 * (2 x cores) is below 64, so by default the sampler is started with a limit of 64; with
 * {@code --max-concurrent default} the calls over the limit are refused (RESOURCE_EXHAUSTED)
 * and the run fails, as it should.
 */
public final class LoadBench {

    /** SampleBench's GenerateStream rows in BENCHMARKS.md (quiet machine, 2026-11-26, 500 tokens each). */
    private static final String SAMPLE_BENCH_REFERENCE =
            "1 stream 253 tokens/s, 8 streams 434, 32 streams 485 (aggregate; 500 tokens per stream)";

    private final int clients;
    private final Duration duration;
    private final int tokens;
    private final OptionalInt maxConcurrent;
    private final Duration sampleEvery;
    private final Duration warmup;
    /** Requests started during the warm-up: their errors count, their timings do not. */
    private long warmupRequests;

    private final List<Double> ttftMs = Collections.synchronizedList(new ArrayList<>());
    private final List<Double> tpotMs = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Map<String, String> firstErrorMessage = new ConcurrentHashMap<>();
    private final LongAdder requests = new LongAdder();
    private final LongAdder tokensReceived = new LongAdder();

    private LoadBench(int clients, Duration duration, int tokens, OptionalInt maxConcurrent, Duration sampleEvery,
                      Duration warmup) {
        this.warmup = warmup;
        this.clients = clients;
        this.duration = duration;
        this.tokens = tokens;
        this.maxConcurrent = maxConcurrent;
        this.sampleEvery = sampleEvery;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new TreeMap<>(Map.of("--duration", "60s", "--clients", "64", "--tokens", "100",
                "--max-concurrent", "64", "--sample-every", "5s", "--warmup", "10s"));
        for (int i = 0; i < args.length; i += 2) {
            if (!options.containsKey(args[i]) || i + 1 >= args.length) {
                System.err.println("usage: bench/run LoadBench [--duration 60s] [--clients 64] [--tokens 100]"
                        + " [--max-concurrent 64|default] [--sample-every 5s] [--warmup 10s]; unknown or incomplete: " + args[i]);
                System.exit(2);
            }
            options.put(args[i], args[i + 1]);
        }
        String limit = options.get("--max-concurrent");
        LoadBench bench = new LoadBench(Integer.parseInt(options.get("--clients")), duration(options.get("--duration")),
                Integer.parseInt(options.get("--tokens")),
                limit.equals("default") ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(limit)),
                duration(options.get("--sample-every")), duration(options.get("--warmup")));
        System.exit(bench.run() ? 0 : 1);
    }

    /** "60s", "2m", "500ms" or plain seconds. */
    private static Duration duration(String text) {
        if (text.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
        }
        if (text.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1)));
        }
        return Duration.ofSeconds(Long.parseLong(text.endsWith("s") ? text.substring(0, text.length() - 1) : text));
    }

    private boolean run() throws Exception {
        System.out.printf("LoadBench: %d GenerateStream clients for %ds, %d new tokens per request, back to back;"
                + " model n_layer 4, n_head 4, n_embd 128, vocab 65, block 256 (random weights), ONNX Runtime CPU,"
                + " 1 intra-op thread per generation%n", clients, duration.toSeconds(), tokens);
        System.out.printf("sampler concurrency limit (scratchgpt.sampler.max-concurrent): %s%n",
                maxConcurrent.isPresent() ? maxConcurrent.getAsInt() + " (set for this run so that " + clients
                        + " clients are admitted)" : "the service default, 2 x available cores (calls beyond it are"
                        + " refused with RESOURCE_EXHAUSTED)");
        System.out.printf("load average before: %s%n", loadAverage());
        try (BenchSampler services = BenchSampler.start(maxConcurrent)) {
            ManagedChannel channel = services.channel();
            try {
                generate(channel, tokens, 0); // warm-up: loads the model
                long[] single = singleStream(channel);
                // Full load before the clock starts: the sampler's 64 generation threads, their ONNX
                // Runtime buffers and the heap's young generation grow to their working size here,
                // so the memory series shows the steady state rather than the ramp.
                if (!warmup.isZero()) {
                    System.out.printf("warm-up: %d clients for %ds (errors count, timings do not)%n", clients,
                            warmup.toSeconds());
                    load(channel, warmup);
                    warmupRequests = requests.sum();
                    tokensReceived.reset();
                    ttftMs.clear();
                    tpotMs.clear();
                }
                MemoryProbe memory = new MemoryProbe(services.sampler().port(), services.sampler().process().pid());
                double[] serverTtftBefore = memory.serverTimeToFirstToken();
                ScheduledExecutorService sampling = Executors.newSingleThreadScheduledExecutor();
                long t0 = System.nanoTime();
                sampling.scheduleAtFixedRate(() -> memory.sample(t0), 0, sampleEvery.toMillis(), TimeUnit.MILLISECONDS);
                load(channel, duration);
                double seconds = (System.nanoTime() - t0) / 1e9;
                sampling.shutdown();
                sampling.awaitTermination(30, TimeUnit.SECONDS);
                memory.sample(t0);
                double[] serverTtftAfter = memory.serverTimeToFirstToken();
                double serverTtftMs = 1000 * (serverTtftAfter[0] - serverTtftBefore[0])
                        / (serverTtftAfter[1] - serverTtftBefore[1]);
                return report(seconds, single, serverTtftMs, memory);
            } finally {
                channel.shutdownNow();
            }
        }
    }

    /** The same request alone, twice: {tokens, nanos, nanos to first token of the second}. */
    private long[] singleStream(ManagedChannel channel) {
        long t0 = System.nanoTime();
        generate(channel, tokens, 1);
        long[] second = generate(channel, tokens, 2);
        return new long[] {2L * tokens, System.nanoTime() - t0, second[0]};
    }

    private void load(ManagedChannel channel, Duration length) throws InterruptedException {
        long deadline = System.nanoTime() + length.toNanos();
        CountDownLatch done = new CountDownLatch(clients);
        AtomicLong seeds = new AtomicLong(1000);
        for (int c = 0; c < clients; c++) {
            Thread client = new Thread(() -> {
                try {
                    while (System.nanoTime() < deadline) {
                        requests.increment();
                        try {
                            long[] r = generate(channel, tokens, seeds.incrementAndGet());
                            ttftMs.add(r[0] / 1e6);
                            tpotMs.add((r[1] - r[0]) / 1e6 / (tokens - 1));
                        } catch (StatusRuntimeException e) {
                            error(e.getStatus().getCode().name(), e.getStatus().getDescription());
                        } catch (RuntimeException e) {
                            error(e.getClass().getSimpleName(), e.getMessage());
                        }
                    }
                } finally {
                    done.countDown();
                }
            }, "load-client-" + c);
            client.setDaemon(true);
            client.start();
        }
        done.await();
    }

    private void error(String code, String message) {
        errors.computeIfAbsent(code, k -> new LongAdder()).increment();
        firstErrorMessage.putIfAbsent(code, String.valueOf(message));
    }

    /** One GenerateStream call: {nanos to first token, nanos to last token}. */
    private long[] generate(ManagedChannel channel, int newTokens, long seed) {
        long t0 = System.nanoTime();
        long first = 0;
        long last = 0;
        int received = 0;
        Iterator<GenerateStreamResponse> it = SamplerGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.MINUTES)
                .generateStream(GenerateRequest.newBuilder().setModel(BenchSampler.MODEL).setMaxNewTokens(newTokens)
                        .setSeed(seed).build());
        while (it.hasNext()) {
            GenerateStreamResponse m = it.next();
            if (m.getTokenIdsCount() > 0) {
                last = System.nanoTime() - t0;
                if (received == 0) {
                    first = last;
                }
                received += m.getTokenIdsCount();
                tokensReceived.add(m.getTokenIdsCount());
            }
        }
        if (received != newTokens) {
            throw new IllegalStateException("the stream ended after " + received + " of " + newTokens + " tokens");
        }
        return new long[] {first, last};
    }

    private boolean report(double seconds, long[] single, double serverTtftMs, MemoryProbe memory) {
        long failed = errors.values().stream().mapToLong(LongAdder::sum).sum();
        System.out.printf("%nrequests %d (completed %d) in %.1f s (the last requests started before %ds and ran to"
                + " their end), after %d in the warm-up%n", requests.sum() - warmupRequests, ttftMs.size(), seconds,
                duration.toSeconds(), warmupRequests);
        if (failed == 0) {
            System.out.println("errors by status code, warm-up included: none");
        } else {
            System.out.println("errors by status code, warm-up included:");
            errors.forEach((code, n) -> System.out.printf("  %-20s %6d   e.g. \"%s\"%n", code, n.sum(),
                    firstErrorMessage.get(code)));
        }
        double aggregate = tokensReceived.sum() / seconds;
        double singleRate = single[0] / (single[1] / 1e9);
        System.out.printf("aggregate %.0f tokens/s over %d clients (%.1f tokens/s per client)%n", aggregate, clients,
                aggregate / clients);
        System.out.printf("time to first token   p50 %8.1f ms   p99 %8.1f ms   (%d requests)%n",
                percentile(ttftMs, 50), percentile(ttftMs, 99), ttftMs.size());
        System.out.printf("  the sampler's own mean over the run (scratchgpt_sampler_time_to_first_token_seconds,"
                + " measured inside the sampler from the start of the generation): %.1f ms%n", serverTtftMs);
        System.out.printf("time per output token p50 %8.2f ms   p99 %8.2f ms   (per request: first to last token"
                + " / (tokens - 1))%n", percentile(tpotMs, 50), percentile(tpotMs, 99));
        System.out.println("side by side:");
        System.out.printf("  this run, 1 stream alone (before the load, %d tokens x 2)  %6.0f tokens/s, time to first"
                + " token %.1f ms%n", tokens, singleRate, single[2] / 1e6);
        System.out.printf("  this run, %d clients                                      %6.0f tokens/s aggregate"
                + " (%.2fx the single stream)%n", clients, aggregate, aggregate / singleRate);
        System.out.printf("  SampleBench reference (BENCHMARKS.md): %s%n", SAMPLE_BENCH_REFERENCE);
        memory.print();
        System.out.printf("load average after: %s%n", loadAverage());
        if (failed > 0 || ttftMs.isEmpty()) {
            System.out.printf("FAILED: %d of %d requests failed%s%n", failed, requests.sum(),
                    ttftMs.isEmpty() ? " and none completed" : "");
            return false;
        }
        System.out.println("OK: zero errors");
        return true;
    }

    /** Nearest-rank percentile. */
    static double percentile(List<Double> values, double p) {
        List<Double> sorted;
        synchronized (values) {
            sorted = new ArrayList<>(values);
        }
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        Collections.sort(sorted);
        int rank = (int) Math.ceil(p / 100 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /**
     * The sampler's memory over the run: heap used and live heap after the last collection from
     * Micrometer's JVM metrics on /q/metrics, and the process's resident set from /proc.
     */
    private static final class MemoryProbe {
        private final HttpClient http = HttpClient.newHttpClient();
        private final URI metrics;
        private final Path status;
        private final List<double[]> samples = Collections.synchronizedList(new ArrayList<>());

        MemoryProbe(int port, long pid) {
            this.metrics = URI.create("http://127.0.0.1:" + port + "/q/metrics");
            this.status = Path.of("/proc", String.valueOf(pid), "status");
        }

        private String scrape() throws IOException, InterruptedException {
            return http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }

        /** The sampler's time-to-first-token timer so far: {sum in seconds, count}. */
        double[] serverTimeToFirstToken() throws IOException, InterruptedException {
            double sum = 0;
            double count = 0;
            for (String line : scrape().split("\n")) {
                if (line.startsWith("scratchgpt_sampler_time_to_first_token_seconds_sum{")) {
                    sum += value(line);
                } else if (line.startsWith("scratchgpt_sampler_time_to_first_token_seconds_count{")) {
                    count += value(line);
                }
            }
            return new double[] {sum, count};
        }

        /** {seconds since start, heap used MB, old generation used MB, RSS MB}. */
        void sample(long t0) {
            try {
                double heap = 0;
                double old = 0;
                for (String line : scrape().split("\n")) {
                    if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                        heap += value(line);
                        if (line.contains("Old Gen") || line.contains("Tenured")) {
                            old += value(line);
                        }
                    }
                }
                double rss = Double.NaN;
                for (String line : Files.readAllLines(status)) {
                    if (line.startsWith("VmRSS:")) {
                        rss = Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                    }
                }
                samples.add(new double[] {(System.nanoTime() - t0) / 1e9, heap / 1048576, old / 1048576, rss});
            } catch (IOException e) {
                System.out.println("memory sample failed: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static double value(String line) {
            return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }

        void print() {
            List<double[]> s;
            synchronized (samples) {
                s = new ArrayList<>(samples);
            }
            System.out.println("sampler memory over the run (heap used: /q/metrics jvm_memory_used_bytes{area=heap},"
                    + " all pools and the old generation alone; RSS: /proc/PID/status VmRSS):");
            System.out.println("       t s   heap used MB        old gen MB     RSS MB");
            for (double[] x : s) {
                System.out.printf("  %8.1f   %12.1f   %16.1f   %8.1f%n", x[0], x[1], x[2], x[3]);
            }
            if (s.size() < 3) {
                System.out.println("  (too few samples for thirds: lengthen --duration or shorten --sample-every)");
                return;
            }
            double end = s.get(s.size() - 1)[0];
            List<double[]> first = s.stream().filter(x -> x[0] <= end / 3).toList();
            List<double[]> last = s.stream().filter(x -> x[0] >= 2 * end / 3).toList();
            String[] names = {"", "heap used", "old gen used", "RSS"};
            System.out.printf("  first third (%d samples) vs last third (%d samples), mean / max:%n", first.size(),
                    last.size());
            for (int i = 1; i <= 3; i++) {
                int k = i;
                double m1 = first.stream().mapToDouble(x -> x[k]).average().orElse(Double.NaN);
                double m2 = last.stream().mapToDouble(x -> x[k]).average().orElse(Double.NaN);
                double x1 = first.stream().mapToDouble(x -> x[k]).max().orElse(Double.NaN);
                double x2 = last.stream().mapToDouble(x -> x[k]).max().orElse(Double.NaN);
                System.out.printf("  %-20s %8.1f / %8.1f MB  ->  %8.1f / %8.1f MB   (mean %+.1f%%)%n", names[i], m1, x1,
                        m2, x2, 100 * (m2 - m1) / m1);
            }
        }
    }
}
