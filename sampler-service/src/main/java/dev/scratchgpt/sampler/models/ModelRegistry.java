package dev.scratchgpt.sampler.models;

import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Collectors;

/**
 * Every model in the store and the state of each version, as Triton's explicit model control
 * has it. A request without a version gets the highest version that is not refused; a new
 * version found by {@link #refresh()} (the watcher calls it every few seconds, and a request
 * naming an unknown model or version calls it at once) becomes servable without a restart, and
 * the version it replaces is unloaded when its in-flight generations finish.
 */
public final class ModelRegistry implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ModelRegistry.class);

    /** Reports how long each successful load took (a metric). */
    public interface LoadTimer {
        void loaded(String model, int version, long nanos);
    }

    private final ModelCatalog catalog;
    private final ModelLoader loader;
    private final LoadTimer loadTimer;
    private final Map<String, NavigableMap<Integer, Slot>> models = new ConcurrentSkipListMap<>();
    /** Why the store could not be read at the last refresh; null when it could. */
    private volatile String storeProblem;

    public ModelRegistry(ModelCatalog catalog, ModelLoader loader, LoadTimer loadTimer) {
        this.catalog = catalog;
        this.loader = loader;
        this.loadTimer = loadTimer;
    }

    /** One version: its manifest, state and, while loaded, its session. Guarded by its own monitor. */
    private static final class Slot {
        final String model;
        final int version;
        VersionManifest manifest;
        ModelState state = ModelState.AVAILABLE;
        String error = "";
        LoadedModel loaded;
        /** Loaded by LoadModel naming this version: a newer version does not unload it. */
        boolean pinned;

        Slot(String model, int version) {
            this.model = model;
            this.version = version;
        }

        synchronized VersionStatus status(String device) {
            return new VersionStatus(model, version, state, error, manifest, loaded != null ? device : "");
        }
    }

    /** Reads the store: new versions become AVAILABLE, versions gone from it are dropped (in-flight work finishes). */
    public synchronized void refresh() {
        Map<String, SortedSet<Integer>> store;
        try {
            store = catalog.scan();
        } catch (IOException e) {
            // Versions already known keep serving; the watcher would repeat the same line every few seconds.
            String why = String.valueOf(e.getMessage());
            if (!why.equals(storeProblem)) {
                LOG.warnf("cannot read the model store: %s", why);
            }
            storeProblem = why;
            return;
        }
        if (storeProblem != null) {
            LOG.infof("the model store can be read again");
            storeProblem = null;
        }
        for (var e : store.entrySet()) {
            NavigableMap<Integer, Slot> versions = models.computeIfAbsent(e.getKey(), k -> new ConcurrentSkipListMap<>());
            for (int v : e.getValue()) {
                if (!versions.containsKey(v)) {
                    Slot slot = new Slot(e.getKey(), v);
                    try {
                        slot.manifest = catalog.manifest(e.getKey(), v);
                    } catch (IOException | RuntimeException ex) {
                        slot.state = ModelState.FAILED;
                        slot.error = "manifest.json of model " + e.getKey() + " version " + v + " cannot be read: "
                                + ex.getMessage();
                        LOG.warn(slot.error);
                    }
                    versions.put(v, slot);
                    LOG.infof("model %s version %d found in the store", e.getKey(), v);
                }
            }
        }
        for (var m : models.entrySet()) {
            SortedSet<Integer> present = store.get(m.getKey());
            m.getValue().entrySet().removeIf(v -> {
                if (present != null && present.contains(v.getKey())) {
                    return false;
                }
                unloadSlot(v.getValue());
                LOG.infof("model %s version %d left the store", m.getKey(), v.getKey());
                return true;
            });
        }
        models.entrySet().removeIf(m -> m.getValue().isEmpty());
    }

    /**
     * Loads ahead of requests any newer version of a model that is already serving, so a new
     * export takes over (or is refused, visibly in ListModels) without waiting for a request.
     */
    public void preloadNewVersions() {
        for (var versions : models.values()) {
            Slot newest = newestNotFailed(versions);
            boolean olderServing = versions.values().stream()
                    .anyMatch(s -> s != newest && isReady(s));
            if (newest != null && olderServing && !isReady(newest)) {
                try (LoadedModel.Lease ignored = lease(newest, null)) {
                    // loaded; the lease only proved it
                } catch (RuntimeException e) {
                    // refused or tokenizer away: recorded on the slot or retried next time
                }
            }
        }
    }

    /** The version a request runs on, held until the lease is closed. */
    public LoadedModel.Lease acquire(String model, int version) {
        return acquire(model, version, null);
    }

    /**
     * As {@link #acquire(String, int)}; a load this needs asks the tokenizer for the vocabulary
     * within {@code deadline} (the caller's; null: the tokenizer timeout alone).
     */
    public LoadedModel.Lease acquire(String model, int version, Deadline deadline) {
        NavigableMap<Integer, Slot> versions = versionsOf(model);
        if (version > 0) {
            Slot slot = versions.get(version);
            if (slot == null) {
                refresh();
                slot = versionsOf(model).get(version);
            }
            if (slot == null) {
                throw Status.NOT_FOUND.withDescription("model " + model + " has no version " + version
                        + " (versions in the store: " + join(versionsOf(model).keySet()) + ")").asRuntimeException();
            }
            return lease(slot, deadline);
        }
        List<String> refusals = new ArrayList<>();
        for (Slot slot : versions.descendingMap().values()) {
            try {
                return lease(slot, deadline);
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.FAILED_PRECONDITION) {
                    throw e;
                }
                refusals.add(e.getStatus().getDescription());
            }
        }
        throw Status.FAILED_PRECONDITION.withDescription("no version of model " + model + " can be served: "
                + String.join("; ", refusals)).asRuntimeException();
    }

    /** LoadModel: loads now (version 0 = latest servable) and reports the version's state. */
    public VersionStatus load(String model, int version) {
        try (LoadedModel.Lease lease = version > 0 ? leasePinned(model, version) : acquire(model, 0)) {
            return status(model, lease.loaded().version());
        }
    }

    /** UnloadModel: frees the version (version 0 = latest loaded); generations in flight on it finish first. */
    public VersionStatus unload(String model, int version) {
        NavigableMap<Integer, Slot> versions = versionsOf(model);
        Slot slot;
        if (version > 0) {
            slot = versions.get(version);
            if (slot == null) {
                throw Status.NOT_FOUND.withDescription("model " + model + " has no version " + version
                        + " (versions in the store: " + join(versions.keySet()) + ")").asRuntimeException();
            }
        } else {
            slot = versions.descendingMap().values().stream().filter(ModelRegistry::isReady).findFirst()
                    .orElseThrow(() -> Status.FAILED_PRECONDITION.withDescription("no version of model " + model
                            + " is loaded").asRuntimeException());
        }
        unloadSlot(slot);
        return slot.status(loader.device().toString());
    }

    /** ListModels: every model, versions ascending; UNAVAILABLE with the reason when the store cannot be read. */
    public List<ModelSnapshot> list() {
        refresh();
        String problem = storeProblem;
        if (problem != null) {
            throw Status.UNAVAILABLE.withDescription(problem).asRuntimeException();
        }
        List<ModelSnapshot> out = new ArrayList<>();
        for (var m : models.entrySet()) {
            List<VersionStatus> versions = m.getValue().values().stream()
                    .map(s -> s.status(loader.device().toString())).toList();
            int latest = m.getValue().isEmpty() ? 0 : m.getValue().lastKey();
            out.add(new ModelSnapshot(m.getKey(), latest, versions));
        }
        return out;
    }

    public record ModelSnapshot(String name, int latestVersion, List<VersionStatus> versions) {
    }

    /** Whether the store had this model at the last read (metrics tag only names known models). */
    public boolean knows(String model) {
        return models.containsKey(model);
    }

    public VersionStatus status(String model, int version) {
        Slot slot = versionsOf(model).get(version);
        if (slot == null) {
            throw Status.NOT_FOUND.withDescription("model " + model + " has no version " + version).asRuntimeException();
        }
        return slot.status(loader.device().toString());
    }

    @Override
    public void close() {
        models.values().forEach(vs -> vs.values().forEach(this::unloadSlot));
    }

    private LoadedModel.Lease leasePinned(String model, int version) {
        LoadedModel.Lease lease = acquire(model, version);
        Slot slot = versionsOf(model).get(version);
        synchronized (slot) {
            slot.pinned = true;
        }
        return lease;
    }

    private NavigableMap<Integer, Slot> versionsOf(String model) {
        NavigableMap<Integer, Slot> versions = models.get(model);
        if (versions == null) {
            refresh();
            versions = models.get(model);
        }
        if (versions == null && storeProblem != null) {
            throw Status.UNAVAILABLE.withDescription("model " + model + " cannot be looked up: " + storeProblem)
                    .asRuntimeException();
        }
        if (versions == null) {
            throw Status.NOT_FOUND.withDescription("model " + model + " is not in the model store (models: "
                    + (models.isEmpty() ? "none" : String.join(", ", models.keySet())) + ")").asRuntimeException();
        }
        return versions;
    }

    private LoadedModel.Lease lease(Slot slot, Deadline deadline) {
        boolean loadedNow = false;
        LoadedModel.Lease lease;
        synchronized (slot) {
            if (slot.state == ModelState.FAILED) {
                throw Status.FAILED_PRECONDITION.withDescription(slot.error).asRuntimeException();
            }
            if (slot.loaded == null || !slot.loaded.retain()) {
                slot.state = ModelState.LOADING;
                long t0 = System.nanoTime();
                try {
                    slot.loaded = loader.load(slot.model, slot.version, slot.manifest, deadline);
                } catch (ModelRefusedException e) {
                    slot.state = ModelState.FAILED;
                    slot.error = e.getMessage();
                    LOG.warnf("model %s version %d refused: %s", slot.model, slot.version, e.getMessage());
                    throw Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException();
                } catch (RuntimeException e) {
                    // The tokenizer away, the disk unreadable: not the version's fault, try again later.
                    slot.state = ModelState.AVAILABLE;
                    slot.loaded = null;
                    throw e;
                }
                long took = System.nanoTime() - t0;
                slot.state = ModelState.READY;
                slot.error = "";
                loadedNow = true;
                loadTimer.loaded(slot.model, slot.version, took);
                LOG.infof("model %s version %d loaded on %s in %d ms", slot.model, slot.version, loader.device(),
                        took / 1_000_000);
                slot.loaded.retain();
            }
            lease = slot.loaded.new Lease();
        }
        if (loadedNow) {
            retireOlder(slot);
        }
        return lease;
    }

    /** A newly loaded version replaces older ones that were only serving as "latest" (pinned ones stay). */
    private void retireOlder(Slot newer) {
        NavigableMap<Integer, Slot> versions = models.get(newer.model);
        if (versions == null || newestNotFailed(versions) != newer) {
            return;
        }
        for (Slot s : versions.headMap(newer.version, false).values()) {
            boolean pinned;
            synchronized (s) {
                pinned = s.pinned;
            }
            if (!pinned && isReady(s)) {
                unloadSlot(s);
            }
        }
    }

    private void unloadSlot(Slot slot) {
        LoadedModel loaded;
        synchronized (slot) {
            loaded = slot.loaded;
            slot.loaded = null;
            slot.pinned = false;
            if (slot.state == ModelState.READY || slot.state == ModelState.LOADING) {
                slot.state = ModelState.AVAILABLE;
            }
        }
        if (loaded != null) {
            loaded.release(); // the registry's reference; the session closes after in-flight generations
        }
    }

    private static Slot newestNotFailed(NavigableMap<Integer, Slot> versions) {
        for (Slot s : versions.descendingMap().values()) {
            synchronized (s) {
                if (s.state != ModelState.FAILED) {
                    return s;
                }
            }
        }
        return null;
    }

    private static boolean isReady(Slot s) {
        synchronized (s) {
            return s.state == ModelState.READY;
        }
    }

    private static String join(java.util.Collection<Integer> versions) {
        return versions.isEmpty() ? "none" : versions.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }
}
