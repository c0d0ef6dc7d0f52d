package dev.ember.nn;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Every test of {@link HostileFiles40Test} (mutated PyTorch files, quantized and sharded checkpoints) again with
 * {@code torch.load}'s {@code mmap} on by default ({@link TorchSerialization#setDefaultLoadMmap}).
 */
class HostileFiles40MmapTest extends HostileFiles40Test {
    @BeforeEach
    void mapped() {
        TorchSerialization.setDefaultLoadMmap(true);
    }

    @AfterEach
    void unmapped() {
        TorchSerialization.setDefaultLoadMmap(false);
    }
}
