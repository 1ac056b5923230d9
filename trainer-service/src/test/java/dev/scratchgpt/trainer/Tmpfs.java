package dev.scratchgpt.trainer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs mounted on a test folder, for real ENOSPC and read-only errors (root ignores
 * file permissions, so chmod cannot make a folder unwritable for it). Needs mount(8) and the
 * right to use it (root with CAP_SYS_ADMIN); {@link #mount} fails loudly, never skips, when the
 * machine does not allow it.
 */
final class Tmpfs implements AutoCloseable {

    private final Path dir;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    /** {@code mount -t tmpfs -o <options> tmpfs <dir>}, e.g. options "size=64m" or "ro,size=1m". */
    static Tmpfs mount(Path dir, String options) throws IOException, InterruptedException {
        run(List.of("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString()),
                "these fault tests cause real ENOSPC and EROFS errors on a tmpfs; run them as root with CAP_SYS_ADMIN"
                        + " (e.g. a privileged CI container)");
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
