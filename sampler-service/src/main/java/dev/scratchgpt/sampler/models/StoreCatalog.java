package dev.scratchgpt.sampler.models;

import dev.scratchgpt.onnx.ModelType;
import dev.scratchgpt.onnx.OnnxSignature;
import dev.scratchgpt.sampler.runtime.GraphSpec;
import dev.scratchgpt.store.Manifest;
import dev.scratchgpt.store.ModelIntegrityException;
import dev.scratchgpt.store.ModelStore;
import dev.scratchgpt.store.ModelVersion;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/** The registry's view of model-store's {@link ModelStore}: complete versions only, never half a model. */
public final class StoreCatalog implements ModelCatalog {

    private final ModelStore store;

    public StoreCatalog(ModelStore store) {
        this.store = store;
    }

    /**
     * Makes the store folder when it is missing (a fresh data directory), so that versions the
     * trainer publishes later are found; the sentence for why it cannot be, otherwise empty.
     */
    public Optional<String> prepare() {
        if (!Files.exists(store.root())) {
            try {
                Files.createDirectories(store.root());
            } catch (IOException e) {
                return Optional.of(unusable("does not exist and cannot be created (" + e + ")"));
            }
        }
        return problem();
    }

    /** Why the store folder cannot be read, if it cannot; model-store's own listing would just be empty. */
    Optional<String> problem() {
        Path root = store.root();
        if (!Files.exists(root)) {
            return Optional.of(unusable("does not exist"));
        }
        if (!Files.isDirectory(root)) {
            return Optional.of(unusable("is not a folder"));
        }
        if (!Files.isReadable(root) || !Files.isExecutable(root)) {
            return Optional.of(unusable("cannot be read by this process"));
        }
        return Optional.empty();
    }

    private String unusable(String why) {
        return "the model store folder " + store.root() + " " + why + "; set scratchgpt.sampler.store-dir"
                + " (SCRATCHGPT_SAMPLER_STORE_DIR) or scratchgpt.data-dir (SCRATCHGPT_DATA_DIR) to a readable folder";
    }

    @Override
    public Map<String, SortedSet<Integer>> scan() throws IOException {
        Optional<String> problem = prepare();
        if (problem.isPresent()) {
            throw new IOException(problem.get());
        }
        Map<String, SortedSet<Integer>> out = new TreeMap<>();
        for (ModelVersion v : store.list()) {
            out.computeIfAbsent(v.name(), k -> new TreeSet<>()).add(v.version());
        }
        return out;
    }

    @Override
    public VersionManifest manifest(String model, int version) throws IOException {
        Manifest m = resolve(model, version).manifest();
        boolean gpt = m.modelType() == ModelType.GPT;
        var c = m.config();
        var kv = m.onnx().kvCache();
        if (gpt && kv == null) {
            throw new IOException("manifest of " + model + " version " + version + " describes a gpt without kv_cache names");
        }
        GraphSpec graph = new GraphSpec(gpt, c.vocabSize(), m.blockSize(),
                gpt ? kv.numHeads() : 0, gpt ? kv.headDim() : 0,
                OnnxSignature.INPUT_IDS, OnnxSignature.LOGITS,
                gpt ? kv.pastKey() : List.of(), gpt ? kv.pastValue() : List.of(),
                gpt ? kv.presentKey() : List.of(), gpt ? kv.presentValue() : List.of());
        var t = m.training();
        return new VersionManifest(m.modelType().id(), m.vocabularyId(), c.vocabSize(), m.blockSize(),
                c.nLayer(), c.nHead(), c.nEmbd(), m.numParameters(),
                t == null ? 0 : (int) Math.min(Integer.MAX_VALUE, t.steps()),
                t == null || t.trainLoss() == null ? Float.NaN : t.trainLoss().floatValue(),
                t == null || t.valLoss() == null ? Float.NaN : t.valLoss().floatValue(),
                m.sha256(), parseInstant(m.createdAt()), graph);
    }

    @Override
    public Path modelFile(String model, int version) {
        try {
            return resolve(model, version).onnxFile();
        } catch (IOException e) {
            throw new ModelRefusedException(e.getMessage(), e);
        }
    }

    @Override
    public void verify(String model, int version) throws IOException {
        try {
            store.verify(resolve(model, version));
        } catch (ModelIntegrityException e) {
            throw new ModelRefusedException(e.getMessage() + "; the sampler will not serve it (re-export the model)", e);
        }
    }

    private ModelVersion resolve(String model, int version) throws IOException {
        return store.resolve(model, version).orElseThrow(
                () -> new NoSuchFileException("model " + model + " has no complete version " + version));
    }

    private static Instant parseInstant(String s) {
        try {
            return s == null ? null : Instant.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
