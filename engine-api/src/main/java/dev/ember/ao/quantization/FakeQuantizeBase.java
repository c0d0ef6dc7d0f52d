package dev.ember.ao.quantization;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.nn.Module;

/**
 * {@code torch.ao.quantization.FakeQuantizeBase}: the switches of a fake quantizer, the uint8 buffers
 * {@code fake_quant_enabled} and {@code observer_enabled} ([1], both on at first), saved in its state dict.
 */
public abstract class FakeQuantizeBase extends Module {
    /** Both switches on. */
    protected FakeQuantizeBase() {
        registerBuffer("fake_quant_enabled", Tensor.tensor(new byte[] {1}, DType.UINT8, Device.CPU));
        registerBuffer("observer_enabled", Tensor.tensor(new byte[] {1}, DType.UINT8, Device.CPU));
    }

    /** {@code calculate_qparams()}. */
    public abstract QParams calculateQparams();

    /** {@code enable_fake_quant(enabled)}: whether the forward fake-quantizes its input. */
    public void enableFakeQuant(boolean enabled) {
        set("fake_quant_enabled", enabled);
    }

    /** {@code enable_fake_quant()}. */
    public void enableFakeQuant() {
        enableFakeQuant(true);
    }

    /** {@code disable_fake_quant()}: the forward passes its input through (the observer may still record). */
    public void disableFakeQuant() {
        enableFakeQuant(false);
    }

    /** {@code enable_observer(enabled)}: whether the forward records statistics and updates the scale and zero point. */
    public void enableObserver(boolean enabled) {
        set("observer_enabled", enabled);
    }

    /** {@code enable_observer()}. */
    public void enableObserver() {
        enableObserver(true);
    }

    /** {@code disable_observer()}: the scale and zero point stay as they are (QAT's last epochs). */
    public void disableObserver() {
        enableObserver(false);
    }

    /** Whether fake quantization is on. */
    public boolean fakeQuantEnabled() {
        return getBuffer("fake_quant_enabled").select(0, 0).item() == 1;
    }

    /** Whether the observer is on. */
    public boolean observerEnabled() {
        return getBuffer("observer_enabled").select(0, 0).item() == 1;
    }

    private void set(String buffer, boolean on) {
        try (GradMode off = Ember.noGrad()) {
            getBuffer(buffer).select(0, 0).fill_(on ? 1 : 0);
        }
    }
}
