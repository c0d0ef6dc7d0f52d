package dev.ember.ao.nn.quantized;

import dev.ember.QuantizedActivations;
import dev.ember.Tensor;
import dev.ember.nn.Module;

/**
 * {@code torch.ao.nn.quantized.DeQuantize}: a quantized activation's float values (a plain float32 tensor), what a
 * {@link dev.ember.ao.quantization.DeQuantStub} becomes at {@code convert}. A float input passes unchanged, as
 * PyTorch's {@code Tensor.dequantize()} returns a float tensor itself.
 */
public class DeQuantize extends Module {
    /** {@code DeQuantize()}. */
    public DeQuantize() {
    }

    /**
     * {@code x.dequantize()}.
     *
     * @param x a quantized activation, or a float tensor
     * @return the float values
     */
    @Override
    public Tensor forward(Tensor x) {
        if (x == null) {
            throw new IllegalArgumentException("dequantize(): argument 'input' must be Tensor, not null");
        }
        return QuantizedActivations.dequantize(x);
    }
}
