package dev.ember.ao.nn.quantized;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;
import dev.ember.ao.quantization.QParams;
import dev.ember.ao.quantization.QScheme;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.nn.Module;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code torch.ao.nn.quantized.Embedding}: a weight-only quantized embedding table, int32 or int64 indices in, float32 rows out, the table quint8 or quint4x2 with a float scale and zero point per row
 * ({@code torch.per_channel_affine_float_qparams}), packed as PyTorch packs it ({@link PackedEmbeddingBagWeight}: the
 * rows it returns are {@code scale * q + bias}, with float16 scale and bias for 4 bits). Made by
 * {@link dev.ember.ao.quantization.Quantization#convert} from an {@link dev.ember.nn.Embedding} whose qconfig is
 * {@link dev.ember.ao.quantization.QConfig#FLOAT_QPARAMS_WEIGHT_ONLY} (or the 4-bit one), or {@link #fromFloat}. The
 * float module's {@code padding_idx}, {@code max_norm} and {@code sparse} do not carry over (PyTorch's do not either):
 * a padding row, zero in the float table, quantizes to zeros. Prints as PyTorch's
 * ({@code QuantizedEmbedding(num_embeddings=10, embedding_dim=12, dtype=torch.quint8,
 * qscheme=torch.per_channel_affine_float_qparams)}); its state dict entries are PyTorch's
 * {@code _packed_params.dtype} and {@code _packed_params._packed_weight} (the unpacked quantized weight).
 */
public class Embedding extends Module implements QuantizedState {
    private final int numEmbeddings;
    private final int embeddingDim;
    private final QuantDType dtype;
    private PackedEmbeddingBagWeight packed;

    /** {@code Embedding(num_embeddings, embedding_dim)}: quint8, see {@link #Embedding(int, int, QuantDType)}. */
    public Embedding(int numEmbeddings, int embeddingDim) {
        this(numEmbeddings, embeddingDim, QuantDType.QUINT8);
    }

    /**
     * {@code Embedding(num_embeddings, embedding_dim, dtype=dtype)}: a table of zeros (scales 1, zero points 0; PyTorch's
     * is left uninitialized) of the given type, to be replaced by {@link #setWeight}.
     *
     * @param numEmbeddings the number of rows
     * @param embeddingDim the size of a row
     * @param dtype quint8 or quint4x2
     * @throws IllegalArgumentException for negative sizes, another type (PyTorch's message) or quint4x2 with an odd
     *     {@code embeddingDim}
     */
    public Embedding(int numEmbeddings, int embeddingDim, QuantDType dtype) {
        // PyTorch's order: the scales ([num_embeddings]), then the table, then EmbeddingPackedParams' type check
        if (numEmbeddings < 0) {
            throw new IllegalArgumentException("Trying to create tensor with negative dimension " + numEmbeddings + ": ["
                    + numEmbeddings + "]");
        }
        if (embeddingDim < 0) {
            throw new IllegalArgumentException("Trying to create tensor with negative dimension " + embeddingDim + ": ["
                    + numEmbeddings + ", " + embeddingDim + "]");
        }
        if (dtype != QuantDType.QUINT8 && dtype != QuantDType.QUINT4X2) {
            throw new IllegalArgumentException("Unsupported dtype on quantized embedding! Supports quint8 and quint4x2. "
                    + "Got dtype: " + dtype);
        }
        this.numEmbeddings = numEmbeddings;
        this.embeddingDim = embeddingDim;
        this.dtype = dtype;
        try (GradMode off = Ember.noGrad()) {
            setWeight(QuantizedTensor.quantizePerChannel(Tensor.zeros(DType.FLOAT32, numEmbeddings, embeddingDim),
                Tensor.ones(DType.FLOAT32, numEmbeddings), Tensor.zeros(DType.FLOAT32, numEmbeddings), 0, dtype));
        }
    }

    /**
     * {@code nnq.Embedding.from_float(mod)}: the float table quantized by {@code weightObserver} (run on it; PyTorch's
     * {@code mod.qconfig.weight()}, or {@code float_qparams_weight_only_qconfig}'s without a qconfig). PyTorch's
     * {@code from_float} makes a quint8 module whatever the observer's type, so that a 4-bit weight is then read as
     * 8-bit rows (garbage or an error); Ember gives the module the observer's type.
     *
     * @param mod the float embedding (exactly {@link dev.ember.nn.Embedding})
     * @param weightObserver a fresh weight observer
     * @return the quantized embedding
     * @throws IllegalArgumentException for an observer of another scheme or type (PyTorch's assertion messages)
     */
    public static Embedding fromFloat(dev.ember.nn.Embedding mod, ObserverOrFakeQuantize weightObserver) {
        if (mod == null || mod.getClass() != dev.ember.nn.Embedding.class) {
            throw new IllegalArgumentException("nnq.Embedding.from_float only works for Embedding");
        }
        QuantizedTensor w = quantizeWeight(mod.getParameter("weight"), weightObserver, "Embedding");
        Embedding q = new Embedding(mod.numEmbeddings(), mod.embeddingDim(), weightObserver.dtype());
        q.setWeight(w);
        return q;
    }

    /**
     * {@code from_float} of a QAT embedding ({@code convert}): its table quantized by its own trained
     * {@code weight_fake_quant}, which runs on the table once more first (updating its statistics while its observer is
     * enabled), as PyTorch's. The 4-bit fake quantizer gives a quint4x2 module (PyTorch 1.13's and 2.x's make a quint8
     * module whatever the fake quantizer, whose forward then misreads the 4-bit rows).
     *
     * @param mod the QAT embedding
     * @return the quantized embedding
     * @throws IllegalArgumentException for a null module or a fake quantizer of another scheme or type (PyTorch's
     *     assertion messages)
     */
    public static Embedding fromQat(dev.ember.ao.nn.qat.Embedding mod) {
        if (mod == null) {
            throw new IllegalArgumentException("nnq.Embedding.from_float with fake quant only works for Embedding");
        }
        ObserverOrFakeQuantize fq = fakeQuant(mod.weightFakeQuant());
        QuantizedTensor w = quantizeWeight(mod.getParameter("weight"), fq, "Embedding");
        Embedding q = new Embedding(mod.numEmbeddings(), mod.embeddingDim(), fq.dtype());
        q.setWeight(w);
        return q;
    }

    /** A QAT module's {@code weight_fake_quant}, which must say its type and scheme. */
    static ObserverOrFakeQuantize fakeQuant(Module f) {
        if (f instanceof ObserverOrFakeQuantize o) {
            return o;
        }
        throw new IllegalArgumentException("the weight_fake_quant (" + (f == null ? null : f.getClass().getSimpleName())
                + ") gives no dtype and qscheme");
    }

    /**
     * PyTorch's {@code from_float} checks and {@code _quantize_weight} for float qparams: the observer run on the
     * weight, then {@code quantize_per_channel(weight, scale, zero_point, ch_axis, dtype)} with float zero points.
     */
    static QuantizedTensor quantizeWeight(Tensor weight, ObserverOrFakeQuantize observer, String cls) {
        if (observer == null) {
            throw new IllegalArgumentException(cls + ".from_float needs a weight observer");
        }
        if (observer.qscheme() != QScheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS) {
            throw new IllegalArgumentException(cls + " quantization is only supported with "
                    + "float_qparams_weight_only_qconfig.");
        }
        if (observer.dtype() != QuantDType.QUINT8 && observer.dtype() != QuantDType.QUINT4X2) {
            throw new IllegalArgumentException("The only supported dtype for nnq." + cls + " is torch.quint8 and "
                    + "torch.quint4x2, got " + observer.dtype());
        }
        if (!(observer instanceof Module m)) {
            throw new IllegalArgumentException("the weight's observer must be a module");
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor w = weight.detach().to(dev.ember.Device.CPU).to(DType.FLOAT32);
            if (w.dim() == 2 && w.size(1) % 2 != 0 && observer.dtype() == QuantDType.QUINT4X2) {
                PackedEmbeddingBagWeight.prepack(QuantizedTensor.quantizePerChannel(Tensor.zeros(DType.FLOAT32, 1,
                    w.size(1)), Tensor.ones(DType.FLOAT32, 1), Tensor.zeros(DType.FLOAT32, 1), 0,
                    QuantDType.QUINT4X2)); // refuses before the observer sees anything
            }
            m.apply(w);
            QParams p = observer.calculateQparams();
            return QuantizedTensor.quantizePerChannel(w, p.scale().to(DType.FLOAT32), p.zeroPoint().to(DType.FLOAT32),
                observer.chAxis(), observer.dtype());
        }
    }

    /**
     * {@code set_weight(w)}: packs a new table ({@code embedding_bag_prepack}).
     *
     * @param weight the quantized table, {@code [num_embeddings, embedding_dim]} of the module's type, float qparams
     *     along axis 0
     * @throws IllegalArgumentException for a weight {@link PackedEmbeddingBagWeight#prepack} refuses, or of another shape
     *     or type than the module's (PyTorch packs it anyway, and its lookups then misread it); the module is unchanged
     */
    public void setWeight(QuantizedTensor weight) {
        PackedEmbeddingBagWeight p = PackedEmbeddingBagWeight.prepack(weight);
        if (p.rows() != numEmbeddings || p.cols() != embeddingDim || p.dtype() != dtype) {
            throw new IllegalArgumentException("set_weight: the weight must be " + dtype + " of shape [" + numEmbeddings
                    + ", " + embeddingDim + "], got " + weight.dtype() + " of shape "
                    + java.util.Arrays.toString(weight.shape()));
        }
        this.packed = p;
    }

    /** {@code weight()}: the quantized table ({@code embedding_bag_unpack}, a new tensor). */
    public QuantizedTensor weight() {
        return packed.unpack();
    }

    /** The packed table. */
    public PackedEmbeddingBagWeight packedWeight() {
        return packed;
    }

    /** {@code num_embeddings}. */
    public int numEmbeddings() {
        return numEmbeddings;
    }

    /** {@code embedding_dim}. */
    public int embeddingDim() {
        return embeddingDim;
    }

    /** {@code dtype}: quint8 or quint4x2. */
    public QuantDType dtype() {
        return dtype;
    }

    /**
     * {@code quantized::embedding_byte} / {@code embedding_4bit}: the rows of {@code indices} (1-D: {@code [n, D]};
     * 2-D: {@code [B, L, D]}).
     *
     * @param indices int32 or int64 indices
     * @return float32 rows
     * @throws IllegalArgumentException for indices of another rank or type, or outside the table (PyTorch's messages)
     */
    @Override
    public Tensor forward(Tensor indices) {
        return packed.lookup(indices, null, null, false, true);
    }

    @Override
    protected String moduleName() {
        return "QuantizedEmbedding";
    }

    @Override
    public String extraRepr() {
        return "num_embeddings=" + numEmbeddings + ", embedding_dim=" + embeddingDim + ", dtype=" + dtype
                + ", qscheme=" + QScheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS;
    }

    @Override
    public void saveQuantizedState(Map<String, Object> out) {
        out.put("_packed_params.dtype", dtype);
        out.put("_packed_params._packed_weight", packed.unpack());
    }

    @Override
    public Map<String, Long> stateVersions() {
        Map<String, Long> v = new LinkedHashMap<>();
        v.put("", 1L);
        v.put("_packed_params", 1L); // EmbeddingPackedParams, a submodule in PyTorch
        return v;
    }

    @Override
    public List<String> quantizedStateKeys(Map<String, Long> versions, Set<String> present) {
        return List.of("_packed_params.dtype", "_packed_params._packed_weight");
    }

    @Override
    public Runnable loadQuantizedState(Map<String, Object> entries, Map<String, Long> versions) {
        Object d = entries.get("_packed_params.dtype");
        if (d != dtype) {
            throw new IllegalArgumentException("the entry '_packed_params.dtype' must be " + dtype + " for this "
                    + moduleName() + ", got " + QuantizedState.describe(d));
        }
        Object w = entries.get("_packed_params._packed_weight");
        if (!(w instanceof QuantizedTensor qw)) {
            throw new IllegalArgumentException("the entry '_packed_params._packed_weight' must be a quantized Tensor, got "
                    + QuantizedState.describe(w));
        }
        PackedEmbeddingBagWeight p;
        try {
            p = PackedEmbeddingBagWeight.prepack(qw);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the entry '_packed_params._packed_weight': " + e.getMessage());
        }
        if (p.rows() != numEmbeddings || p.cols() != embeddingDim || p.dtype() != dtype) {
            throw new IllegalArgumentException("the entry '_packed_params._packed_weight' must be " + dtype + " of shape ["
                    + numEmbeddings + ", " + embeddingDim + "], got " + QuantizedState.describe(qw));
        }
        return () -> this.packed = p;
    }

    @Override
    protected String unsavableReason() {
        return "its state holds a quantized weight and its dtype, which are not registered tensors: save it with "
                + "Quantization.stateDict(model) and load it with Quantization.loadStateDict (PyTorch's keys)";
    }
}
