package dev.scratchgpt.sampler.models;

import dev.scratchgpt.sampler.generate.Vocabulary;
import dev.scratchgpt.sampler.runtime.OnnxLanguageModel;
import org.jboss.logging.Logger;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A version in memory, reference counted: the registry holds one reference while it serves the
 * version, every generation holds one while it runs. The session closes when the last one goes,
 * so an unloaded or replaced version lets its in-flight requests finish first.
 */
public final class LoadedModel {

    private static final Logger LOG = Logger.getLogger(LoadedModel.class);

    private final String name;
    private final int version;
    private final OnnxLanguageModel model;
    private final Vocabulary vocabulary;
    private final AtomicInteger references = new AtomicInteger(1);

    LoadedModel(String name, int version, OnnxLanguageModel model, Vocabulary vocabulary) {
        this.name = name;
        this.version = version;
        this.model = model;
        this.vocabulary = vocabulary;
    }

    public String name() {
        return name;
    }

    public int version() {
        return version;
    }

    public OnnxLanguageModel model() {
        return model;
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** False once the session is closed. */
    boolean retain() {
        while (true) {
            int n = references.get();
            if (n == 0) {
                return false;
            }
            if (references.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void release() {
        if (references.decrementAndGet() == 0) {
            try {
                model.close();
                LOG.infof("model %s version %d unloaded", name, version);
            } catch (Exception e) {
                LOG.warnf("closing model %s version %d: %s", name, version, e.getMessage());
            }
        }
    }

    /** A generation's hold on the version; close it when the generation ends. */
    public final class Lease implements AutoCloseable {
        private boolean closed;

        Lease() {
        }

        public LoadedModel loaded() {
            return LoadedModel.this;
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                release();
            }
        }
    }
}
