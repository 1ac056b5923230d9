package dev.scratchgpt.cli;

import dev.scratchgpt.cli.local.LocalServices;
import dev.scratchgpt.cli.local.Service;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Start the tokenizer, trainer and sampler as background processes on this machine (building what is missing first) and wait until each reports SERVING.")
class UpCommand implements Callable<Integer> {

    @Mixin
    Endpoints endpoints;

    @Option(names = "--timeout", defaultValue = "120", paramLabel = "SECONDS",
            description = "How long to wait for each service to report SERVING (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        LocalServices services = localServices(endpoints, out);
        services.up(Duration.ofSeconds(timeoutSeconds));
        out.println("All three services are SERVING. Data in " + endpoints.dataDir() + "; stop them with ./scratchgpt down");
        out.flush();
        return 0;
    }

    /** The local services on the ports named by {@code endpoints}; extra JVM options from SCRATCHGPT_JAVA_OPTS. */
    static LocalServices localServices(Endpoints endpoints, PrintWriter out) {
        Map<Service, Integer> ports = Map.of(
                Service.TOKENIZER, Endpoints.port(endpoints.tokenizer()),
                Service.TRAINER, Endpoints.port(endpoints.trainer()),
                Service.SAMPLER, Endpoints.port(endpoints.sampler()));
        List<String> javaOptions = new ArrayList<>();
        String extra = System.getenv("SCRATCHGPT_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            javaOptions.addAll(Arrays.asList(extra.trim().split("\\s+")));
        }
        return new LocalServices(Endpoints.home(), endpoints.dataDir(), ports, javaOptions, out);
    }
}
