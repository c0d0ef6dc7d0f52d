package dev.ember.ao.nn.quantized;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Half;
import dev.ember.Tensor;
import dev.ember.ao.quantization.QScheme;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.backend.Layout;

import java.util.Arrays;

/**
 * PyTorch's {@code PackedEmbeddingBagWeight} ({@code torch.ops.quantized.embedding_bag_prepack}, qembeddingbag_prepack.cpp):
 * the weight of a quantized {@link Embedding} or {@link EmbeddingBag}, a row a table entry. Each row holds the entry's
 * integers, then its scale and bias ({@code bias = -(zero_point * scale)} in float): quint8 rows the bytes and the two
 * as float32 (8 bytes), quint4x2 rows two values a byte (the even column in the low four bits) and the two rounded to
 * float16 (4 bytes), little-endian. The lookups ({@link #lookup}) are PyTorch's {@code embedding_bag_byte} /
 * {@code embedding_bag_4bit} (qembeddingbag.cpp): each output row starts at 0 and, index after index of its bag, takes
 * {@code out = fma(scale * w, q, out + bias * w)} ({@code w} the per-sample weight or 1; the products and the sum
 * {@code out + bias * w} in float, the fused multiply-add in double, as C++'s {@code fma} of a float and a
 * {@code uint8_t}, then rounded to float), the reference kernel PyTorch runs without FBGEMM; FBGEMM's kernels take
 * the same steps in float with a float fused multiply-add, which can differ from this in the last bit only where the
 * double result rounds to float differently than the exact one would (a double rounding; none was seen in the tests).
 * The 4-bit lookups use the float16 scale and bias, so they differ from the weight's {@code dequantize()}.
 */
public final class PackedEmbeddingBagWeight {
    private final QuantDType dtype;
    private final int rows;
    private final int cols;
    private final int rowBytes;
    private final byte[] packed;
    private final int[] values;
    private final float[] scales;
    private final float[] zeroPoints;

    private PackedEmbeddingBagWeight(QuantDType dtype, int rows, int cols, int[] values, float[] scales,
                                     float[] zeroPoints) {
        this.dtype = dtype;
        this.rows = rows;
        this.cols = cols;
        this.values = values;
        this.scales = scales;
        this.zeroPoints = zeroPoints;
        boolean eight = dtype == QuantDType.QUINT8;
        this.rowBytes = eight ? cols + 8 : cols / 2 + 4;
        long bytes = (long) rows * rowBytes;
        if (bytes > Layout.MAX_STORAGE_ELEMENTS) {
            throw new IllegalArgumentException("quantized::embedding_bag_prepack: the packed weight [" + rows + ", "
                    + rowBytes + "] has " + bytes + " bytes; one Ember tensor stores at most "
                    + Layout.MAX_STORAGE_ELEMENTS);
        }
        this.packed = new byte[(int) bytes];
        for (int r = 0; r < rows; r++) {
            int base = r * rowBytes;
            float bias = -(zeroPoints[r] * scales[r]);
            if (eight) {
                for (int c = 0; c < cols; c++) {
                    packed[base + c] = (byte) values[r * cols + c];
                }
                putInt(base + cols, Float.floatToRawIntBits(scales[r]));
                putInt(base + cols + 4, Float.floatToRawIntBits(bias));
            } else {
                for (int c = 0; c < cols; c += 2) {
                    packed[base + c / 2] = (byte) (values[r * cols + c] | values[r * cols + c + 1] << 4);
                }
                putShort(base + cols / 2, Half.fromFloat(scales[r]));
                putShort(base + cols / 2 + 2, Half.fromFloat(bias));
            }
        }
    }

    private void putInt(int at, int v) {
        putShort(at, (short) v);
        putShort(at + 2, (short) (v >>> 16));
    }

    private void putShort(int at, short v) {
        packed[at] = (byte) v;
        packed[at + 1] = (byte) (v >>> 8);
    }

