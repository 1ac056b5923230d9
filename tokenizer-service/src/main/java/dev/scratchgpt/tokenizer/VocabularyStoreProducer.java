package dev.scratchgpt.tokenizer;

import dev.scratchgpt.tokenizer.vocab.VocabularyStore;
import dev.scratchgpt.tokenizer.vocab.VocabularyType;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.file.Path;

/**
 * Opens the vocabulary store under {@code ${scratchgpt.data-dir}/vocabularies} with every
 * {@link VocabularyType} bean (each kind plugs in by being a bean), at startup so a broken data
 * directory shows at once.
 */
@ApplicationScoped
public class VocabularyStoreProducer {

    @Produces
    @Singleton
    VocabularyStore store(@ConfigProperty(name = "scratchgpt.data-dir", defaultValue = "./data") Path dataDir,
                          @Any Instance<VocabularyType> types, MeterRegistry registry) {
        VocabularyStore store = new VocabularyStore(dataDir.resolve("vocabularies"), types.stream().toList());
        Gauge.builder("scratchgpt.tokenizer.vocabularies", store, VocabularyStore::count)
                .description("Vocabularies stored")
                .register(registry);
        return store;
    }

    void openAtStartup(@Observes StartupEvent event, VocabularyStore store) {
        store.count();
    }
}
