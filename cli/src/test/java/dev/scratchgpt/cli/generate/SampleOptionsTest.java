package dev.scratchgpt.cli.generate;

import dev.scratchgpt.sampler.v1.GenerateRequest;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SampleOptionsTest {

    private static GenerateRequest parse(String... args) {
        SampleOptions options = new SampleOptions();
        new CommandLine(options).parseArgs(args);
        return options.toRequest("demo");
    }

    @Test
    void contextShiftIsOffUnlessAsked() {
        GenerateRequest r = parse("--prompt", "ROMEO:");
        assertFalse(r.hasContextShift());
        assertFalse(r.hasSeed()); // unset options stay unset: the sampler's defaults apply
    }

    @Test
    void bareContextShiftMeansHalfTheBlockAndANumberIsTheShift() {
        GenerateRequest bare = parse("--context-shift");
        assertTrue(bare.hasContextShift());
        assertEquals(0, bare.getContextShift().getTokens());
        assertEquals(32, parse("--context-shift", "32").getContextShift().getTokens());
    }
}