    /**
     * {@code torch.ops.quantized.embedding_bag_prepack(weight)}: packs a 2-D quint8 or quint4x2 weight quantized with
     * float qparams along axis 0 (a scale and zero point per row).
     *
     * @param weight the weight
     * @return the packed weight
     * @throws IllegalArgumentException for a weight of another rank, type or scheme (PyTorch's messages), with its
     *     scales along another axis, or quint4x2 of an odd number of columns (PyTorch's prepack reads such a weight's
     *     rows from the wrong bytes: each row's values start in the middle of a byte)
     */
    public static PackedEmbeddingBagWeight prepack(QuantizedTensor weight) {
        if (weight == null) {
            throw new IllegalArgumentException("quantized::embedding_bag_prepack: the weight must not be null");
        }
        if (weight.shape().length != 2) {
            throw new IllegalArgumentException("quantized::embedding_bag_prepack weight tensor rank should be 2");
        }
        if (weight.dtype() != QuantDType.QUINT8 && weight.dtype() != QuantDType.QUINT4X2) {
            throw new IllegalArgumentException("qembedding_bag_prepack currently only supports quint8 and quint4x2 "
                    + "weights");
        }
        if (weight.qscheme() != QScheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS) {
            throw new IllegalArgumentException("Expect embedding_bag weights to be quantized using "
                    + "kPerChannelAffineFloatQParams");
        }
        if (weight.qPerChannelAxis() != 0) {
            throw new IllegalArgumentException("quantized::embedding_bag_prepack: the weight's scales and zero points "
                    + "must be per row (axis 0), got axis " + weight.qPerChannelAxis());
        }
        int rows = weight.shape()[0];
        int cols = weight.shape()[1];
        if (weight.dtype() == QuantDType.QUINT4X2 && cols % 2 != 0) {
            throw new IllegalArgumentException("quantized::embedding_bag_prepack: a quint4x2 weight needs an even "
                    + "embedding_dim, got " + cols + " (PyTorch's prepack misreads the rows of an odd one)");
        }
        try (GradMode off = Ember.noGrad()) {
            return new PackedEmbeddingBagWeight(weight.dtype(), rows, cols, weight.values().reshape(-1).toIntArray(),
                weight.qPerChannelScales().toFloatArray(), weight.qPerChannelZeroPoints().toFloatArray());
        }
    }

    /** The type of the weight: quint8 or quint4x2. */
    public QuantDType dtype() {
        return dtype;
    }

    /** The bits a value: 8 or 4. */
    public int bitRate() {
        return dtype == QuantDType.QUINT8 ? 8 : 4;
    }

    /** The number of rows ({@code num_embeddings}). */
    public int rows() {
        return rows;
    }

    /** The number of columns ({@code embedding_dim}). */
    public int cols() {
        return cols;
    }

    /**
     * The packed bytes, uint8 {@code [rows, cols + 8]} (quint8) or {@code [rows, cols / 2 + 4]} (quint4x2), as
     * PyTorch's packed tensor holds them.
     *
     * @return a new tensor
     */
    public Tensor packedWeight() {
        return Tensor.tensor(packed.clone(), DType.UINT8).reshape(rows, rowBytes);
    }

