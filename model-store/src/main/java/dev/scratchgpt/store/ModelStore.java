package dev.scratchgpt.store;

import dev.scratchgpt.onnx.ModelConfig;
import dev.scratchgpt.onnx.ModelType;
import dev.scratchgpt.onnx.ModelWeights;
import dev.scratchgpt.onnx.OnnxExporter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The model store: a folder laid out like Triton's model repository,
 * {@code <root>/<name>/<version>/model.onnx} plus {@code manifest.json}. Versions are
 * integers from 1; "latest" is the highest complete one.
 *
 * <p>Publishing writes into {@code <root>/<name>/.tmp-<host>-<pid>-<random>/} and renames that
 * folder to the next free version in one step, so a reader sees either no version or a
 * complete one; two writers racing for a number both succeed with different numbers. A
 * version folder without a complete manifest is never listed. Temporary folders left by a
 * crashed writer are removed by the next publish (or {@link #removeAbandonedTemporaryFolders}).
 * Thread-safe; several processes may share one store.
 */
public final class ModelStore {

    /** Where the store lives inside the data folder ({@code SCRATCHGPT_DATA_DIR}). */
    public static final String DATA_DIR_SUBFOLDER = "models";
    public static final String ONNX_FILE = "model.onnx";

    private static final System.Logger LOG = System.getLogger(ModelStore.class.getName());
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,8}");
    private static final String TMP_PREFIX = ".tmp-";
    /** A temporary folder this old is abandoned even if its writer's process cannot be checked. */
    private static final Duration ABANDONED_AFTER = Duration.ofHours(6);
    private static final int MAX_PUBLISH_ATTEMPTS = 100;

    private final Path root;
    private final Clock clock;
    private final String host = hostName();
    private final long pid = ProcessHandle.current().pid();
    /** Folders already logged as incomplete: one warning each, not one per listing. */
    private final Set<Path> reportedIncomplete = ConcurrentHashMap.newKeySet();

    public ModelStore(Path root) {
        this(root, Clock.systemUTC());
    }

    public ModelStore(Path root, Clock clock) {
        this.root = root.toAbsolutePath().normalize();
        this.clock = clock;
    }

    /** The store inside a data folder: {@code <dataDir>/models}. */
    public static ModelStore inDataDir(Path dataDir) {
        return new ModelStore(dataDir.resolve(DATA_DIR_SUBFOLDER));
    }

    public Path root() {
        return root;
    }

    /**
     * Exports {@code weights} to ONNX and publishes them as the next version of {@code name}.
     *
     * @return the published version
     * @throws IllegalArgumentException for a name that is not allowed ({@link #checkName})
     */
    public ModelVersion publish(String name, ModelWeights weights, String vocabularyId, Manifest.Training training)
            throws IOException {
        checkName(name);
        byte[] onnx = OnnxExporter.export(weights, vocabularyId);
        return publish(name, onnx, weights.type(), weights.config(), vocabularyId, training);
    }

    /** Publishes an already exported model.onnx of the given kind and config. */
    public ModelVersion publish(String name, byte[] onnx, ModelType type, ModelConfig config, String vocabularyId,
                                Manifest.Training training) throws IOException {
        checkName(name);
        Path modelDir = root.resolve(name);
        Files.createDirectories(modelDir);
        removeAbandonedTemporaryFolders(name);

        Path tmp = Files.createDirectory(modelDir.resolve(temporaryFolderName(pid)));
        try {
            writeDurably(tmp.resolve(ONNX_FILE), onnx);
            String sha256 = sha256(onnx);
            for (int attempt = 0; attempt < MAX_PUBLISH_ATTEMPTS; attempt++) {
                int version = highestVersionNumber(modelDir) + 1;
                Manifest manifest = new Manifest(Manifest.FORMAT, name, version, type, config, vocabularyId,
                        config.blockSize(),
                        Manifest.onnxSection(type, config, ONNX_FILE, OnnxExporter.OPSET, OnnxExporter.IR_VERSION),
                        training == null ? Manifest.Training.none() : training,
                        ModelWeights.countParameters(type, config), sha256, clock.instant().toString());
                writeDurably(tmp.resolve(Manifest.FILE_NAME), manifest.toJson().getBytes(StandardCharsets.UTF_8));
                Path target = modelDir.resolve(String.valueOf(version));
                try {
                    // rename(2): atomic, and fails if another writer took this number first.
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileSystemException raced) {
                    if (Files.exists(target)) {
                        continue;
                    }
                    throw raced;
                }
                syncDirectory(modelDir);
                LOG.log(System.Logger.Level.INFO, "published model {0} version {1} ({2} bytes, sha256 {3})",
                        name, version, onnx.length, sha256);
                return new ModelVersion(name, version, target, manifest);
            }
            throw new IOException("could not publish " + name + ": " + MAX_PUBLISH_ATTEMPTS
                    + " version numbers were taken by concurrent writers");
        } finally {
            if (Files.exists(tmp)) {
                deleteTree(tmp);
            }
        }
    }

    /** Names of the models that have at least one complete version, sorted. */
    public List<String> models() throws IOException {
        List<String> names = new ArrayList<>();
        for (Path dir : children(root)) {
            String name = dir.getFileName().toString();
            if (NAME.matcher(name).matches() && Files.isDirectory(dir) && !versions(name).isEmpty()) {
                names.add(name);
            }
        }
        names.sort(Comparator.naturalOrder());
        return names;
    }

    /** Every complete version of every model, by name then version. */
    public List<ModelVersion> list() throws IOException {
        List<ModelVersion> all = new ArrayList<>();
        for (String name : models()) {
            all.addAll(versions(name));
        }
        return all;
    }

    /** The complete versions of {@code name}, oldest first; empty when there are none. */
    public List<ModelVersion> versions(String name) throws IOException {
        checkName(name);
        List<ModelVersion> versions = new ArrayList<>();
        for (Path dir : children(root.resolve(name))) {
            String folder = dir.getFileName().toString();
            if (VERSION.matcher(folder).matches()) {
                readComplete(name, Integer.parseInt(folder)).ifPresent(versions::add);
            }
        }
        versions.sort(Comparator.comparingInt(ModelVersion::version));
        return versions;
    }

    /** The highest complete version of {@code name}. */
    public Optional<ModelVersion> latest(String name) throws IOException {
        List<ModelVersion> versions = versions(name);
        return versions.isEmpty() ? Optional.empty() : Optional.of(versions.get(versions.size() - 1));
    }

    /** Version {@code version} of {@code name}, if it is published and complete. */
    public Optional<ModelVersion> resolve(String name, int version) throws IOException {
        checkName(name);
        if (version < 1) {
            throw new IllegalArgumentException("model version must be 1 or more, got " + version);
        }
        return readComplete(name, version);
    }

    /** The manifest of a published version. */
    public Manifest readManifest(String name, int version) throws IOException {
        return resolve(name, version)
                .orElseThrow(() -> new NoSuchFileException("model " + name + " has no complete version " + version))
                .manifest();
    }

    /** Throws {@link ModelIntegrityException} unless model.onnx still has the manifest's sha256. */
    public void verify(ModelVersion model) throws IOException {
        MessageDigest digest = newSha256();
        try (InputStream in = Files.newInputStream(model.onnxFile())) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        checkSha256(model, HexFormat.of().formatHex(digest.digest()));
    }

    /**
     * Reads model.onnx and checks it against the manifest's sha256 in one go, so the bytes
     * handed to a runtime are exactly the ones checked.
     */
    public byte[] readVerifiedOnnx(ModelVersion model) throws IOException {
        byte[] bytes = Files.readAllBytes(model.onnxFile());
        checkSha256(model, sha256(bytes));
        return bytes;
    }

    private static void checkSha256(ModelVersion model, String actual) throws ModelIntegrityException {
        if (!actual.equals(model.manifest().sha256())) {
            throw new ModelIntegrityException("model " + model.name() + " version " + model.version()
                    + ": " + model.onnxFile().getFileName() + " has sha256 " + actual + " but its manifest records "
                    + model.manifest().sha256() + "; the file was changed or damaged after publishing");
        }
    }

    /**
     * Removes temporary folders of {@code name} whose writer is gone: a process of this host
     * that no longer runs, or any writer after {@link #ABANDONED_AFTER}.
     */
    public void removeAbandonedTemporaryFolders(String name) throws IOException {
        checkName(name);
        for (Path dir : children(root.resolve(name))) {
            String folder = dir.getFileName().toString();
            if (folder.startsWith(TMP_PREFIX) && isAbandoned(folder, Files.getLastModifiedTime(dir))) {
                LOG.log(System.Logger.Level.INFO, "removing abandoned temporary folder {0}", dir);
                deleteTree(dir);
            }
        }
    }

    /** {@code .tmp-<host>-<pid>-<uuid>}: who is writing, so others can tell when it died. */
    String temporaryFolderName(long writerPid) {
        return TMP_PREFIX + host + "-" + writerPid + "-" + UUID.randomUUID();
    }

    private boolean isAbandoned(String folder, FileTime modified) {
        if (modified.toInstant().isBefore(clock.instant().minus(ABANDONED_AFTER))) {
            return true;
        }
        // .tmp-<host>-<pid>-<uuid>; the uuid has four '-' and the host may have some.
        String rest = folder.substring(TMP_PREFIX.length());
        String[] parts = rest.split("-");
        if (parts.length < 7) {
            return false;
        }
        String writerPid = parts[parts.length - 6];
        String writerHost = String.join("-", Arrays.copyOf(parts, parts.length - 6));
        if (!writerHost.equals(host) || !writerPid.matches("[0-9]+")) {
            return false;
        }
        long p = Long.parseLong(writerPid);
        return p != pid && ProcessHandle.of(p).map(ph -> !ph.isAlive()).orElse(true);
    }

    /** Throws IllegalArgumentException with a readable sentence for a name that is not allowed. */
    public static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("model name '" + name + "' is not allowed: use 1 to 64 letters, "
                    + "digits, '.', '_' or '-', starting with a letter or digit");
        }
    }

    private Optional<ModelVersion> readComplete(String name, int version) {
        Path dir = root.resolve(name).resolve(String.valueOf(version));
        Path manifestFile = dir.resolve(Manifest.FILE_NAME);
        if (!Files.isRegularFile(manifestFile)) {
            return Optional.empty();
        }
        try {
            Manifest manifest = Manifest.read(manifestFile);
            manifest.checkComplete(name, version);
            if (!Files.isRegularFile(dir.resolve(manifest.onnx().file()))) {
                throw new IOException("its " + manifest.onnx().file() + " is missing");
            }
            return Optional.of(new ModelVersion(name, version, dir, manifest));
        } catch (IOException | RuntimeException e) {
            if (reportedIncomplete.add(dir)) {
                LOG.log(System.Logger.Level.WARNING, "ignoring incomplete model version {0}: {1}", dir, e.getMessage());
            }
            return Optional.empty();
        }
    }

    /** Highest integer-named folder, complete or not, so a damaged one is never overwritten. */
    private static int highestVersionNumber(Path modelDir) throws IOException {
        int highest = 0;
        for (Path dir : children(modelDir)) {
            String folder = dir.getFileName().toString();
            if (VERSION.matcher(folder).matches()) {
                highest = Math.max(highest, Integer.parseInt(folder));
            }
        }
        return highest;
    }

    private static List<Path> children(Path dir) throws IOException {
        List<Path> children = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return children;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(children::add);
        }
        return children;
    }

    private static void writeDurably(Path file, byte[] bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
    }

    private static void syncDirectory(Path dir) {
        // Makes the rename itself durable; not every file system allows opening a folder.
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // best effort
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (NoSuchFileException gone) {
            // removed concurrently
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(newSha256().digest(bytes));
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks SHA-256", e);
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9.-]", "_");
        } catch (IOException e) {
            return "unknown-host";
        }
    }
}
