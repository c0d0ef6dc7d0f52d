package dev.ember.nn;

import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code torch.nn.TransformerEncoder}: {@code numLayers} copies of an encoder layer ({@code layers}, a
 * {@link ModuleList}; each a deep copy of the given layer ({@link dev.ember.DeepCopy}, PyTorch's {@code _get_clones}:
 * its class, type, device, hooks and module activation kept, the given layer itself not part of the stack) and an optional final {@code norm}; state dict keys {@code layers.0.self_attn...},
 * {@code norm.weight}. The forward canonicalizes the masks, detects a causal {@code mask} when {@code isCausal} is null
 * (PyTorch's {@code _detect_is_causal_mask}: a mask equal to the square subsequent mask), and runs the layers in turn.
 * PyTorch's nested-tensor fast path for padded inference is not taken: outputs at padded positions are this path's
 * (PyTorch's fast path gives zeros there), others equal.
 */
public class TransformerEncoder extends Module {
    /** The layers. */
    public final ModuleList<TransformerEncoderLayer> layers;
    /** The final norm, or null. */
    public final Module norm;
    private final int numLayers;

    /** A stack without a final norm. */
    public TransformerEncoder(TransformerEncoderLayer encoderLayer, int numLayers) {
        this(encoderLayer, numLayers, null);
    }

    /**
     * {@code numLayers} copies of {@code encoderLayer}, then {@code norm} (null for none).
     *
     * @throws IllegalArgumentException for a null layer or a negative count
     */
    public TransformerEncoder(TransformerEncoderLayer encoderLayer, int numLayers, Module norm) {
        Checks.notNull(encoderLayer, "encoder_layer");
        this.layers = registerModule("layers", new ModuleList<>(clones(encoderLayer, numLayers)));
        this.norm = norm == null ? null : registerModule("norm", norm);
        this.numLayers = numLayers;
    }

    /**
     * PyTorch's {@code _get_clones} (the encoder's and the decoder's): {@code numLayers} deep copies of {@code layer}
     * ({@link dev.ember.DeepCopy}).
     *
     * @throws IllegalArgumentException for a negative count
     */
    static <T extends Module> List<T> clones(T layer, int numLayers) {
        if (numLayers < 0) {
            throw new IllegalArgumentException("num_layers must be non-negative, got " + numLayers);
        }
        List<T> copies = new ArrayList<>();
        for (int i = 0; i < numLayers; i++) {
            copies.add(dev.ember.DeepCopy.of(layer)); // copy.deepcopy of the layer
        }
        return copies;
    }

    /** The number of layers. */
    public int numLayers() {
        return numLayers;
    }

    /** The stack without masks. */
    @Override
    public Tensor forward(Tensor src) {
        return forward(src, null, null, null);
    }

    /**
     * {@code encoder(src, mask, src_key_padding_mask, is_causal)}: the masks may be null, and {@code isCausal} null means
     * "detect whether {@code mask} is causal".
     */
    public Tensor forward(Tensor src, Tensor mask, Tensor srcKeyPaddingMask, Boolean isCausal) {
        Checks.tensor(src, "TransformerEncoder.forward", "src", 1);
        srcKeyPaddingMask = MultiheadAttention.canonicalMask(srcKeyPaddingMask, "src_key_padding_mask",
                mask == null ? null : mask.dtype(), "mask", src.dtype(), true);
        mask = MultiheadAttention.canonicalMask(mask, "mask", null, "", src.dtype(), false);
        Tensor output = src;
        boolean batchFirst = layers.isEmpty() ? false : layers.get(0).selfAttn.batchFirst();
        boolean causal = Transformer.detectIsCausalMask(mask, isCausal, Transformer.seqLen(src, batchFirst));
        for (TransformerEncoderLayer layer : layers) {
            output = layer.apply(output, mask, srcKeyPaddingMask, causal);
        }
        if (norm != null) {
            output = norm.apply(output);
        }
        return output;
    }

    /**
     * {@link #forward(Tensor, Tensor, Tensor, Boolean)} with this module's hooks, which see
     * {@code [src, mask, srcKeyPaddingMask]}.
     */
    public Tensor apply(Tensor src, Tensor mask, Tensor srcKeyPaddingMask, Boolean isCausal) {
        return call(Arrays.asList(src, mask, srcKeyPaddingMask), in -> forward(in.get(0), in.get(1), in.get(2), isCausal),
                List::of, out -> out.get(0));
    }

    /**
     * {@code encoder(src, mask, src_key_padding_mask)} with this module's hooks, {@code is_causal} PyTorch's default
     * (null: detected from {@code mask}); the masks may be null.
     */
    public Tensor apply(Tensor src, Tensor mask, Tensor srcKeyPaddingMask) {
        return apply(src, mask, srcKeyPaddingMask, null);
    }
}
