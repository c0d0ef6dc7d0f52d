package dev.ember.nn;

import dev.ember.Tensor;

import java.util.Arrays;

/**
 * A module whose forward takes three tensors and returns a typed result {@code R}, as a PyTorch {@code forward(self,
 * a, b, c)} that returns a tensor or a tuple: {@code R} is {@link Tensor}, a record of tensors, {@code List<Tensor>} or
 * {@code Tensor[]}. Callers get {@code R} from {@link #apply(Tensor, Tensor, Tensor)} with no cast:
 * <pre>{@code
 * record Out(Tensor logits, Tensor h, Tensor c) {}
 *
 * class CharModel extends Module3<Out> {
 *     final Embedding emb = registerModule("emb", new Embedding(10, 5));
 *     final LSTM lstm = registerModule("lstm", new LSTM(5, 8, true));
 *     final Linear head = registerModule("head", new Linear(8, 10));
 *
 *     @Override
 *     public Out forward(Tensor tokens, Tensor h, Tensor c) {
 *         RnnOutput r = lstm.apply(emb.apply(tokens), new LstmState(h, c));
 *         return new Out(head.apply(r.output()), r.h(), r.c());
 *     }
 * }
 *
 * Out o = model.apply(tokens, h.detach(), c.detach());   // PyTorch's logits, h, c = model(tokens, h, c)
 * }</pre>
 * {@code apply} runs the hooks as {@link Module#apply(Tensor)} does; they see the inputs as a list and the result's
 * tensors as a list (a record's components in order), and a hook's replacement outputs are rebuilt into an {@code R} of
 * the same kind (a record by its canonical constructor). Optional inputs may be null. The one-tensor
 * {@link #forward(Tensor)} every module has refuses, as PyTorch's call with missing arguments does.
 *
 * @param <R> the forward's result
 */
public abstract class Module3<R> extends MultiInputModule {
    /** For subclasses. */
    protected Module3() {
        super("three", "a, b, c");
    }

    /** The module's computation, as PyTorch's {@code forward(a, b, c)}; it runs no hooks (call {@link #apply}). */
    public abstract R forward(Tensor a, Tensor b, Tensor c);

    /**
     * Calls the module, as PyTorch's {@code module(a, b, c)}: the forward pre-hooks,
     * {@link #forward(Tensor, Tensor, Tensor)}, the forward hooks and the full backward hooks' bookkeeping.
     */
    public final R apply(Tensor a, Tensor b, Tensor c) {
        return MultiOutputs.apply(this, Arrays.asList(a, b, c), in -> forward(in.get(0), in.get(1), in.get(2)));
    }
}
