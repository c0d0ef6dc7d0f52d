package dev.ember.nn;

import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.VolumetricFunctions;

import java.util.Arrays;

/**
 * What the convolution layers share, as PyTorch's {@code _ConvNd} and {@code _ConvTransposeNd}: the options (one value
 * for every spatial dimension or one each), the constructor's checks, the weight and bias with PyTorch's shapes and
 * initialization, the forward with its padding modes and string paddings, and {@code extra_repr}. The layers are
 * {@link Conv1d}, {@link Conv2d}, {@link Conv3d}, {@link ConvTranspose1d}, {@link ConvTranspose2d} and
 * {@link ConvTranspose3d}.
 */
public abstract sealed class ConvNd extends Module implements HasBias
        permits Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d {
    /**
     * Weight {@code [out, in / groups, k...]}, or {@code [in, out / groups, k...]} for a transposed convolution. The
     * final field holds the tensor registered at construction: once the module's weight is replaced
     * ({@link Module#setParameter}, as a tied weight is) or parametrized ({@link dev.ember.nn.utils.Parametrize}) it
     * still holds that tensor, while the forward, {@code parameters()}, {@code stateDict()} and optimizers use the
     * module's current one, {@link #weight()}, which reads it.
     */
    public final Tensor weight;
    /** Bias {@code [out]}, or null; the tensor registered at construction, as {@link #weight} explains. */
    public final Tensor bias;
    /** Spatial dimensions: 1, 2 or 3. */
    private final int rank;
    private final boolean transposed;
    /** The input channels: 0 in a lazy layer until its first input gives them. */
    int in;
    final int out;
    final int[] kernel;
    final int[] stride;
    final int[] padding;
    final int[] outputPadding;
    final int[] dilation;
    final int groups;
    /** "same" or "valid" when the padding was given as a string, else null. */
    private final String paddingString;
    private final String paddingMode;
    /** PyTorch's {@code _reversed_padding_repeated_twice}: F.pad's argument for a padding mode other than zeros. */
    private final int[] reversedPadding;

    /**
     * A convolution ({@code outputPadding} null) or a transposed one, checked as PyTorch's constructors check. The
     * kernel, stride, padding, output padding and dilation are one value for every spatial dimension or one each (the
     * stride, padding and dilation are checked by the convolution, as in PyTorch); {@code padding} is null when
     * {@code paddingString} is given.
     */
    ConvNd(int rank, int in, int out, int[] kernel, int[] stride, int[] padding, String paddingString, int[] outputPadding,
           int[] dilation, int groups, boolean bias, String paddingMode) {
        this(rank, in, out, kernel, stride, padding, paddingString, outputPadding, dilation, groups, bias, paddingMode, null);
    }

    /**
     * As above; with {@code lazy} given, a lazy layer: {@code in_channels} 0 and the weight and bias uninitialized
     * parameters of the default type on the default device, as PyTorch's {@code LazyConvNd.__init__}.
     */
    ConvNd(int rank, int in, int out, int[] kernel, int[] stride, int[] padding, String paddingString, int[] outputPadding,
           int[] dilation, int groups, boolean bias, String paddingMode, LazyModules.Marker lazy) {
        this.rank = rank;
        this.transposed = outputPadding != null;
        this.kernel = spatial(Checks.notNull(kernel, "kernel_size"), rank);
        this.stride = spatial(Checks.notNull(stride, "stride"), rank);
        this.padding = padding == null ? new int[rank] : spatial(padding, rank);
        this.outputPadding = transposed ? spatial(outputPadding, rank) : new int[rank];
        this.dilation = spatial(Checks.notNull(dilation, "dilation"), rank);
        Checks.convModule(rank, this.kernel, kernel, in, out, groups);
        Checks.notNull(paddingMode, "padding_mode");
        if (paddingString != null) {
            if (!paddingString.equals("same") && !paddingString.equals("valid")) {
                throw new IllegalArgumentException("Invalid padding string '" + paddingString + "', should be one of "
                        + "{'same', 'valid'}");
            }
            if (paddingString.equals("same") && Arrays.stream(this.stride).anyMatch(v -> v != 1)) {
                throw new IllegalArgumentException("padding='same' is not supported for strided convolutions");
            }
        }
        if (!Arrays.asList("zeros", "reflect", "replicate", "circular").contains(paddingMode)) {
            throw new IllegalArgumentException("padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, "
                    + "but got padding_mode='" + paddingMode + "'");
        }
        this.paddingString = paddingString;
        this.paddingMode = paddingMode;
        this.reversedPadding = reversedPadding(this.kernel, this.dilation, this.padding, paddingString);
        this.in = in;
        this.out = out;
        this.groups = groups;
        if (lazy != null) {
            this.lazyPending = true;
            this.weight = registerParameter("weight", Tensor.uninitialized(true, Ember.getDefaultDtype(), Ember.defaultDevice()));
            this.bias = registerParameter("bias", bias ? Tensor.uninitialized(true, Ember.getDefaultDtype(),
                    Ember.defaultDevice()) : null);
            return;
        }
        this.weight = registerParameter("weight", Init.defaultWeight_(Tensor.empty(weightShape())));
        this.bias = registerParameter("bias", bias ? Init.defaultBias_(Tensor.empty(out), weight) : null); // None as PyTorch registers it
    }

    /**
     * A layer of {@code source}'s configuration that holds {@code source}'s weight and bias tensors themselves
     * ({@link Module#adoptedParameter}): the default initialization is drawn first and dropped, so the generator
     * advances as PyTorch's constructor call in {@code from_float} advances it.
     */
    ConvNd(ConvNd source) {
        Tensor w = Checks.notNull(source, "mod").adoptedParameter("weight");
        Tensor b = source.adoptedParameter("bias");
        this.rank = source.rank;
        this.transposed = source.transposed;
        this.kernel = source.kernel.clone();
        this.stride = source.stride.clone();
        this.padding = source.padding.clone();
        this.outputPadding = source.outputPadding.clone();
        this.dilation = source.dilation.clone();
        this.paddingString = source.paddingString;
        this.paddingMode = source.paddingMode;
        this.reversedPadding = source.reversedPadding.clone();
        this.in = source.in;
        this.out = source.out;
        this.groups = source.groups;
        Tensor drawn = Init.defaultWeight_(Tensor.empty(weightShape()));
        if (b != null) {
            Init.defaultBias_(Tensor.empty(out), drawn);
        }
        this.weight = registerParameter("weight", w);
        this.bias = registerParameter("bias", b);
    }

    /** {@code [out, in / groups, k...]}, or {@code [in, out / groups, k...]} transposed; -1 for a lazy layer's {@code in}. */
    private int[] weightShape() {
        int[] shape = new int[rank + 2];
        shape[0] = transposed ? in : out;
        shape[1] = transposed ? out / groups : in / groups;
        System.arraycopy(this.kernel, 0, shape, 2, rank);
        return shape;
    }

    // ---- lazy layers (LazyConv1d ... LazyConvTranspose3d) ----

    /**
     * PyTorch's {@code _LazyConvXdMixin.initialize_parameters}: {@code in_channels} from the input's dimension 1 (0 when
     * unbatched), the weight and bias materialized and initialized as the eager constructor does. Every check runs
     * first, so a bad input leaves the layer as it was.
     */
    void initializeLazy(Tensor input) {
        Checks.tensor(input, functionName(), "input", 1);
        if (!((LazyModule) this).hasUninitializedParams()) {
            return;
        }
        int noBatch = rank + 1;
        if (input.dim() != noBatch && input.dim() != noBatch + 1) {
            throw new IllegalArgumentException("Expected " + noBatch + "D (unbatched) or " + (noBatch + 1) + "D (batched) input "
                    + "to " + moduleName() + ", but got input of size: " + Format.size(input.shape()));
        }
        int channels = input.size(input.dim() == noBatch ? 0 : 1);
        if (channels % groups != 0) {
            throw new IllegalArgumentException("in_channels must be divisible by groups");
        }
        Tensor w = getParameter("weight");
        Tensor b = namedParameters().get("bias");
        if (!w.isUninitialized() || b != null && !b.isUninitialized()) { // loaded in part by a state dict
            throw LazyModules.loadedInPart(this, !w.isUninitialized() ? "weight" : "bias");
        }
        try (GradMode off = Ember.noGrad()) {
            int previous = in;
            in = channels;
            if (w.isUninitialized()) {
                try {
                    w.materialize_(weightShape());
                } catch (RuntimeException e) {
                    in = previous;
                    throw e;
                }
            }
            if (b != null && b.isUninitialized()) {
                b.materialize_(out);
            }
            Init.defaultWeight_(w); // PyTorch's reset_parameters, in the eager constructor's order
            if (b != null) {
                Init.defaultBias_(b, w);
            }
        }
    }

    /** A lazy layer's first forward: initialization, then the layer is the ordinary one. */
    private void firstForward(Tensor x) {
        initializeLazy(x);
        LazyModules.becomeOrdinary((LazyModule) this);
    }

    /** One value for every spatial dimension, as PyTorch's {@code _ntuple}, or the values as given. */
    private static int[] spatial(int[] v, int rank) {
        return v.length == 1 ? Checks.repeat(v[0], rank) : v.clone();
    }

    /**
     * PyTorch's {@code _reversed_padding_repeated_twice}: a numeric padding reversed, each value twice
     * ({@code _reverse_repeat_tuple}, whatever its length: the convolution checks that); for "same" the total padding
     * of each dimension the kernel and dilation both have ({@code zip}), the odd element last; zeros for "valid".
     */
    private static int[] reversedPadding(int[] kernel, int[] dilation, int[] padding, String paddingString) {
        if (paddingString == null) {
            int[] r = new int[2 * padding.length];
            for (int i = 0; i < padding.length; i++) {
                r[2 * i] = padding[padding.length - 1 - i];
                r[2 * i + 1] = padding[padding.length - 1 - i];
            }
            return r;
        }
        int n = kernel.length;
        int[] r = new int[2 * n];
        if (paddingString.equals("same")) {
            for (int d = 0; d < Math.min(n, dilation.length); d++) {
                int i = n - 1 - d;
                int total = dilation[d] * (kernel[d] - 1);
                r[2 * i] = total / 2;
                r[2 * i + 1] = total - total / 2;
            }
        }
        return r;
    }

    /** The input's channels, PyTorch's {@code in_channels}. */
    public int inChannels() {
        return in;
    }

    /** The output's channels, PyTorch's {@code out_channels}. */
    public int outChannels() {
        return out;
    }

    /** The kernel's size per spatial dimension, PyTorch's {@code kernel_size} (a copy). */
    public int[] kernelSize() {
        return kernel.clone();
    }

    /** The stride per spatial dimension, PyTorch's {@code stride} (a copy). */
    public int[] stride() {
        return stride.clone();
    }

    /** The number of blocked connections from input to output channels, PyTorch's {@code groups}. */
    public int groups() {
        return groups;
    }

    /**
     * The implicit padding per spatial dimension, PyTorch's {@code padding} (a copy): zeros for a layer made with the
     * string {@code "valid"} or {@code "same"}, which {@link #paddingString()} gives.
     */
    public int[] padding() {
        return padding.clone();
    }

    /** The padding string the layer was made with, {@code "same"} or {@code "valid"}, or null for numeric padding. */
    public String paddingString() {
        return paddingString;
    }

    /** The spacing between kernel elements per spatial dimension, PyTorch's {@code dilation} (a copy). */
    public int[] dilation() {
        return dilation.clone();
    }

    /** A transposed layer's added size on one side of each output dimension, PyTorch's {@code output_padding} (a copy). */
    public int[] outputPadding() {
        return outputPadding.clone();
    }

    /**
     * A new layer of this one's class (the eager one for a lazy layer, as PyTorch's lazy layer becomes after its first
     * input) and configuration, freshly initialized, with a bias when {@code bias}: the copy that
     * {@code nn.utils.fuse_conv_bn_eval} gives its fused weights (PyTorch deep-copies the layer).
     */
    ConvNd sameConfiguration(boolean bias) {
        int[] pad = padding.clone();
        if (transposed) {
            return switch (rank) {
                case 1 -> new ConvTranspose1d(in, out, kernel[0], stride[0], pad[0], outputPadding[0], groups, bias,
                        dilation[0]);
                case 2 -> new ConvTranspose2d(in, out, kernel.clone(), stride.clone(), pad, outputPadding.clone(), groups,
                        bias, dilation.clone());
                default -> new ConvTranspose3d(in, out, kernel.clone(), stride.clone(), pad, outputPadding.clone(), groups,
                        bias, dilation.clone());
            };
        }
        if (paddingString != null) {
            return switch (rank) {
                case 1 -> new Conv1d(in, out, kernel.clone(), stride.clone(), paddingString, dilation.clone(), groups, bias,
                        paddingMode);
                case 2 -> new Conv2d(in, out, kernel.clone(), stride.clone(), paddingString, dilation.clone(), groups, bias,
                        paddingMode);
                default -> new Conv3d(in, out, kernel.clone(), stride.clone(), paddingString, dilation.clone(), groups, bias,
                        paddingMode);
            };
        }
        return switch (rank) {
            case 1 -> new Conv1d(in, out, kernel.clone(), stride.clone(), pad, dilation.clone(), groups, bias, paddingMode);
            case 2 -> new Conv2d(in, out, kernel.clone(), stride.clone(), pad, dilation.clone(), groups, bias, paddingMode);
            default -> new Conv3d(in, out, kernel.clone(), stride.clone(), pad, dilation.clone(), groups, bias, paddingMode);
        };
    }

    /** The padding mode: "zeros", "reflect", "replicate" or "circular". */
    public String paddingMode() {
        return paddingMode;
    }

    /** PyTorch's name of the functional form, for the messages about a bad input. */
    private String functionName() {
        return (transposed ? "conv_transpose" : "conv") + rank + "d";
    }

    @Override
    public Tensor forward(Tensor x) {
        Module replaced = replacement();
        if (replaced != null) {
            return forwardReplacement(replaced, x); // swapped in its parent (Module.setSubmodule): the new layer computes
        }
        Checks.tensor(x, functionName(), "input", 1);
        if (lazyPending) {
            firstForward(x);
        }
        if (transposed) {
            return transposedConvolution(x, outputPadding);
        }
        return convForward(x, tensorAttribute("weight"), tensorAttribute("bias")); // a deleted one: AttributeError
    }

    /**
     * The convolution of {@code x} with the given weight and bias in this layer's stride, padding (and padding mode),
     * dilation and groups, as PyTorch's {@code _ConvNd._conv_forward(input, weight, bias)}: what a subclass's forward
     * calls with a weight of its own making (a standardized or masked weight). Not for the transposed layers, whose
     * PyTorch classes have none.
     *
     * @throws UnsupportedOperationException on a transposed layer
     */
    protected Tensor convForward(Tensor x, Tensor w, Tensor b) {
        if (transposed) {
            throw new UnsupportedOperationException("'" + moduleName() + "' object has no attribute '_conv_forward'");
        }
        if (!paddingMode.equals("zeros")) {
            // PyTorch's _conv_forward: F.pad in the mode, then the convolution without padding
            return convolution(Functional.pad(x, reversedPadding, paddingMode), w, b, new int[] {0});
        }
        if (paddingString != null) {
            return switch (rank) {
                case 1 -> Functional.conv1d(x, w, b, stride, paddingString, dilation, groups);
                case 2 -> Functional.conv2d(x, w, b, stride, paddingString, dilation, groups);
                default -> Functional.conv3d(x, w, b, stride, paddingString, dilation, groups);
            };
        }
        return convolution(x, w, b, padding);
    }

    private Tensor convolution(Tensor x, Tensor w, Tensor b, int[] pad) {
        return switch (rank) {
            case 1 -> Tensor.conv1d(x, w, b, stride, pad, dilation, groups);
            case 2 -> Tensor.conv2d(x, w, b, stride, pad, dilation, groups);
            default -> VolumetricFunctions.conv3d(x, w, b, stride, pad, dilation, groups);
        };
    }

    private Tensor transposedConvolution(Tensor x, int[] outPadding) {
        Tensor w = tensorAttribute("weight"); // a deleted one: PyTorch's AttributeError
        Tensor b = tensorAttribute("bias");
        return switch (rank) {
            case 1 -> Tensor.convTranspose1d(x, w, b, stride, padding, outPadding, groups, dilation);
            case 2 -> Tensor.convTranspose2d(x, w, b, stride, padding, outPadding, groups, dilation);
            default -> VolumetricFunctions.convTranspose3d(x, w, b, stride, padding, outPadding, groups, dilation);
        };
    }

    /**
     * A transposed convolution's forward with PyTorch's {@code output_size}: the output padding that gives that size
     * (the spatial sizes, or the full shape with the leading dimensions), which must lie between the smallest output
     * and it plus {@code stride - 1}; PyTorch's {@code _ConvTransposeNd._output_padding}. Only the transposed layers
     * call it.
     */
    Tensor forwardWithOutputSize(Tensor x, int[] outputSize) {
        Checks.tensor(x, functionName(), "input", 1);
        Checks.notNull(outputSize, "output_size");
        if (lazyPending) {
            firstForward(x);
        }
        return transposedConvolution(x, Checks.transposedOutputPadding(rank, x, outputSize, kernel, stride, padding,
                dilation));
    }

    /**
     * PyTorch's {@code _ConvNd.extra_repr}: padding, dilation, output padding, groups, bias and padding mode only when
     * not the default.
     */
    @Override
    public String extraRepr() {
        StringBuilder s = new StringBuilder(in + ", " + out + ", kernel_size=" + tuple(kernel) + ", stride=" + tuple(stride));
        if (paddingString != null) {
            s.append(", padding=").append(paddingString);
        } else if (Arrays.stream(padding).anyMatch(p -> p != 0)) {
            s.append(", padding=").append(tuple(padding));
        }
        if (Arrays.stream(dilation).anyMatch(d -> d != 1)) {
            s.append(", dilation=").append(tuple(dilation));
        }
        if (Arrays.stream(outputPadding).anyMatch(p -> p != 0)) {
            s.append(", output_padding=").append(tuple(outputPadding));
        }
        if (groups != 1) {
            s.append(", groups=").append(groups);
        }
        if (tensorAttribute("bias") == null) { // the bias now, as PyTorch's self.bias (deleted: AttributeError)
            s.append(", bias=False");
        }
        if (!paddingMode.equals("zeros")) {
            s.append(", padding_mode=").append(paddingMode);
        }
        return s.toString();
    }
}
