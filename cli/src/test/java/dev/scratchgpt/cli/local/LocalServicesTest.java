package dev.scratchgpt.cli.local;

import dev.scratchgpt.testing.ServiceProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** up / status / down on the real packaged services, on free ports and a temporary data directory. */
class LocalServicesTest {

    static final Path HOME = Path.of("..").toAbsolutePath().normalize();

    @Test
    void upStartsAllThreeServingAndDownStopsExactlyThem(@TempDir Path data) throws Exception {
        StringWriter log = new StringWriter();
        Map<Service, Integer> ports = Map.of(Service.TOKENIZER, ServiceProcess.freePort(),
                Service.TRAINER, ServiceProcess.freePort(), Service.SAMPLER, ServiceProcess.freePort());
        LocalServices services = new LocalServices(HOME, data, ports, List.of("-Xmx512m"), new PrintWriter(log, true));
        List<ProcessHandle> started = new ArrayList<>();
        try {
            services.up(Duration.ofSeconds(90));
            for (Service s : Service.values()) {
                assertTrue(Health.isServing("localhost:" + ports.get(s)), s + " serving");
                ProcessHandle h = services.ourProcess(s).orElseThrow(() -> new AssertionError(s + " has no live pid file"));
                started.add(h);
                assertEquals(Long.toString(h.pid()), Files.readString(services.pidFile(s)).trim());
                assertTrue(Files.isRegularFile(services.logFile(s)), s + " log");
            }
            assertTrue(services.status().stream().allMatch(l -> l.contains(" up ")), services.status().toString());

            // The trainer runs with the environment its build ships (trainer-service/src/main/native):
            // the MKL dispatch library is loaded into it, malloc is tuned; the others get neither.
            String library = "trainer-service/target/quarkus-app/native/libmkl-cpu-dispatch.so";
            long trainer = services.ourProcess(Service.TRAINER).orElseThrow().pid();
            assertTrue(Files.readString(Path.of("/proc", Long.toString(trainer), "maps")).contains(library),
                    "the trainer has " + library + " loaded");
            assertTrue(Files.readString(Path.of("/proc", Long.toString(trainer), "environ"))
                    .contains("GLIBC_TUNABLES=glibc.malloc.mmap_threshold="), "the trainer's malloc is tuned");
            long tokenizer = services.ourProcess(Service.TOKENIZER).orElseThrow().pid();
            assertFalse(Files.readString(Path.of("/proc", Long.toString(tokenizer), "maps")).contains(library));

            // A second up finds them running and starts nothing new.
            services.up(Duration.ofSeconds(30));
            for (Service s : Service.values()) {
                assertEquals(started.get(s.ordinal()).pid(), services.ourProcess(s).orElseThrow().pid());
            }
        } finally {
            services.down(Duration.ofSeconds(30));
        }
        for (int i = 0; i < started.size(); i++) {
            assertFalse(started.get(i).isAlive(), Service.values()[i] + " still alive after down");
            assertFalse(Files.exists(services.pidFile(Service.values()[i])), "pid file removed");
        }
        assertTrue(services.status().stream().noneMatch(l -> l.contains(" up ")), services.status().toString());
    }

    @Test
    void downNeverSignalsAProcessThatIsNotOurService(@TempDir Path data) throws Exception {
        // A stale pid file naming a live java process that does not run the service jar (this test JVM).
        StringWriter log = new StringWriter();
        LocalServices services = new LocalServices(HOME, data, Map.of(Service.TOKENIZER, ServiceProcess.freePort(),
                Service.TRAINER, ServiceProcess.freePort(), Service.SAMPLER, ServiceProcess.freePort()),
                List.of(), new PrintWriter(log, true));
        Files.createDirectories(services.pidFile(Service.TRAINER).getParent());
        Files.writeString(services.pidFile(Service.TRAINER), ProcessHandle.current().pid() + "\n");

        services.down(Duration.ofSeconds(5));

        assertTrue(ProcessHandle.current().isAlive());
        assertTrue(log.toString().contains("trainer-service    not running (removed stale pid file; pid " + ProcessHandle.current().pid() + " is not ours)"),
                log.toString());
        assertFalse(Files.exists(services.pidFile(Service.TRAINER)));
    }
}
