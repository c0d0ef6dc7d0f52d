package dev.ember;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The outsider programs' generators run under {@code torch.set_default_dtype(torch.float64)}: the programs' own
 * constants ({@code torch.eye(n)}, {@code torch.tensor([0.1, 0.5])}, {@code Normal(0.0, 1.0)}) are float64 there, so
 * each test of a subclass runs with that default and restores the one before.
 */
abstract class Float64DefaultDtype {
    private DType defaultBefore;

    @BeforeEach
    void float64Default() {
        defaultBefore = Ember.getDefaultDtype();
        Ember.setDefaultDtype(DType.FLOAT64);
    }

    @AfterEach
    void restoreDefault() {
        Ember.setDefaultDtype(defaultBefore);
    }
}
