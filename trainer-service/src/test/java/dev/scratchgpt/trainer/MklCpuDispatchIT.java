package dev.scratchgpt.trainer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trainer's process environment (src/main/native/environment, shipped in
 * target/quarkus-app/native) does what it says: with it, the MKL inside libtorch takes the
 * matrix-multiply path of the CPU's instruction sets; without it, on an AMD CPU, MKL's generic
 * path. Read off MKL's own verbose header in a child JVM that multiplies two matrices. If a
 * libtorch upgrade renames the MKL function the library answers for, the first test fails.
 */
class MklCpuDispatchIT {

    static final Path APP = Path.of("target/quarkus-app").toAbsolutePath();

    @Test
    void withTheTrainerEnvironmentMklUsesTheCpusInstructionSets() throws Exception {
        String header = mklHeader(environment());
        String expected = cpuFlags().containsAll(Set.of("avx512f", "avx512bw", "avx512dq", "avx512vl"))
                ? "(Intel(R) AVX-512)" : cpuFlags().contains("avx2") ? "(Intel(R) AVX2)" : "Intel(R) Architecture processors";
        assertTrue(header.contains(expected), "expected MKL to name " + expected + ", got: " + header);
    }

    @Test
    void withoutItMklTakesItsGenericPathOnAmd() throws Exception {
        String header = mklHeader(Map.of());
        if (cpuVendor().equals("AuthenticAMD")) {
            // Why the library exists. Should a future MKL stop asking for the vendor, this fails
            // and the library can go.
            assertTrue(header.contains("Intel(R) Architecture processors"), header);
        } else {
            assertTrue(header.contains("Intel(R) AVX") || !cpuFlags().contains("avx2"), header);
        }
    }

    @Test
    void theImagesSetTheSameEnvironment() throws IOException {
        Map<String, String> expected = new LinkedHashMap<>(environment("/deployments"));
        for (String dockerfile : List.of("Dockerfile.jvm", "Dockerfile.gpu")) {
            String text = Files.readString(Path.of("src/main/docker", dockerfile)).replace("\\\n", " ");
            for (Map.Entry<String, String> e : expected.entrySet()) {
                assertTrue(text.matches("(?s).*\\bENV\\b[^\\n]*\\b" + e.getKey() + "=" + java.util.regex.Pattern.quote(e.getValue()) + "(\\s.*|$)"),
                        dockerfile + " does not set " + e.getKey() + "=" + e.getValue());
            }
        }
        assertEquals(Set.of("LD_PRELOAD", "GLIBC_TUNABLES"), expected.keySet());
    }

    private static Map<String, String> environment() throws IOException {
        Map<String, String> env = environment(APP.toString());
        assertTrue(Files.isRegularFile(Path.of(env.get("LD_PRELOAD"))), "the build made " + env.get("LD_PRELOAD"));
        return env;
    }

    private static Map<String, String> environment(String app) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : Files.readAllLines(APP.resolve("native/environment"))) {
            int eq = line.indexOf('=');
            if (!line.startsWith("#") && eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1).replace("${app}", app));
            }
        }
        return env;
    }

    /** MKL's first verbose line from a child JVM with {@code env} added, after one matmul. */
    private static String mklHeader(Map<String, String> env) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dai.djl.pytorch.num_threads=1", "-cp", System.getProperty("java.class.path"),
                MklProbe.class.getName()));
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true);
        builder.environment().remove("LD_PRELOAD");
        builder.environment().putAll(env);
        builder.environment().put("MKL_VERBOSE", "1");
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe finished");
        assertEquals(0, p.exitValue(), out);
        return out.lines().filter(l -> l.startsWith("MKL_VERBOSE oneMKL") || l.startsWith("MKL_VERBOSE Intel"))
                .findFirst().orElseThrow(() -> new AssertionError("no MKL header in: " + out));
    }

    private static String cpuVendor() throws IOException {
        return cpuinfo("vendor_id");
    }

    private static Set<String> cpuFlags() throws IOException {
        return Set.of(cpuinfo("flags").split("\\s+"));
    }

    private static String cpuinfo(String key) throws IOException {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith(key))
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("");
    }
}
