package dev.ember.nn;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Every test of {@link TorchSerializationTest} (PyTorch's files, the round trips, the refused files, the mutation
 * fuzz of a file's bytes) again with {@code torch.load}'s {@code mmap} on by default
 * ({@link TorchSerialization#setDefaultLoadMmap}): the storages read through a memory map give the same results and
 * the same errors.
 */
class TorchSerializationMmapTest extends TorchSerializationTest {
    @BeforeEach
    void mapped() {
        TorchSerialization.setDefaultLoadMmap(true);
    }

    @AfterEach
    void unmapped() {
        TorchSerialization.setDefaultLoadMmap(false);
    }
}
