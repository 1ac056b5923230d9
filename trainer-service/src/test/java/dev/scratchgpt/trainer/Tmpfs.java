package dev.scratchgpt.trainer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs mounted on a test folder, for real ENOSPC and read-only errors (root ignores
 * file permissions, so chmod cannot make a folder unwritable for it). Needs mount(8) and the
 * right to use it (root with CAP_SYS_ADMIN): {@link #allowed()} says whether this machine gives it,
 * so a test can take another real mechanism where it does not.
 */
final class Tmpfs implements AutoCloseable {

    private final Path dir;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    /** Whether a tmpfs can be mounted here (tries once, on a scratch folder). */
    static synchronized boolean allowed() {
        if (allowed == null) {
            if (Boolean.getBoolean("scratchgpt.test.no-mount")) {
                return allowed = false; // to exercise the other mechanisms on a machine that could mount
            }
            try {
                Path probe = java.nio.file.Files.createTempDirectory("tmpfs-probe");
                try (Tmpfs ignored = mount(probe, "size=1m")) {
                    allowed = true;
                } finally {
                    java.nio.file.Files.deleteIfExists(probe);
                }
            } catch (Exception e) {
                allowed = false;
            }
        }
        return allowed;
    }

    private static Boolean allowed;

    /** {@code mount -t tmpfs -o <options> tmpfs <dir>}, e.g. options "size=64m" or "ro,size=1m". */
    static Tmpfs mount(Path dir, String options) throws IOException, InterruptedException {
        run(List.of("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString()),
                "mounting a tmpfs needs root with CAP_SYS_ADMIN");
        return new Tmpfs(dir);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run(List.of("umount", "-l", dir.toString()), "unmounting the test tmpfs");
    }

    private static void run(List<String> command, String why) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + out + "): " + why);
        }
    }
}
