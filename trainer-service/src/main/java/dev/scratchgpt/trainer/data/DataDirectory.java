package dev.scratchgpt.trainer.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The trainer's data directory ({@code scratchgpt.data-dir}): corpora, encoded ids, job records,
 * checkpoints and the model store. The trainer refuses to start on one it cannot write, rather
 * than accept jobs whose every checkpoint would fail.
 */
public final class DataDirectory {

    private DataDirectory() {
    }

    /**
     * Creates {@code dir} if needed and writes, syncs and deletes a probe file in it.
     *
     * @throws IllegalStateException with one sentence naming the folder and the operating system's reason
     */
    public static void requireWritable(Path dir) {
        Path absolute = dir.toAbsolutePath().normalize();
        Path probe = absolute.resolve(".write-probe-" + ProcessHandle.current().pid());
        try {
            Files.createDirectories(absolute);
            try (FileChannel channel = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(ByteBuffer.wrap(new byte[]{1}));
                channel.force(true);
            } finally {
                Files.deleteIfExists(probe);
            }
        } catch (IOException e) {
            String file = e instanceof FileSystemException fs && fs.getFile() != null ? fs.getFile() + ": " : "";
            throw new IllegalStateException("the data directory " + absolute + " is not writable (" + file + reason(e)
                    + "); point scratchgpt.data-dir (SCRATCHGPT_DATA_DIR) at a writable folder");
        }
    }

    /** Writes a file's new content to a temporary file beside it. */
    public interface Content {
        void writeTo(Path temp) throws IOException;
    }

    /**
     * Replaces {@code target} by what {@code content} writes: into a temporary file in the same
     * folder, then renamed over it, so readers (and a crash) see the old file or the new one. On
     * failure the temporary file is removed, the old file is untouched and the exception is rethrown.
     */
    public static void replaceAtomically(Path target, Content content) throws IOException {
        Path temp = null;
        try {
            Files.createDirectories(target.getParent());
            temp = Files.createTempFile(target.getParent(), target.getFileName() + "-", ".tmp");
            content.writeTo(temp);
            move(temp, target);
        } catch (IOException e) {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            throw e;
        }
    }

    /** Renames atomically where the file system can, replacing {@code to}. */
    public static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * True when the operating system said the disk is full (ENOSPC), the quota is used up
     * (EDQUOT) or the process's file-size limit is reached (EFBIG).
     */
    public static boolean isFull(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded")
                    || m.contains("File too large"))) {
                return true;
            }
        }
        return false;
    }

    /** The operating system's reason ("No space left on device"), not Java's exception class. */
    public static String reason(IOException e) {
        if (e instanceof FileAlreadyExistsException) {
            return "it exists and is not a folder"; // createDirectories met a file on the way
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
