package dev.ember.nn;

import dev.ember.DType;
import dev.ember.DeviceType;
import dev.ember.Ember;
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
 *
 * <p>PyTorch 2.x's nested-tensor path for padded inference is followed for its values: with {@code enableNestedTensor}
 * (the default) and a first layer that is batch first, not norm first, with an even number of heads and a relu/gelu
 * activation (the names, or a {@link ReLU} or {@link GELU} module), a call in eval mode with a batched input, a key
 * padding mask, no {@code mask}, CUDA autocast off, the padding mask left aligned (each row's kept positions first;
 * checked unless {@code maskCheck} is false) and no gradient to record (gradient mode off, or neither the input nor the
 * first layer's parameters requiring grad) drops the padded positions (those whose canonical mask value is not 0: a
 * float mask's finite nonzero values too) from the layers' attention and gives zeros at them before the final norm, as
 * PyTorch's {@code to_padded_tensor(0.)} (so the norm's bias comes out there). Elsewhere the layers run on the dense
 * input. (A first layer without biases is left on the dense path: PyTorch's layers refuse the nested tensor there.)
 * Made with {@code enableNestedTensor} and a layer that cannot take that path (norm first, not batch first, an
 * activation other than relu/gelu, an odd number of heads, checked in that order), it logs 2.x's warning
 * {@code enable_nested_tensor is True, but self.use_nested_tensor is False because <reason>} to the
 * {@code "dev.ember"} logger, once per reason in a process.
 */
public class TransformerEncoder extends Module {
    /** The layers. */
    public final ModuleList<TransformerEncoderLayer> layers;
    /** The final norm, or null. */
    public final Module norm;
    private final int numLayers;
    private final boolean enableNestedTensor;
    private final boolean useNestedTensor;
    private final boolean maskCheck;

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
        this(encoderLayer, numLayers, norm, true, true);
    }

    /**
     * {@code nn.TransformerEncoder(encoder_layer, num_layers, norm, enable_nested_tensor, mask_check)}: see the class
     * comment for the nested-tensor path these two flags control.
     *
     * @throws IllegalArgumentException for a null layer or a negative count
     */
    public TransformerEncoder(TransformerEncoderLayer encoderLayer, int numLayers, Module norm, boolean enableNestedTensor,
                              boolean maskCheck) {
        Checks.notNull(encoderLayer, "encoder_layer");
        this.layers = registerModule("layers", new ModuleList<>(clones(encoderLayer, numLayers)));
        this.norm = norm == null ? null : registerModule("norm", norm);
        this.numLayers = numLayers;
        this.enableNestedTensor = enableNestedTensor;
        this.maskCheck = maskCheck;
        // PyTorch's __init__: use_nested_tensor is enable_nested_tensor unless the layer cannot take that path, which
        // 2.x says in a warning (the layer is a TransformerEncoderLayer with one embedding size and norms of one eps
        // here, so 2.x's other reasons cannot arise)
        String whyNot = whyNotNestedTensor(encoderLayer.config);
        this.useNestedTensor = enableNestedTensor && whyNot == null;
        if (enableNestedTensor && whyNot != null) {
            String message = "enable_nested_tensor is True, but self.use_nested_tensor is False because " + whyNot;
            if (WARNED.add(message)) {
                LOG.log(System.Logger.Level.WARNING, message);
            }
        }
    }

    private static final System.Logger LOG = System.getLogger("dev.ember");

    /**
     * The construction warnings logged so far: each text once per process, as Python's default warning filter shows a
     * warning once per text and place (package-private so that a test can forget one, as a fresh process would).
     */
    static final java.util.Set<String> WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * 2.x's {@code why_not_sparsity_fast_path} of {@code TransformerEncoder.__init__}, its reasons in its order, or null
     * where the layer can take the nested-tensor path.
     */
    private static String whyNotNestedTensor(TransformerEncoderLayer.Config c) {
        if (c.normFirst()) {
            return "encoder_layer.norm_first was True";
        }
        if (!c.batchFirst()) {
            return "encoder_layer.self_attn.batch_first was not True(use batch_first for better inference performance)";
        }
        if (!activationReluOrGelu(c)) {
            return "encoder_layer.activation_relu_or_gelu was not True";
        }
        if (c.nhead() % 2 == 1) {
            return "encoder_layer.self_attn.num_heads is odd";
        }
        return null;
    }

    /** PyTorch's {@code activation_relu_or_gelu}: "relu", "gelu", or an nn.ReLU / nn.GELU module. */
    private static boolean activationReluOrGelu(TransformerEncoderLayer.Config c) {
        return c.activationModule() == null || c.activationModule() instanceof ReLU || c.activationModule() instanceof GELU;
    }

    /** Whether the nested-tensor path is enabled, PyTorch's {@code enable_nested_tensor}. */
    public boolean enableNestedTensor() {
        return enableNestedTensor;
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
     *
     * @throws IndexOutOfBoundsException for a stack of no layers, as PyTorch 2.x's forward reading {@code self.layers[0]}
     *     ({@code index 0 is out of range}), after the masks' checks
     */
    public Tensor forward(Tensor src, Tensor mask, Tensor srcKeyPaddingMask, Boolean isCausal) {
        Checks.tensor(src, "TransformerEncoder.forward", "src", 1);
        srcKeyPaddingMask = MultiheadAttention.canonicalMask(srcKeyPaddingMask, "src_key_padding_mask",
                mask == null ? null : mask.dtype(), "mask", src.dtype(), true);
        mask = MultiheadAttention.canonicalMask(mask, "mask", null, "", src.dtype(), false);
        TransformerEncoderLayer first = layers.get(0); // PyTorch's first_layer: a stack of no layers refuses here
        Tensor output = src;
        Tensor padded = null;
        if (nestedPath(src, mask, srcKeyPaddingMask)) {
            // the padded positions leave the nested tensor: no query there, no key for the others
            padded = srcKeyPaddingMask.ne(0.0);
            srcKeyPaddingMask = srcKeyPaddingMask.zerosLike().maskedFill(padded, Double.NEGATIVE_INFINITY);
        }
        boolean causal = Transformer.detectIsCausalMask(mask, isCausal, Transformer.seqLen(src, first.selfAttn.batchFirst()));
        for (TransformerEncoderLayer layer : layers) {
            output = layer.apply(output, mask, srcKeyPaddingMask, causal);
        }
        if (padded != null) {
            output = output.maskedFill(padded.unsqueeze(-1), 0.0); // to_padded_tensor(0.)
        }
        if (norm != null) {
            output = norm.apply(output);
        }
        return output;
    }

    /** PyTorch 2.x's conditions of the nested-tensor path in {@code TransformerEncoder.forward} (masks canonical). */
    private boolean nestedPath(Tensor src, Tensor mask, Tensor keyPaddingMask) {
        if (!useNestedTensor || keyPaddingMask == null || mask != null || src.dim() != 3) {
            return false;
        }
        TransformerEncoderLayer first = layers.get(0);
        if (first.isTraining() || !first.config.bias() || Ember.isAutocastEnabled(DeviceType.CUDA)) {
            return false;
        }
        if (maskCheck && !leftAligned(keyPaddingMask)) {
            return false;
        }
        if (Ember.isGradEnabled()) {
            if (src.requiresGrad()) {
                return false;
            }
            for (Tensor p : first.parameters()) {
                if (p.requiresGrad()) {
                    return false;
                }
            }
        }
        return true;
    }

    /** {@code torch._nested_tensor_from_mask_left_aligned}: each row's kept positions (mask value 0) come first. */
    private static boolean leftAligned(Tensor keyPaddingMask) {
        // a kept position after a padded one: kept & (cumulative count of padded before it > 0)
        Tensor paddedBefore = keyPaddingMask.ne(0.0).to(DType.INT64).cumsum(-1);
        return !keyPaddingMask.eq(0.0).logicalAnd(paddedBefore.gt(0)).any();
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
