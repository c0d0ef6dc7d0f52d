package dev.ember.ao.nn.quantized;

import dev.ember.QuantizedActivations;
import dev.ember.Tensor;
import dev.ember.ao.quantization.QuantizedTensor;

import java.util.Locale;

/** The quantized modules' reading of their input: a quantized activation, or PyTorch's refusal of a float tensor. */
final class Activations {
    private Activations() {
    }

    /**
     * The quantized tensor {@code x} carries ({@link QuantizedActivations}), or PyTorch's message for a float tensor
     * reaching a quantized op.
     */
    static QuantizedTensor input(Tensor x, String op) {
        check(x, op);
        return QuantizedActivations.quantized(x);
    }

    /** PyTorch's message for a float tensor (or null) reaching a quantized op; nothing for a quantized activation. */
    static void check(Tensor x, String op) {
        if (x == null) {
            throw new IllegalArgumentException(op + "(): argument 'input' must be Tensor, not null");
        }
        if (!QuantizedActivations.isQuantized(x)) {
            throw new UnsupportedOperationException("Could not run '" + op + "' with arguments from the '"
                    + x.device().type().toUpperCase(Locale.ROOT) + "' backend. This could be because the operator doesn't "
                    + "exist for this backend, or was omitted during the selective/custom build process (if using custom "
                    + "build). (Ember: the input is a float tensor: quantize it first, with a QuantStub before the layer; "
                    + "a float op between quantized layers other than relu, max_pool2d, views and copies gives a float "
                    + "tensor)");
        }
    }
}
