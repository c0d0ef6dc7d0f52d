package dev.ember.ao.quantization;

import dev.ember.nn.Module;

/**
 * The module-level switches of quantization-aware training, {@code torch.ao.quantization}'s
 * {@code enable_fake_quant}, {@code disable_fake_quant}, {@code enable_observer} and {@code disable_observer}: each
 * acts on a module that is a fake quantizer and ignores others, so that
 * {@code model.apply(Quantization::disableObserver)} freezes every scale and zero point of a model (QAT's last epochs).
 */
public final class Quantization {
    private Quantization() {
    }

    /** {@code enable_fake_quant(mod)}. */
    public static void enableFakeQuant(Module mod) {
        if (mod instanceof FakeQuantizeBase f) {
            f.enableFakeQuant();
        }
    }

    /** {@code disable_fake_quant(mod)}. */
    public static void disableFakeQuant(Module mod) {
        if (mod instanceof FakeQuantizeBase f) {
            f.disableFakeQuant();
        }
    }

    /** {@code enable_observer(mod)}. */
    public static void enableObserver(Module mod) {
        if (mod instanceof FakeQuantizeBase f) {
            f.enableObserver();
        }
    }

    /** {@code disable_observer(mod)}. */
    public static void disableObserver(Module mod) {
        if (mod instanceof FakeQuantizeBase f) {
            f.disableObserver();
        }
    }
}
