package dev.scratchgpt.sampler.models;

import dev.scratchgpt.sampler.runtime.ExecutionDevice;
import dev.scratchgpt.store.ModelStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StoreCatalogTest {

    @TempDir
    Path tmp;

    @Test
    void aMissingStoreFolderIsMadeSoThatLaterVersionsAreFound() throws IOException {
        Path store = tmp.resolve("data").resolve("models");
        assertEquals(Optional.empty(), new StoreCatalog(new ModelStore(store)).prepare());
        assertTrue(Files.isDirectory(store));
        assertTrue(new StoreCatalog(new ModelStore(store)).scan().isEmpty());
    }

    @Test
    void aStoreFolderThatIsAFileIsExplainedAndListModelsSaysSo() throws IOException {
        Path file = Files.writeString(tmp.resolve("models"), "not a folder");
        StoreCatalog catalog = new StoreCatalog(new ModelStore(file));
        String why = "the model store folder " + file + " is not a folder; set scratchgpt.sampler.store-dir"
                + " (SCRATCHGPT_SAMPLER_STORE_DIR) or scratchgpt.data-dir (SCRATCHGPT_DATA_DIR) to a readable folder";
        assertEquals(Optional.of(why), catalog.prepare());
        assertEquals(why, assertThrows(IOException.class, catalog::scan).getMessage());

        ModelRegistry registry = new ModelRegistry(catalog,
                new ModelLoader(catalog, (id, deadline) -> Optional.empty(), ExecutionDevice.CPU, 1), (m, v, n) -> {
        });
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, registry::list);
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals(why, e.getStatus().getDescription());
        StatusRuntimeException acquire = assertThrows(StatusRuntimeException.class, () -> registry.acquire("m", 0));
        assertEquals(Status.Code.UNAVAILABLE, acquire.getStatus().getCode());
        assertEquals("model m cannot be looked up: " + why, acquire.getStatus().getDescription());
    }

    @Test
    void aStoreFolderThatCannotBeCreatedIsExplained() throws IOException {
        Path file = Files.writeString(tmp.resolve("data"), "a file where the data folder should be");
        Optional<String> why = new StoreCatalog(new ModelStore(file.resolve("models"))).prepare();
        assertTrue(why.orElseThrow().startsWith("the model store folder " + file.resolve("models")
                + " does not exist and cannot be created ("), why.get());
    }
}
