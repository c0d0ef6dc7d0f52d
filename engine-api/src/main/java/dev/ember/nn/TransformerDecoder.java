package dev.ember.nn;

import dev.ember.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * {@code torch.nn.TransformerDecoder}: {@code numLayers} copies of a decoder layer ({@code layers}; deep copies of the
 * given layer, {@link dev.ember.DeepCopy}, as PyTorch's {@code _get_clones}) and an optional final {@code norm}; state dict keys PyTorch's. The forward
 * detects a causal {@code tgtMask} when {@code tgtIsCausal} is null, as PyTorch's, and runs the layers in turn with the
 * memory (the encoder's output).
 */
public class TransformerDecoder extends Module {
    /** The layers. */
    public final ModuleList<TransformerDecoderLayer> layers;
    /** The final norm, or null. */
    public final Module norm;
    private final int numLayers;

    /** A stack without a final norm. */
    public TransformerDecoder(TransformerDecoderLayer decoderLayer, int numLayers) {
        this(decoderLayer, numLayers, null);
    }

    /**
     * {@code numLayers} copies of {@code decoderLayer}, then {@code norm} (null for none).
     *
     * @throws IllegalArgumentException for a null layer or a negative count
     */
    public TransformerDecoder(TransformerDecoderLayer decoderLayer, int numLayers, Module norm) {
        Checks.notNull(decoderLayer, "decoder_layer");
        this.layers = registerModule("layers", new ModuleList<>(TransformerEncoder.clones(decoderLayer, numLayers)));
        this.norm = norm == null ? null : registerModule("norm", norm);
        this.numLayers = numLayers;
    }

    /** The number of layers. */
    public int numLayers() {
        return numLayers;
    }

    /** PyTorch's error: a decoder needs the memory (use {@link #forward(Tensor, Tensor)}). */
    @Override
    public Tensor forward(Tensor tgt) {
        throw new IllegalArgumentException("TransformerDecoder.forward() missing 1 required positional argument: 'memory'");
    }

    /** {@code decoder(tgt, memory)} without masks. */
    public Tensor forward(Tensor tgt, Tensor memory) {
        return forward(tgt, memory, null, null, null, null, null, false);
    }

    /**
     * {@code decoder(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask, tgt_is_causal,
     * memory_is_causal)}: the masks may be null; {@code tgtIsCausal} null means "detect whether {@code tgtMask} is
     * causal".
     *
     * @throws IndexOutOfBoundsException for a stack of no layers, as PyTorch 2.x's forward reading {@code self.layers[0]}
     *     ({@code index 0 is out of range})
     */
    public Tensor forward(Tensor tgt, Tensor memory, Tensor tgtMask, Tensor memoryMask, Tensor tgtKeyPaddingMask,
                          Tensor memoryKeyPaddingMask, Boolean tgtIsCausal, boolean memoryIsCausal) {
        Checks.tensor(tgt, "TransformerDecoder.forward", "tgt", 1);
        Checks.tensor(memory, "TransformerDecoder.forward", "memory", 2);
        Tensor output = tgt;
        // PyTorch 2.x reads self.layers[0] for batch_first: a stack of no layers refuses here
        boolean batchFirst = layers.get(0).selfAttn.batchFirst();
        boolean causal = Transformer.detectIsCausalMask(tgtMask, tgtIsCausal, Transformer.seqLen(tgt, batchFirst));
        for (TransformerDecoderLayer layer : layers) {
            output = layer.apply(output, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask, causal,
                    memoryIsCausal);
        }
        if (norm != null) {
            output = norm.apply(output);
        }
        return output;
    }

    /** {@link #forward(Tensor, Tensor)} with this module's hooks. */
    public Tensor apply(Tensor tgt, Tensor memory) {
        return apply(tgt, memory, null, null, null, null, null, false);
    }

    /**
     * {@link #forward(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Boolean, boolean)} with this module's hooks, which
     * see {@code [tgt, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask]}.
     */
    public Tensor apply(Tensor tgt, Tensor memory, Tensor tgtMask, Tensor memoryMask, Tensor tgtKeyPaddingMask,
                        Tensor memoryKeyPaddingMask, Boolean tgtIsCausal, boolean memoryIsCausal) {
        return call(Arrays.asList(tgt, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask),
                in -> forward(in.get(0), in.get(1), in.get(2), in.get(3), in.get(4), in.get(5), tgtIsCausal, memoryIsCausal),
                List::of, out -> out.get(0));
    }
}
