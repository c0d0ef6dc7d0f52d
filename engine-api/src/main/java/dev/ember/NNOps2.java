package dev.ember;

import java.util.Arrays;

/**
 * The public entry point of {@link dev.ember.nn.Functional}'s {@code one_hot}, {@code unfold}, {@code fold},
 * {@code bilinear}, {@code max_unpool2d} and channel-wise and alpha dropout (Functional is in another package and checks
 * the arguments first). More nn ops, each composed from existing tensor ops (so it runs on every backend) and recorded as PyTorch records
 * it: {@code one_hot}, {@code im2col} / {@code col2im} (F.unfold / F.fold, Im2ColBackward0 / Col2ImBackward0, each
 * the other's backward), {@code _trilinear} (F.bilinear's TrilinearBackward0), {@code max_unpool2d}
 * (MaxUnpool2DBackward0), channel-wise feature dropout and alpha dropout.
 */
public final class NNOps2 {
    private static final System.Logger LOG = System.getLogger(NNOps2.class.getName());

    private NNOps2() {
    }

    // ------------------------------------------------------------------ one_hot

    /** PyTorch 2.x's {@code one_hot} (Onehot.cpp): int64 out, no gradient. */
    public static Tensor oneHot(Tensor self, long numClasses) {
        if (self.dtype != DType.INT64) {
            throw new IllegalArgumentException("one_hot is only applicable to index tensor of type LongTensor.");
        }
        int[] shape = Arrays.copyOf(self.shape(), self.dim() + 1);
        if (self.numel() == 0) {
            if (numClasses <= 0) {
                throw new IllegalArgumentException("Can not infer total number of classes from empty tensor.");
            }
            shape[shape.length - 1] = toInt(numClasses);
            return Creation.zeros(shape, DType.INT64, self.device);
        }
        try (GradMode off = Ember.noGrad()) {
            if (self.min().longItem() < 0) {
                throw new IllegalArgumentException("Class values must be non-negative.");
            }
            long max = self.max().longItem(); // exact: a double would round class values past 2^53
            if (numClasses == -1) {
                if (max >= Integer.MAX_VALUE) { // max + 1 unsigned: a class of Long.MAX_VALUE does not wrap
                    throw new IllegalArgumentException("one_hot: num_classes " + Long.toUnsignedString(max + 1)
                            + " is too large");
                }
                numClasses = max + 1;
            } else if (numClasses <= max) {
                throw new IllegalArgumentException("Class values must be smaller than num_classes.");
            }
            shape[shape.length - 1] = toInt(numClasses);
            return Creation.zeros(shape, DType.INT64, self.device).scatter_(-1, self.unsqueeze(-1), 1.0);
        }
    }

    private static int toInt(long v) {
        if (v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("one_hot: num_classes " + v + " is too large");
        }
        return (int) v;
    }

    // ------------------------------------------------------------------ im2col / col2im

    /** A 2-element argument from one int or a pair, with ATen's length check. */
    static int[] two(int[] v, String name) {
        if (v == null) {
            throw new IllegalArgumentException(name + " must be a tuple of ints, not null");
        }
        if (v.length == 1) {
            return new int[] {v[0], v[0]};
        }
        if (v.length != 2) {
            throw new IllegalArgumentException("It is expected " + name + " equals to 2, but got size " + v.length);
        }
        return v.clone();
    }

    private static String pair(int[] v) {
        return "(" + v[0] + ", " + v[1] + ")";
    }

    private static void positive(int[] v, String what, String a, String b, boolean zeroOk) {
        if (zeroOk ? v[0] < 0 || v[1] < 0 : v[0] <= 0 || v[1] <= 0) {
            throw new IllegalArgumentException(what + ", but got " + a + ": " + v[0] + " " + b + ": " + v[1]);
        }
    }

    private static void kernelCheck(int[] k) {
        positive(k, "kernel size should be greater than zero", "kernel_height", "kernel_width", false);
    }

    private static void dilationCheck(int[] d) {
        positive(d, "dilation should be greater than zero", "dilation_height", "dilation_width", false);
    }

    private static void paddingCheck(int[] p) {
        positive(p, "padding should be non-negative", "pad_height", "pad_width", true);
    }

    private static void strideCheck(int[] s) {
        positive(s, "stride should be greater than zero", "stride_height", "stride_width", false);
    }

    /** {@code div_rtn(a, b) + 1}: the number of sliding blocks along one dimension (rounding toward minus infinity). */
    private static long blocks(long size, int k, int d, int p, int s) {
        return Math.floorDiv(size + 2L * p - ((long) d * (k - 1) + 1), (long) s) + 1;
    }

