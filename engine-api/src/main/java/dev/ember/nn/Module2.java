package dev.ember.nn;

import dev.ember.Tensor;

import java.util.Arrays;

/**
 * A module whose forward takes two tensors and returns a typed result {@code R}, as a PyTorch {@code forward(self,
 * a, b)} that returns a tensor or a tuple: {@code R} is {@link Tensor}, a record of tensors, {@code List<Tensor>} or
 * {@code Tensor[]}. Callers get {@code R} from {@link #apply(Tensor, Tensor)} with no cast:
 * <pre>{@code
 * record Out(Tensor logits, Tensor mu, Tensor std) {}
 *
 * class Vae extends Module2<Out> {
 *     final Linear enc = registerModule("enc", new Linear(12, 6));
 *     final Linear dec = registerModule("dec", new Linear(3, 12));
 *
 *     @Override
 *     public Out forward(Tensor x, Tensor eps) {
 *         List<Tensor> h = enc.apply(x).chunk(2, 1);
 *         Tensor mu = h.get(0), std = h.get(1).mul(0.5).exp();
 *         return new Out(dec.apply(mu.add(std.mul(eps))), mu, std);
 *     }
 * }
 *
 * Out o = vae.apply(x, eps);   // PyTorch's logits, mu, std = vae(x, eps)
 * }</pre>
 * {@code apply} runs the hooks as {@link Module#apply(Tensor)} does; they see the inputs as a list and the result's
 * tensors as a list (a record's components in order), and a hook's replacement outputs are rebuilt into an {@code R} of
 * the same kind (a record by its canonical constructor). Optional inputs may be null. The one-tensor
 * {@link #forward(Tensor)} every module has refuses, as PyTorch's call with missing arguments does.
 *
 * @param <R> the forward's result
 */
public abstract class Module2<R> extends MultiInputModule {
    /** For subclasses. */
    protected Module2() {
        super("two", "a, b");
    }

    /** The module's computation, as PyTorch's {@code forward(a, b)}; it runs no hooks (call {@link #apply}). */
    public abstract R forward(Tensor a, Tensor b);

    /**
     * Calls the module, as PyTorch's {@code module(a, b)}: the forward pre-hooks, {@link #forward(Tensor, Tensor)}, the
     * forward hooks and the full backward hooks' bookkeeping.
     */
    public final R apply(Tensor a, Tensor b) {
        return MultiOutputs.apply(this, Arrays.asList(a, b), in -> forward(in.get(0), in.get(1)));
    }
}
