package dev.scratchgpt.cli.local;

import java.nio.file.Path;

/** One of the three services as the launcher runs it locally. */
public enum Service {
    TOKENIZER("tokenizer-service"),
    TRAINER("trainer-service"),
    SAMPLER("sampler-service");

    private final String module;

    Service(String module) {
        this.module = module;
    }

    /** The Maven module, also the name of its log and pid files. */
    public String module() {
        return module;
    }

    /** The packaged fast-jar, relative to the repository. */
    public Path jar(Path home) {
        return home.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
    }
}