    private static void checkFloating(Tensor t, String cpu, String cuda) {
        if (!t.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented(t.device.isCpu() ? cpu : cuda, t.dtype);
        }
    }

    /**
     * The flat positions in the padded {@code hp x wp} plane that the columns read, in im2col's order: kernel row,
     * kernel column, block row, block column.
     */
    private static Tensor positions(int wp, int[] k, int[] d, int[] s, int oh, int ow, Device device) {
        long n = (long) k[0] * k[1] * oh * ow;
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("im2col: " + n + " column entries is more than one tensor holds");
        }
        long[] idx = new long[(int) n];
        int i = 0;
        for (int ki = 0; ki < k[0]; ki++) {
            for (int kj = 0; kj < k[1]; kj++) {
                for (int oi = 0; oi < oh; oi++) {
                    long row = ((long) oi * s[0] + (long) ki * d[0]) * wp;
                    for (int oj = 0; oj < ow; oj++) {
                        idx[i++] = row + (long) oj * s[1] + (long) kj * d[1];
                    }
                }
            }
        }
        return Tensor.tensor(idx, DType.INT64, device);
    }

    /** {@code im2col(self, kernel_size, dilation, padding, stride)}: F.unfold; one node, Im2ColBackward0. */
    public static Tensor im2col(Tensor input, int[] kernelSize, int[] dilation, int[] padding, int[] stride) {
        int[] k = two(kernelSize, "kernel_size");
        int[] d = two(dilation, "dilation");
        int[] p = two(padding, "padding");
        int[] s = two(stride, "stride");
        // im2col_shape_check
        kernelCheck(k);
        dilationCheck(d);
        paddingCheck(p);
        strideCheck(s);
        int nd = input.dim();
        boolean valid = input.size(1) != 0 && input.size(2) != 0; // IndexError below 3 dimensions, as ATen
        if (!((nd == 3 && input.size(0) != 0 && valid) || (nd == 4 && valid && input.size(3) != 0))) {
            throw new IllegalArgumentException("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other "
                    + "non-zero dimensions for input, but got: " + Arrays.toString(input.shape()));
        }
        int h = input.size(-2);
        int w = input.size(-1);
        long oh = blocks(h, k[0], d[0], p[0], s[0]);
        long ow = blocks(w, k[1], d[1], p[1], s[1]);
        if (oh < 1 || ow < 1) {
            // the height twice, as ATen's im2col_shape_check prints it
            throw new IllegalArgumentException("Given input with spatial size " + pair(new int[] {h, h}) + ", kernel_size="
                    + pair(k) + ", dilation=" + pair(d) + ", padding=" + pair(p) + ", calculated shape of the array of sliding "
                    + "blocks as (" + oh + ", " + ow + "), but its components must be at least one.");
        }
        checkFloating(input, "im2col_out_cpu", "im2col_out_cuda");
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor x = nd == 4 ? input : input.unsqueeze(0);
            int n = x.size(0);
            int c = x.size(1);
            long hp = h + 2L * p[0];
            long wp = w + 2L * p[1];
            long kk = (long) k[0] * k[1];
            long cols = Math.multiplyExact(c, kk);
            if (hp * wp > Integer.MAX_VALUE || cols > Integer.MAX_VALUE || oh * ow > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("im2col: sizes too large");
            }
            Tensor padded = p[0] == 0 && p[1] == 0 ? x : x.padNd(new int[] {p[1], p[1], p[0], p[0]});
            Tensor idx = positions((int) wp, k, d, s, (int) oh, (int) ow, input.device);
            out = padded.reshape(n, c, (int) (hp * wp)).indexSelect(2, idx).reshape(n, (int) cols, (int) (oh * ow));
            if (nd == 3) {
                out = out.squeeze(0);
            }
        }
        int[] hw = {h, w};
        return ArithmeticOps.record(out, "Im2ColBackward0", new Tensor[] {input}, node -> g -> new Tensor[] {
            col2im(g, hw, k, d, p, s)});
    }

    /** {@code col2im(self, output_size, kernel_size, dilation, padding, stride)}: F.fold; one node, Col2ImBackward0. */
    public static Tensor col2im(Tensor input, int[] outputSize, int[] kernelSize, int[] dilation, int[] padding, int[] stride) {
        int[] o = two(outputSize, "output_size");
        int[] k = two(kernelSize, "kernel_size");
        int[] d = two(dilation, "dilation");
        int[] p = two(padding, "padding");
        int[] s = two(stride, "stride");
        // col2im_shape_check
        kernelCheck(k);
        strideCheck(s);
        dilationCheck(d);
        paddingCheck(p);
        int nd = input.dim();
        if (!((nd == 2 && input.size(0) != 0 && input.size(1) != 0)
                || (nd == 3 && input.size(1) != 0 && input.size(2) != 0))) {
            throw new IllegalArgumentException("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size "
                    + "and non-zero dimensions for input, but got: " + Arrays.toString(input.shape()));
        }
        int planes = input.size(-2);
        long kk = (long) k[0] * k[1];
        if (planes % kk != 0) {
            throw new IllegalArgumentException("Expected size of input's dimension 1 to be divisible by the product of "
                    + "kernel_size, but got input.size(1)=" + planes + " and kernel_size=" + pair(k) + ".");
        }
        int length = input.size(-1);
        long bh = blocks(o[0], k[0], d[0], p[0], s[0]);
        long bw = blocks(o[1], k[1], d[1], p[1], s[1]);
        String given = "Given output_size=" + pair(o) + ", kernel_size=" + pair(k) + ", dilation=" + pair(d) + ", padding="
                + pair(p) + ", stride=" + pair(s);
        if (length != bh * bw) {
            throw new IllegalArgumentException(given + ", expected size of input's dimension 2 to match the calculated number "
                    + "of sliding blocks " + bh + " * " + bw + " = " + (bh * bw) + ", but got input.size(2)=" + length + ".");
        }
        if (bh < 1 || bw < 1) {
            throw new IllegalArgumentException(given + ", calculated shape of the array of sliding blocks as (" + bh + ", "
                    + bw + "), which is too small (non-positive)");
        }
        if (o[0] < 1 || o[1] < 1) {
            throw new IllegalArgumentException("Expected output spatial size to be positive, but got: output_size=" + pair(o)
                    + ".");
        }
        checkFloating(input, "col2im_out_cpu", "col2im_out_cuda");
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor x = nd == 3 ? input : input.unsqueeze(0);
            int n = x.size(0);
            int c = (int) (planes / kk);
            long hp = o[0] + 2L * p[0];
            long wp = o[1] + 2L * p[1];
            if (hp * wp > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("col2im: sizes too large");
            }
            Tensor idx = positions((int) wp, k, d, s, (int) bh, (int) bw, input.device);
            Tensor src = x.reshape(n, c, (int) (kk * length));
            Tensor plane = Creation.zeros(new int[] {n, c, (int) (hp * wp)}, input.dtype, input.device).indexAdd_(2, idx, src);
            out = plane.reshape(n, c, (int) hp, (int) wp);
            if (p[0] != 0 || p[1] != 0) {
                out = out.narrow(2, p[0], o[0]).narrow(3, p[1], o[1]).contiguous();
            }
            if (nd == 2) {
                out = out.squeeze(0);
            }
        }
        return ArithmeticOps.record(out, "Col2ImBackward0", new Tensor[] {input}, node -> g -> new Tensor[] {
            im2col(g, k, d, p, s)});
    }

    // ------------------------------------------------------------------ bilinear (_trilinear)

    /**
     * PyTorch 2.x's {@code bilinear} (Linear.cpp): its checks (one dtype for all tensors first), the inputs flattened to rows, {@code _trilinear} (one
     * node, TrilinearBackward0), the output shape restored, then {@code + bias} (AddBackward0).
     */
    public static Tensor bilinear(Tensor input1, Tensor input2, Tensor weight, Tensor bias) {
        if (input1.dtype != input2.dtype || input1.dtype != weight.dtype || (bias != null && input1.dtype != bias.dtype)) {
            throw new IllegalArgumentException("All tensors must have the same dtype, got input1: "
                    + ArithmeticOps.cTypeName(input1.dtype) + ", input2: " + ArithmeticOps.cTypeName(input2.dtype)
                    + ", weight: " + ArithmeticOps.cTypeName(weight.dtype)
                    + (bias == null ? "" : ", bias: " + ArithmeticOps.cTypeName(bias.dtype)));
        }
        if (input1.dim() != input2.dim()) {
            throw new IllegalArgumentException("bilinear(): input dimensions do not match: got " + input1.dim() + " and "
                    + input2.dim());
        }
        for (int i = 0; i < input1.dim() - 1; i++) {
            if (input1.size(i) != input2.size(i)) {
                throw new IllegalArgumentException("bilinear(): input batch dimensions do not match at dim " + i + ": got "
                        + input1.size(i) + " and " + input2.size(i));
            }
        }
        int last1 = input1.size(-1); // IndexError for a 0-dim input, as PyTorch
        if (last1 != weight.size(1)) {
            throw new IllegalArgumentException("bilinear(): input1 size does not match weight size: got " + last1
                    + " but expected " + weight.size(1));
        }
        int last2 = input2.size(-1);
        if (last2 != weight.size(2)) { // IndexError for a weight of fewer than 3 dimensions, as PyTorch
            throw new IllegalArgumentException("bilinear(): input2 size does not match weight size: got " + last2
                    + " but expected " + weight.size(2));
        }
        if (bias != null && bias.size(0) != weight.size(0)) {
            throw new IllegalArgumentException("bilinear(): bias size does not match weight size: got " + bias.size(0)
                    + " but expected " + weight.size(0));
        }
        int[] outShape = Arrays.copyOf(input1.shape(), input1.dim());
        outShape[outShape.length - 1] = weight.size(0);
        Tensor out = trilinear(input1.reshape(-1, last1), weight, input2.reshape(-1, last2)).reshape(outShape);
        return bias == null ? out : out.add(bias);
    }

    /** {@code _trilinear(i1, w, i2, [1,3], [0], [1,2], [2,3])}: {@code out[b,o] = sum_ij i1[b,i] w[o,i,j] i2[b,j]}. */
    private static Tensor trilinear(Tensor x1, Tensor w, Tensor x2) {
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = Tensor.einsum("bi,oij,bj->bo", x1, w, x2).contiguous();
        }
        return ArithmeticOps.record(out, "TrilinearBackward0", new Tensor[] {x1, w, x2}, node -> {
            SavedTensor s1 = node.save(x1);
            SavedTensor sw = node.save(w);
            SavedTensor s2 = node.save(x2);
            return g -> {
                // each saved tensor read once (a saved-tensor unpack hook runs once per read)
                Tensor a1 = s1.get();
                Tensor wv = sw.get();
                Tensor a2 = s2.get();
                return new Tensor[] {
                    node.needsInputGrad(0) ? Tensor.einsum("bo,oij,bj->bi", g, wv, a2) : null,
                    node.needsInputGrad(1) ? Tensor.einsum("bo,bi,bj->oij", g, a1, a2) : null,
                    node.needsInputGrad(2) ? Tensor.einsum("bo,bi,oij->bj", g, a1, wv) : null};
            };
        });
    }

    // ------------------------------------------------------------------ max_unpool2d

    /**
     * {@code max_unpool2d(self, indices, output_size)} (MaxUnpooling.cpp): each value written at its index within its
     * output plane, zeros elsewhere; one node, MaxUnpool2DBackward0, whose backward gathers the gradient at the indices
     * (max_pool_double_backward).
     */
    public static Tensor maxUnpool2d(Tensor self, Tensor indices, int[] outputSize) {
        if (Autocast.on()) return Autocast.apply("max_unpool2d", t -> maxUnpool2d(t[0], t[1], outputSize), self, indices);
        if (indices.dtype != DType.INT64) {
            throw new IllegalArgumentException("elements in indices should be type int64 but got: "
                    + Format.scalarType(indices.dtype));
        }
        if (outputSize.length != 2) {
            throw new IllegalArgumentException("There should be exactly two elements (height, width) in output_size, but got "
                    + outputSize.length + " elements.");
        }
        if (self.dim() != 3 && self.dim() != 4) {
            throw new IllegalArgumentException("Input to max_unpooling2d should be a 3d or 4d Tensor, but got a tensor with "
                    + self.dim() + " dimensions.");
        }
        if (!Arrays.equals(self.shape(), indices.shape())) {
            throw new IllegalArgumentException("Expected shape of indices to be same as that of the input tensor ("
                    + Arrays.toString(self.shape()) + ") but got indices tensor with shape: "
                    + Arrays.toString(indices.shape()));
        }
        for (int i = 1; i < self.dim(); i++) {
            if (self.size(i) <= 0) {
                throw new IllegalArgumentException((self.device.isCpu() ? "max_unpooling2d_forward_out_cpu(): "
                        : "max_unpooling2d_forward_out_cuda(): ") + "Expected input to have non-zero size for non-batch "
                        + "dimensions, but got " + Arrays.toString(self.shape()) + " with dimension " + i + " being empty.");
            }
        }
        if (self.dtype == DType.BOOL || !self.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented("max_unpool2d", self.dtype);
        }
        int oh = outputSize[0];
        int ow = outputSize[1];
        long plane = (long) oh * ow;
        if (oh < 0 || ow < 0) {
            throw new IllegalArgumentException("max_unpooling2d(): output_size must contain non-negative spatial dimensions, "
                    + "but got output_size=(" + oh + ", " + ow + ")");
        }
        if (plane > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("max_unpool2d: output_size " + Arrays.toString(outputSize) + " is too large");
        }
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            int[] lead = Arrays.copyOf(self.shape(), self.dim() - 2);
            int[] flatShape = Arrays.copyOf(lead, lead.length + 1);
            flatShape[lead.length] = self.size(-2) * self.size(-1);
            Tensor idx = indices.reshape(flatShape);
            if (idx.numel() > 0 && plane > 0 && !idx.device.isMeta()) { // 2.x's meta max_unpool2d reads no index
                // the last invalid index in row-major order, as the CPU kernel reports it (each one overwrites the last);
                // an empty output runs no kernel, which checks nothing (2.x's max_unpooling2d_forward_out_cpu)
                Tensor bad = idx.lt(0L).logicalOr(idx.ge(plane)).flatten();
                long count = (long) bad.to(DType.INT64).sum().item();
                if (count != 0) {
                    Tensor positions = Tensor.arange(bad.numel()).to(bad.device()).mul(bad.to(DType.INT64));
                    long last = (long) positions.max().item();
                    long value = (long) idx.flatten().get((int) last).item();
                    // PyTorch 2.x closes the parenthesis (1.13 did not)
                    throw new IllegalArgumentException("Found an invalid max index: " + value + " (output volumes are of size "
                            + oh + "x" + ow + ")");
                }
            }
            int[] outFlat = flatShape.clone();
            outFlat[lead.length] = (int) plane;
            int[] outShape = Arrays.copyOf(lead, lead.length + 2);
            outShape[lead.length] = oh;
            outShape[lead.length + 1] = ow;
            out = plane == 0 ? Creation.zeros(outShape, self.dtype, self.device)
                    : Creation.zeros(outFlat, self.dtype, self.device).scatter_(-1, idx, self.reshape(flatShape))
                    .reshape(outShape);
        }
        return ArithmeticOps.record(out, "MaxUnpool2DBackward0", new Tensor[] {self}, node -> {
            SavedTensor si = node.save(indices);
            return g -> new Tensor[] {maxPoolDoubleBackward(g, si.get())};
        });
    }

    /** PyTorch's {@code max_pool_double_backward(grad, indices, 2)}: the gradient gathered at the indices. */
    private static Tensor maxPoolDoubleBackward(Tensor grad, Tensor indices) {
        return grad.flatten(-2, -1).gather(-1, indices.flatten(-2, -1)).viewAs(indices);
    }

    // ------------------------------------------------------------------ feature (channel-wise) and alpha dropout

    /**
     * ATen's {@code _dropout_impl} for {@code feature_dropout}, {@code alpha_dropout} and {@code feature_alpha_dropout}:
     * the input itself outside training, for p 0 and for an empty input; {@code input * 0} for p 1 (plain dropout) or
     * the alpha formula's constant; otherwise a noise of shape {@code [N, C, 1, ...]} (feature) or the input's,
     * Bernoulli(1 - p), scaled; {@code input * noise} (MulBackward0), plus {@code b} for alpha dropout (AddBackward0).
     */
    public static Tensor dropoutImpl(Tensor input, double p, boolean train, boolean feature, boolean alpha) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + Format.repr(p));
        }
        if (p == 0 || !train || input.numel() == 0) {
            return input;
        }
        if (p == 1) {
            return input.mul(0L);
        }
        if (feature && input.dim() < 2) {
            throw new IllegalArgumentException("Feature dropout requires at least 2 dimensions in the input");
        }
        if (!input.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("result type Float can't be cast to the desired output type "
                    + Format.scalarType(input.dtype));
        }
        Tensor noise;
        Tensor b = null;
        try (GradMode off = Ember.noGrad()) {
            int[] shape = input.shape();
            if (feature) {
                for (int i = 2; i < shape.length; i++) {
                    shape[i] = 1;
                }
            }
            noise = Creation.empty(shape, input.dtype, input.device).bernoulli_(1 - p);
            if (alpha) {
                double a0 = 1.7580993408473766;
                double a = 1. / Math.sqrt((a0 * a0 * p + 1) * (1 - p));
                b = noise.add(-1.0).mul(a0 * a).add(a0 * a * p);
                noise = noise.mul(a);
            } else {
                noise = noise.div(1 - p);
            }
        }
        Tensor out = input.mul(noise);
        return alpha ? out.add(b) : out;
    }

    /** The channel-wise dropout warnings of F.dropout2d / F.dropout3d. */
    public static void warn(String message) {
        LOG.log(System.Logger.Level.WARNING, message);
    }
}