    /**
     * {@code torch.ops.quantized.embedding_bag_unpack}: the quantized weight again, with the scales and zero points it
     * was packed with (float32, not the float16 ones of a 4-bit row).
     *
     * @return a new quantized tensor
     */
    public QuantizedTensor unpack() {
        try (GradMode off = Ember.noGrad()) {
            byte[] b = new byte[values.length];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) values[i];
            }
            return QuantizedTensor.makePerChannelQuantizedTensor(Tensor.tensor(b, DType.UINT8).reshape(rows, cols),
                Tensor.tensor(scales.clone(), DType.FLOAT32), Tensor.tensor(zeroPoints.clone(), DType.FLOAT32), 0, dtype);
        }
    }

    /**
     * The lookup of {@code quantized::embedding_byte} / {@code embedding_4bit} ({@code embeddingOp}: a row per index,
     * 1-D indices giving {@code [n, D]} and 2-D {@code [B, L, D]}) and of {@code quantized::embedding_bag_byte} /
     * {@code embedding_bag_4bit} (a sum per bag: 1-D indices with {@code offsets}, bag {@code m} the indices from
     * {@code offsets[m]} to {@code offsets[m + 1]} (the last bag to the end, or to the last offset with
     * {@code includeLastOffset}), a first offset above 0 leaving the indices before it out, as FBGEMM's kernels do
     * (PyTorch's reference kernel, used without FBGEMM, takes bags of the offsets' differences from index 0 instead);
     * 2-D indices without offsets, a bag a row, the last row left out with {@code includeLastOffset} as PyTorch's
     * 8-bit and reference kernels leave it). The sum ignores the float module's mode, as PyTorch's kernels do. Nothing
     * is changed by a refusal.
     *
     * @param indices int32 or int64 indices, 1-D or 2-D
     * @param offsets int32 or int64 1-D offsets, or null (2-D bags, and always for {@code embeddingOp})
     * @param perSampleWeights float32 weights (float16 too for 4 bits), one an index, or null
     * @param includeLastOffset whether {@code offsets} ends with the end of the last bag
     * @param embeddingOp whether this is the Embedding lookup
     * @return the float32 output
     * @throws IllegalArgumentException for indices or offsets of another rank or type, an index outside the table,
     *     offsets that decrease, leave the indices or (with {@code includeLastOffset}) do not end at their number, or
     *     per-sample weights of another type or size (PyTorch's messages, FBGEMM's where the kernels differ)
     */
    public Tensor lookup(Tensor indices, Tensor offsets, Tensor perSampleWeights, boolean includeLastOffset,
                         boolean embeddingOp) {
        if (indices == null) {
            throw new IllegalArgumentException("embedding_bag: indices must not be null");
        }
        boolean eight = dtype == QuantDType.QUINT8;
        if (indices.dim() != 1 && indices.dim() != 2) {
            throw new IllegalArgumentException("qembedding/qembedding_bag operator supports 1 or 2d indices, got "
                    + indices.dim());
        }
        long n = indices.numel();
        long[] offs;
        if (indices.dim() == 2 && !embeddingOp) {
            if (offsets != null) {
                throw new IllegalArgumentException(eight ? "embedding_bag_byte operator: input is 2D, then offsets has "
                        + "to be None, as input is treated is a mini-batch of fixed length sequences."
                        : "embedding_bag_4bit/embedding_bag_2bit operator: input is 2D, then offsets has to be None, as "
                        + "input is treated is a mini-batch of fixed length sequences.");
            }
            int b = indices.size(0);
            int len = indices.size(1);
            if (len == 0) {
                throw new IllegalArgumentException("step must be nonzero"); // PyTorch's arange(0, numel, 0)
            }
            offs = new long[b];
            for (int i = 0; i < b; i++) {
                offs[i] = (long) i * len;
            }
        } else if (embeddingOp) {
            offs = new long[(int) n];
            for (int i = 0; i < n; i++) {
                offs[i] = i;
            }
        } else {
            if (offsets == null) {
                throw new IllegalArgumentException(eight ? "embedding_bag_byte expects offsets to be set for 1D indices."
                        : "embedding_bag_4bit/embedding_bag_2bit operator expects offsets to be set for 1D indices.");
            }
            if (indices.dtype() != DType.INT32 && indices.dtype() != DType.INT64) {
                throw new IllegalArgumentException("Expect 32 or 64 bit indices, but found "
                        + dev.ember.Format.scalarType(indices.dtype()) + " instead.");
            }
            if (offsets.dtype() != DType.INT32 && offsets.dtype() != DType.INT64) {
                throw new IllegalArgumentException("Expect 32 or 64 bit offsets, but found "
                        + dev.ember.Format.scalarType(offsets.dtype()) + " instead.");
            }
            if (offsets.dim() != 1) {
                throw new IllegalArgumentException("Expected offsets.dim() == 1 to be true, but got false.  (Could this "
                        + "error message be improved?  If so, please report an enhancement request to PyTorch.)");
            }
            offs = offsets.toLongArray();
        }
        if (indices.dtype() != DType.INT32 && indices.dtype() != DType.INT64) {
            throw new IllegalArgumentException("Expect 32 or 64 bit indices, but found "
                    + dev.ember.Format.scalarType(indices.dtype()) + " instead.");
        }
        long[] idx = indices.toLongArray();
        float[] w = null;
        if (perSampleWeights != null) {
            boolean ok = perSampleWeights.dtype() == DType.FLOAT32 || !eight && perSampleWeights.dtype() == DType.FLOAT16;
            if (!ok) {
                throw new IllegalArgumentException(eight ? "expected scalar type Float but found "
                        + dev.ember.Format.scalarType(perSampleWeights.dtype())
                        : "Expect fp32 or fp16 weights, but found" + dev.ember.Format.scalarType(perSampleWeights.dtype())
                        + " instead");
            }
            if (perSampleWeights.numel() != n) {
                throw new IllegalArgumentException("embedding_bag: per_sample_weights must have one weight an index: "
                        + n + " indices, " + perSampleWeights.numel() + " weights");
            }
            w = perSampleWeights.to(DType.FLOAT32).toFloatArray();
        }
        int bags;
        long[] ends;
        if (includeLastOffset && !embeddingOp) {
            // 2-D indices: their row starts taken as offsets that include the last, so the last row is no bag, as in
            // PyTorch's 8-bit kernels and reference kernel (FBGEMM's 4-bit one refuses such a call)
            if (offs.length < 1) {
                throw new IllegalArgumentException("include_last_offset: number of offsets should be at least 1");
            }
            bags = offs.length - 1;
            ends = offs;
        } else {
            bags = offs.length;
            ends = Arrays.copyOf(offs, offs.length + 1);
            ends[bags] = n;
        }
        for (int m = 0; m < bags; m++) {
            if (ends[m] < 0 || ends[m] > ends[m + 1] || ends[m + 1] > n) {
                throw new IllegalArgumentException("embedding_bag: the offsets must not decrease and must lie in [0, "
                        + n + "], the number of indices: got " + Arrays.toString(Arrays.copyOf(offs, offs.length)));
            }
        }
        if (bags > 0 && ends[bags] != n && indices.dim() == 1) {
            throw new IllegalArgumentException("Yout input seems to be incorrect: the last offset value should be the "
                    + "size of the indices tensor, but it appears not.");
        }
        for (int m = 0; m < bags; m++) {
            for (long i = ends[m]; i < ends[m + 1]; i++) {
                long v = idx[(int) i];
                if (v < 0 || v >= rows) {
                    throw new IllegalArgumentException("Index " + i + " is out of bounds: " + v + ", range 0 to "
                            + rows);
                }
            }
        }
        long outNumel = (long) bags * cols; // at most 2^31 bags of at most 2^31 columns: exact in a long
        if (outNumel > Layout.MAX_STORAGE_ELEMENTS) {
            String sizes = embeddingOp && indices.dim() == 2 ? "[" + indices.size(0) + ", " + indices.size(1) + ", " + cols
                    + "]" : "[" + bags + ", " + cols + "]";
            throw new IllegalArgumentException("a tensor of sizes=" + sizes + " has " + outNumel + " elements; one Ember "
                    + "tensor stores at most " + Layout.MAX_STORAGE_ELEMENTS);
        }
        float[] out = new float[(int) outNumel];
        for (int m = 0; m < bags; m++) {
            int o = m * cols;
            for (long i = ends[m]; i < ends[m + 1]; i++) {
                int r = (int) idx[(int) i];
                float wv = w == null ? 1.0f : w[(int) i];
                float[] sb = scaleBias(r);
                float scale = wv * sb[0];
                float bias = wv * sb[1];
                int base = r * rowBytes;
                for (int j = 0; j < cols; j++) {
                    int q = eight ? packed[base + j] & 0xFF : (packed[base + j / 2] & 0xFF) >> (j % 2) * 4 & 15;
                    out[o + j] = (float) Math.fma((double) scale, (double) q, (double) (out[o + j] + bias));
                }
            }
        }
        Tensor result = Tensor.tensor(out, DType.FLOAT32);
        if (embeddingOp && indices.dim() == 2) {
            return result.reshape(indices.size(0), indices.size(1), cols);
        }
        return result.reshape(bags, cols);
    }

    /** A row's scale and bias as the kernel reads them: float32, or the float16 ones of a 4-bit row. */
    private float[] scaleBias(int r) {
        int base = r * rowBytes;
        if (dtype == QuantDType.QUINT8) {
            return new float[] {Float.intBitsToFloat(readInt(base + cols)), Float.intBitsToFloat(readInt(base + cols + 4))};
        }
        return new float[] {Half.toFloat(readShort(base + cols / 2)), Half.toFloat(readShort(base + cols / 2 + 2))};
    }

    private int readInt(int at) {
        return (readShort(at) & 0xFFFF) | readShort(at + 2) << 16;
    }

    private short readShort(int at) {
        return (short) ((packed[at] & 0xFF) | (packed[at + 1] & 0xFF) << 8);
    }
}
