package dev.ember.nn;

/**
 * PyTorch's {@code torch.nn.modules.linear.NonDynamicallyQuantizableLinear}: a {@link Linear} subclass under another
 * name, the type of {@link MultiheadAttention}'s {@code out_proj} (PyTorch uses the name to keep dynamic quantization
 * away from it), so that the module prints as PyTorch's. Same weight, bias, init, state dict keys and forward as
 * {@link Linear}, and, as in PyTorch, an instance of it: an init written as {@code isinstance(m, nn.Linear)}
 * ({@code m instanceof Linear}, timm's and Hugging Face's {@code _init_weights}) reaches attention's output projection
 * too, while what matches the exact class (quantize_dynamic's spec, fusion patterns) leaves it alone.
 */
public class NonDynamicallyQuantizableLinear extends Linear {
    /** A layer with or without bias, initialized as {@link Linear}. */
    public NonDynamicallyQuantizableLinear(int in, int out, boolean bias) {
        super(in, out, bias);
    }
}
