package dev.ember.nn;

import dev.ember.Tensor;

import java.util.Arrays;

/**
 * A module whose forward takes four tensors and returns a typed result {@code R}, as a PyTorch {@code forward(self,
 * a, b, c, d)} that returns a tensor or a tuple (an attention decoder's {@code forward(tgt, hidden, memory,
 * memory_mask)}): {@code R} is {@link Tensor}, a record of tensors, {@code List<Tensor>} or {@code Tensor[]}. Callers
 * get {@code R} from {@link #apply(Tensor, Tensor, Tensor, Tensor)} with no cast:
 * <pre>{@code
 * record Out(Tensor logits, Tensor attn) {}
 *
 * class Decoder extends Module4<Out> {
 *     final Embedding emb = registerModule("emb", new Embedding(8, 6, 0));
 *     final GRUCell cell = registerModule("cell", new GRUCell(16, 5));
 *     final Linear out = registerModule("out", new Linear(15, 8));
 *
 *     @Override
 *     public Out forward(Tensor tokens, Tensor h, Tensor memory, Tensor memoryMask) {
 *         ...  // scores over memory, masked_fill(~memoryMask, -inf), softmax, bmm, cell steps
 *     }
 * }
 *
 * Out o = decoder.apply(tokens, h, encOut, src.ne(0));   // PyTorch's logits, attn = decoder(tokens, h, enc_out, mask)
 * }</pre>
 * {@code apply} runs the hooks as {@link Module#apply(Tensor)} does; they see the inputs as a list and the result's
 * tensors as a list (a record's components in order), and a hook's replacement outputs are rebuilt into an {@code R} of
 * the same kind (a record by its canonical constructor). Optional inputs may be null. The one-tensor
 * {@link #forward(Tensor)} every module has refuses, as PyTorch's call with missing arguments does.
 *
 * @param <R> the forward's result
 */
public abstract class Module4<R> extends MultiInputModule {
    /** For subclasses. */
    protected Module4() {
        super("four", "a, b, c, d");
    }

    /** The module's computation, as PyTorch's {@code forward(a, b, c, d)}; it runs no hooks (call {@link #apply}). */
    public abstract R forward(Tensor a, Tensor b, Tensor c, Tensor d);

    /**
     * Calls the module, as PyTorch's {@code module(a, b, c, d)}: the forward pre-hooks,
     * {@link #forward(Tensor, Tensor, Tensor, Tensor)}, the forward hooks and the full backward hooks' bookkeeping.
     */
    public final R apply(Tensor a, Tensor b, Tensor c, Tensor d) {
        return MultiOutputs.apply(this, Arrays.asList(a, b, c, d),
                in -> forward(in.get(0), in.get(1), in.get(2), in.get(3)));
    }
}
