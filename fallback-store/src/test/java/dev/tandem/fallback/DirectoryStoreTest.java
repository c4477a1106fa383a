package dev.tandem.fallback;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local folder store (the embedded default) keeps the store contract. */
class DirectoryStoreTest extends StoreContract {

    @TempDir
    Path dir;

    private int stores;

    @Override
    FallbackStore store() throws Exception {
        return new DirectoryStore(dir.resolve("store-" + stores++));
    }

    @Test
    void keysCannotLeaveTheFolder() throws Exception {
        try (FallbackStore store = store()) {
            assertThatThrownBy(() -> store.read("../../etc/passwd"))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("leaves the export folder");
        }
    }
}
