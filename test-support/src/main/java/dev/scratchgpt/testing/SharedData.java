package dev.scratchgpt.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The corpora in {@code ../shared/data} beside the repository (tinyshakespeare, the Verne
 * text). They are read in place, never copied into the repository. A test that needs one
 * fails with a sentence when it is missing: CI lays shared/ beside every clone.
 */
public final class SharedData {

    private SharedData() {
    }

    public static Path tinyShakespeare() {
        return path("tinyshakespeare.txt");
    }

    public static Path journeyToTheCentreOfTheEarth() {
        return path("journey-to-the-center-of-the-earth.txt");
    }

    /** Looks for {@code shared/data/<name>} beside this folder or any of its parents. */
    public static Path path(String name) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("data").resolve(name);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("Corpus " + name + " not found in shared/data beside the repository"
                + " (looked upwards from " + Path.of("").toAbsolutePath() + ")");
    }
}
