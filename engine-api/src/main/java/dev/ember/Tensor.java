package dev.ember;

import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.backend.Layout;
import dev.ember.backend.RandomKind;
import dev.ember.backend.Storage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * A multi-dimensional array with automatic differentiation, following PyTorch's {@code torch.Tensor}:
 * the same names (in camelCase; in-place methods end in {@code _}), broadcasting, type promotion,
 * autograd rules, error messages and printing.
 *
 * <p>A tensor is a view over a {@link Storage}: views ({@link #view}, {@link #transpose}, {@link #expand},
 * {@link #narrow}, {@link #select}, ...) share the storage and differ only in shape, strides and offset.
 * Kernels run on the {@link Backend} of the tensor's {@link Device}.
 *
 * <pre>{@code
 * Tensor x = Tensor.ones(2, 2).requiresGrad_(true);
 * Tensor out = x.add(2).pow(2).mul(3).mean();
 * out.backward();
 * System.out.println(x.grad());   // tensor([[3., 3.], [3., 3.]])
 * }</pre>
 *
 * <p>A tensor's memory is freed when it is {@linkplain #close() closed} (the last open tensor over a storage frees
 * it), when the {@link TensorScope} it was made in closes ({@link Ember#scope()}), or else when it becomes unreachable.
 *
 * <p>Tensors are not thread-safe; share them between threads only with outside synchronization. The exception is
 * autograd: backward passes may run at once on several threads over graphs that share leaves, and each leaf's gradient
 * receives their sums one at a time, as PyTorch locks its gradient accumulation.
 */
public final class Tensor implements AutoCloseable {
    /** {@link #lease}, for {@link #close()}'s atomic take. */
    private static final java.lang.invoke.VarHandle LEASE;

    static {
        try {
            LEASE = java.lang.invoke.MethodHandles.lookup().findVarHandle(Tensor.class, "lease", StorageLease.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The hold this tensor has on its storage, shared with every tensor over it; null once closed. */
    StorageLease lease;
    /** The scope that closes this tensor, or null. */
    TensorScope scope;
    Layout layout;
    int[] shape;
    DType dtype;
    Device device;
    Backend backend;
    /** The version counter, shared with views; in-place changes bump it. */
    int[] version;
    /** The tensor this one is a view of (the root of the view chain), or null. */
    Tensor viewBase;
    /** Whether this is a view made by a view op (not a detached handle), whose history follows its base's. */
    boolean differentiableView;
    /** Whether this view was made with autograd off (it may not be modified in place while autograd records). */
    boolean noGradView;
    /**
     * Whether this view is an output of an op returning several views, or a view of one (PyTorch's
     * {@code CreationMeta::MULTI_OUTPUT_NODE}): it may not be modified in place while autograd records.
     */
    boolean multiOutputView;
    /** Whether this view was made in inference mode, or is a view of one (PyTorch's {@code CreationMeta::INFERENCE_MODE}). */
    boolean inferenceView;
    /** The version at which this view's history was recorded; another version means its storage changed in place. */
    int viewVersion;
    /**
     * The node a regenerated history of this view is named after when PyTorch replays the view op instead of taking
     * {@code as_strided} of the base (view_as_real and view_as_complex, which change the dtype, keep their view_fn:
     * ViewAsRealBackward0, ViewAsComplexBackward0); null for {@code AsStridedBackward0}.
     */
    String replayNode;
    /** Whether this 0-dim tensor wraps a Java number (for type promotion). */
    boolean wrappedNumber;
    /** A wrapped Java double's value, so a cast to float32 needs no kernel (unused for wrapped longs). */
    double wrappedValue;
    /** Printed as {@code Parameter containing:} (set by {@code nn} parameters). */
    boolean isParameter;
    /**
     * PyTorch's class of an uninitialized parameter or buffer of a lazy module ({@code "UninitializedParameter"},
     * {@code "UninitializedBuffer"}), which holds no storage until {@link #materialize_}; null for every other tensor.
     */
    String uninitialized;

    boolean requiresGrad;
    Node gradFn;
    /**
     * The shape this tensor had when {@link #gradFn} recorded it (a leaf: when its {@link #accumulator} was made), kept
     * once an in-place view op under no_grad ({@code t_}, {@code unsqueeze_}, ...) changed its shape without recording
     * a node; null while the shape is the recorded one. PyTorch keeps a tensor's metadata on the node that made it, so
     * a gradient of the new shape reaching that node is checked against the old one ({@code returned an invalid
     * gradient ... expected shape compatible with}, or summed to it where it expands); a {@link Node} takes it as the
     * expected shape of this input. (PyTorch drops a leaf's accumulator that no graph holds and makes a new one for the
     * new shape; Ember keeps the accumulator it made.)
     */
    int[] gradFnShape;
    /**
     * Whether this inference tensor has a version counter of its own: {@link #detach()} or {@link #data()} of an
     * inference tensor outside inference mode, as PyTorch 2.x's {@code detach} (and {@code variable_data}) make it with
     * {@code shallow_copy_and_detach(version_counter=0)} and no autograd layer runs to share the base's (an inference
     * tensor has none). It stays an inference tensor ({@code is_inference()}; autograd refuses to save it or make it
     * require grad) but may be written in place outside inference mode, into the storage it shares, and counts those
     * writes; its views have no counter, as any inference tensor's.
     */
    boolean inferenceCounter;
    /** Which output of {@link #gradFn} this tensor is (PyTorch's {@code output_nr}); 0 for single-output nodes. */
    int outputNr;
    Tensor grad;
    Node.AccumulateGrad accumulator;
    boolean retainsGrad;
    /** Hooks run after the engine accumulates into this leaf's {@code grad}, or null. */
    private List<java.util.function.Consumer<Tensor>> postAccumulateGradHooks;
    /** Whether {@link #grad} was made by autograd (not assigned with setGrad), so clearing it may close it. */
    boolean gradMadeByAutograd;
    /** Whether {@link #releaseGrad()} closed this tensor, a gradient, so that using it later says so. */
    private boolean releasedAsGrad;
    /** This leaf's sparse gradient (PyTorch's sparse COO {@code .grad}), or null; {@link #grad} is null while it is set. */
    dev.ember.sparse.SparseTensor sparseGrad;
    /**
     * The sparse gradient this tensor stands for while the backward pass carries it: such a tensor is a placeholder of
     * the parameter's shape ({@link SparseGradOps#carrier}) that the engine never hands to a formula or a hook.
     */
    dev.ember.sparse.SparseTensor carriedSparse;
    /** Whether PyTorch would hold the values of {@link #carriedSparse} contiguous (its sparse additions depend on it). */
    boolean carriedContiguous;

    /** A tensor over a fresh storage, the first to hold it. */
    Tensor(Storage storage, Layout layout, Device device, Backend backend, int[] version) {
        this(new StorageLease(storage), layout, device, backend, version, false); // a new lease starts held once
    }

    /**
     * A tensor of type {@code dtype} over a fresh storage: a complex type over a storage of its real type holding the
     * interleaved parts ({@link ComplexOps#allocate}).
     */
    Tensor(Storage storage, Layout layout, Device device, Backend backend, int[] version, DType dtype) {
        this(new StorageLease(storage), layout, device, backend, version, false, dtype);
    }

    /**
     * A tensor of type {@code dtype} over the storage of {@code lease}: the type of the tensor a view is made from (a
     * view of a complex tensor is complex, a view of its real view real, over the same storage).
     */
    Tensor(StorageLease lease, Layout layout, Device device, Backend backend, int[] version, DType dtype) {
        this(lease, layout, device, backend, version, true, dtype);
    }

    private Tensor(StorageLease lease, Layout layout, Device device, Backend backend, int[] version, boolean acquire) {
        this(lease, layout, device, backend, version, acquire, lease.storage.dtype());
    }

    private Tensor(StorageLease lease, Layout layout, Device device, Backend backend, int[] version, boolean acquire,
                   DType dtype) {
        if (acquire) {
            lease.acquire();
        }
        this.lease = lease;
        this.layout = layout;
        this.shape = layout.shape();
        this.dtype = dtype;
        this.device = device;
        this.backend = backend;
        this.version = version;
        TensorScope.register(this);
    }

    // ------------------------------------------------------------------ creation

    /**
     * A tensor from Java data, as {@code torch.tensor}: a number, a boolean, a {@link Complex}, or (nested,
     * rectangular) arrays or lists of them. Floating data gives the default type ({@link Ember#getDefaultDtype},
     * float32 unless set), integral data int64, booleans bool, data holding a {@link Complex} anywhere the default
     * type's complex type (complex64 for float32), as Python's complex numbers do: {@code Tensor.tensor(new Complex[][]
     * {{Complex.of(1, 2), Complex.I}})} is a {@code [1, 2]} complex64 tensor. {@link #toComplexArray} reads them back.
     */
    public static Tensor tensor(Object data) {
        warnCopyConstruct(data);
        return Creation.fromData(data, null, Ember.defaultDevice());
    }

    /**
     * A tensor from Java data converted to {@code dtype}, each number stored as torch.tensor stores a Python int or
     * float: into an integer type, an integer beyond its range (an unsigned type also takes a negative one down to
     * minus its largest value, which wraps) or a float that is NaN, infinite or beyond it is refused ("value cannot be
     * converted to type int8 without overflow"), a float within it truncated; bool and the floating types take any
     * number.
     */
    public static Tensor tensor(Object data, DType dtype) {
        warnCopyConstruct(data);
        return Creation.fromData(data, dtype, Ember.defaultDevice());
    }

    /** A tensor from Java data of the given type, on the given device. */
    public static Tensor tensor(Object data, DType dtype, Device device) {
        Args.require(device, "tensor", "device", 3, "torch.device");
        warnCopyConstruct(data);
        return Creation.fromData(data, dtype, device);
    }

    /**
     * PyTorch 2.x's UserWarning for {@code torch.tensor(sourceTensor)} (a copy without the source's graph, often a
     * mistake), once a process (Python's default filter shows it once for its place in the code), in PyTorch's words.
     */
    private static void warnCopyConstruct(Object data) {
        if (data instanceof Tensor) {
            WarnOnce.warn(WarnOnce.COPY_CONSTRUCT);
        }
    }

    /**
     * A one-dimensional CPU tensor over a Java array's own memory, without a copy, as {@code torch.from_numpy} over a
     * NumPy array: the tensor (and every view of it, such as {@code view} or {@code reshape} to the shape wanted) and
     * the array share their elements, so writes through either show in the other. The dtype is the array's: float[]
     * float32, double[] float64, long[] int64, int[] int32, short[] int16, byte[] int8, boolean[] bool. Closing the
     * tensor leaves the array to its owner. For a copy, use {@link #tensor(Object)}.
     *
     * <pre>{@code
     * float[] pixels = new float[n * 784];           // filled by the caller
     * Tensor images = Tensor.fromArray(pixels).view(n, 1, 28, 28);
     * }</pre>
     *
     * @throws IllegalArgumentException if {@code array} is null or not a one-dimensional array of those types
     */
    public static Tensor fromArray(Object array) {
        return Creation.shareArray(array, null);
    }

    /**
     * {@link #fromArray(Object)} with the array's bits read as {@code dtype}: a byte[] as uint8 (each byte read as
     * unsigned, {@code b & 0xFF}), int8 or an 8-bit float type's bits ({@code torch.float8_e4m3fn} and the others), a
     * short[] as float16 or bfloat16 bits (see {@link #fromHalfBits}), int16 or uint16 bits, an int[] as int32 or uint32
     * bits, a long[] as int64 or uint64 bits (a long read as unsigned); any other array as its own dtype only.
     *
     * @throws IllegalArgumentException if {@code array} is null or not such an array, or cannot hold {@code dtype}'s
     *                                  elements as they are (converting would need a copy: use
     *                                  {@link #tensor(Object, DType)})
     */
    public static Tensor fromArray(Object array, DType dtype) {
        Args.require(dtype, "fromArray", "dtype", 1, "torch.dtype");
        if (dtype.isFloat8() && array instanceof byte[]) {
            return StorageBits.as(Creation.shareArray(array, DType.UINT8), dtype); // the bytes are the fp8 bits
        }
        if (dtype.isBarebonesUnsigned() && array != null && dtype.storageType() == Creation.arrayDtype(array)) {
            return StorageBits.as(Creation.shareArray(array, dtype.storageType()), dtype); // the bits, read unsigned
        }
        return Creation.shareArray(array, dtype);
    }

    /** A 0-dim tensor holding a number. */
    public static Tensor scalar(double value) {
        return Creation.fromData(value, null, Ember.defaultDevice());
    }

    // ---- factories with a device: torch.zeros(..., dtype=, device=) and its siblings (session 42) ----

    /**
     * Uninitialized tensor of a type on a device, as {@code torch.empty(*shape, dtype=dtype, device=device)}: made there
     * at once (a meta tensor allocates nothing, a CUDA one is never a host copy first). PyTorch's {@code device=None} is
     * the overload without a device.
     *
     * @throws IllegalArgumentException for a null argument or a device that cannot run (no GPU)
     */
    public static Tensor empty(DType dtype, Device device, int... shape) {
        return Creation.onDevice(device, "empty", () -> empty(dtype, shape));
    }

    /** Zeros of a type on a device, as {@code torch.zeros(*shape, dtype=dtype, device=device)}. */
    public static Tensor zeros(DType dtype, Device device, int... shape) {
        return Creation.onDevice(device, "zeros", () -> zeros(dtype, shape));
    }

    /** Ones of a type on a device, as {@code torch.ones(*shape, dtype=dtype, device=device)}. */
    public static Tensor ones(DType dtype, Device device, int... shape) {
        return Creation.onDevice(device, "ones", () -> ones(dtype, shape));
    }

    /** {@code torch.full(shape, value, dtype=dtype, device=device)}. */
    public static Tensor full(DType dtype, Device device, double value, int... shape) {
        return Creation.onDevice(device, "full", () -> full(dtype, value, shape));
    }

    /** {@code torch.arange(start, end, step, dtype=dtype, device=device)}. */
    public static Tensor arange(double start, double end, double step, DType dtype, Device device) {
        return Creation.onDevice(device, "arange", () -> arange(start, end, step, dtype));
    }

    /** {@code torch.linspace(start, end, steps, dtype=dtype, device=device)}. */
    public static Tensor linspace(double start, double end, int steps, DType dtype, Device device) {
        return Creation.onDevice(device, "linspace", () -> linspace(start, end, steps, dtype));
    }

    /** {@code torch.eye(n, m, dtype=dtype, device=device)}. */
    public static Tensor eye(int n, int m, DType dtype, Device device) {
        return Creation.onDevice(device, "eye", () -> eye(n, m, dtype));
    }

    /**
     * {@code torch.rand(*shape, generator=generator, dtype=dtype, device=device)}: the same numbers as on the CPU from the
     * same generator state (Ember's Philox draws are device-independent).
     */
    public static Tensor rand(Generator generator, DType dtype, Device device, int... shape) {
        return Creation.onDevice(device, "rand", () -> rand(generator, dtype, shape));
    }

    /** {@code torch.randn(*shape, generator=generator, dtype=dtype, device=device)}, as {@link #rand(Generator, DType, Device, int...)}. */
    public static Tensor randn(Generator generator, DType dtype, Device device, int... shape) {
        return Creation.onDevice(device, "randn", () -> randn(generator, dtype, shape));
    }

    /** Uninitialized float32 tensor. */
    public static Tensor empty(int... shape) {
        Args.require(shape, "empty", "shape", 1, "tuple of ints");
        return empty(Ember.getDefaultDtype(), shape);
    }

    /** Uninitialized tensor of a type. */
    public static Tensor empty(DType dtype, int... shape) {
        Args.require(dtype, "empty", "dtype", 1, "torch.dtype");
        Args.require(shape, "empty", "shape", 2, "tuple of ints");
        return Creation.empty(Shapes.checkSizes(shape), dtype, Ember.defaultDevice());
    }

    /** float32 zeros. */
    public static Tensor zeros(int... shape) {
        Args.require(shape, "zeros", "shape", 1, "tuple of ints");
        return full(Ember.getDefaultDtype(), 0, shape);
    }

    /** Zeros of a type. */
    public static Tensor zeros(DType dtype, int... shape) {
        Args.require(dtype, "zeros", "dtype", 1, "torch.dtype");
        Args.require(shape, "zeros", "shape", 2, "tuple of ints");
        return full(dtype, 0, shape);
    }

    /** float32 ones. */
    public static Tensor ones(int... shape) {
        Args.require(shape, "ones", "shape", 1, "tuple of ints");
        return full(Ember.getDefaultDtype(), 1, shape);
    }

    /** Ones of a type. */
    public static Tensor ones(DType dtype, int... shape) {
        Args.require(dtype, "ones", "dtype", 1, "torch.dtype");
        Args.require(shape, "ones", "shape", 2, "tuple of ints");
        return full(dtype, 1, shape);
    }

    /**
     * A tensor of the default type (float32 unless set) filled with {@code value}, as {@code torch.full(shape, 1.5)}
     * with a Python float ({@link #full(int[], long)} is the integer form, which Java picks for an {@code int} or
     * {@code long} value).
     */
    public static Tensor full(int[] shape, double value) {
        Args.require(shape, "full", "shape", 1, "tuple of ints");
        return full(Ember.getDefaultDtype(), value, shape);
    }

    /**
     * An int64 tensor filled with {@code value}, as {@code torch.full((n,), 3)} with a Python int (PyTorch infers the
     * type from the fill value: {@code torch.full((2,), 3)} is int64, {@code torch.full((2,), 3.0)} the default
     * floating type); the value is exact however large.
     */
    public static Tensor full(int[] shape, long value) {
        Args.require(shape, "full", "shape", 1, "tuple of ints");
        Tensor t = Creation.zeros(Shapes.checkSizes(shape), DType.INT64, Ember.defaultDevice());
        if (value != 0) {
            try (Tensor v = Creation.fromData(value, DType.INT64, Ember.defaultDevice())) {
                t.fill_(v);
            }
        }
        return t;
    }

    /** A bool tensor filled with {@code value}, as {@code torch.full((n,), True)}. */
    public static Tensor full(int[] shape, boolean value) {
        Args.require(shape, "full", "shape", 1, "tuple of ints");
        return full(DType.BOOL, value ? 1 : 0, shape);
    }

    /**
     * A tensor of the default type's complex type (complex64 unless the default is float64) filled with {@code value},
     * as {@code torch.full(shape, 1+2j)}.
     */
    public static Tensor full(int[] shape, Complex value) {
        Args.require(shape, "full", "shape", 1, "tuple of ints");
        return full(Ember.getDefaultDtype().toComplex(), value, shape);
    }

    /**
     * A tensor of a type filled with a complex number, as {@code torch.full(shape, 1+2j, dtype=dtype)}: bool takes
     * whether the real part is nonzero (c10's cast), another real type the real part when the imaginary part is 0
     * and refuses otherwise ("value cannot be converted to type float without overflow", as PyTorch's checked
     * conversion of a complex Scalar).
     */
    public static Tensor full(DType dtype, Complex value, int... shape) {
        Args.require(dtype, "full", "dtype", 1, "torch.dtype");
        Args.require(value, "full", "fill_value", 2, "Number");
        Args.require(shape, "full", "shape", 3, "tuple of ints");
        Creation.checkFullSizes(shape, dtype);
        if (dtype == DType.BOOL) {
            // c10's cast of a complex Scalar to a real type takes the real part: full((3,), 2j, dtype=bool) is False
            return full(dtype, value.real() != 0 ? 1L : 0L, shape);
        }
        if (!dtype.isComplex()) {
            if (value.imag() != 0) {
                throw new IllegalArgumentException("value cannot be converted to type "
                        + ArithmeticOps.cTypeScalarName(dtype) + " without overflow");
            }
            return full(dtype, value.real(), shape);
        }
        if (dtype == DType.COMPLEX64 && (beyondFloat(value.real()) || beyondFloat(value.imag()))) {
            throw new IllegalArgumentException("value cannot be converted to type c10::complex<float> without overflow");
        }
        Tensor t = Creation.zeros(Shapes.checkSizes(shape), dtype, Ember.defaultDevice());
        try (Tensor v = Creation.fromData(value, dtype, Ember.defaultDevice())) {
            t.fill_(v);
        }
        return t;
    }

    /** A finite double beyond float32's range (c10's overflows for a complex&lt;float&gt; part). */
    private static boolean beyondFloat(double v) {
        return !Double.isInfinite(v) && (v > Float.MAX_VALUE || v < -Float.MAX_VALUE);
    }

    /** A tensor of a type filled with a Python int: exact for int64 however large. */
    public static Tensor full(DType dtype, long value, int... shape) {
        Args.require(dtype, "full", "dtype", 1, "torch.dtype");
        Args.require(shape, "full", "shape", 3, "tuple of ints");
        Creation.checkFullSizes(shape, dtype);
        if (dtype != DType.INT64 && dtype != DType.UINT64) {
            return full(dtype, ArithmeticOps.fillValue(value, dtype), shape);
        }
        Tensor t = Creation.zeros(Shapes.checkSizes(shape), dtype, Ember.defaultDevice());
        return value == 0 ? t : t.fill_(value);
    }

    /** A tensor of a type filled with {@code value}. */
    public static Tensor full(DType dtype, double value, int... shape) {
        Args.require(dtype, "full", "dtype", 1, "torch.dtype");
        Args.require(shape, "full", "shape", 3, "tuple of ints");
        Creation.checkFullSizes(shape, dtype);
        ArithmeticOps.checkScalarFits(value, dtype);
        if (Double.doubleToRawLongBits(value) == 0L) { // +0.0 only: -0.0 must be filled
            return Creation.zeros(Shapes.checkSizes(shape), dtype, Ember.defaultDevice());
        }
        Tensor t = Creation.empty(Shapes.checkSizes(shape), dtype, Ember.defaultDevice());
        ComplexOps.fill(t, value);
        return t;
    }

    /** {@code [0, 1, ..., end-1]} as int64, as {@code torch.arange(end)}. */
    public static Tensor arange(long end) {
        return Creation.arange(0L, end, 1L, DType.INT64);
    }

    /**
     * {@code [0, 1, ..., end-1]} of {@code dtype}, as {@code torch.arange(end, dtype=dtype)}.
     *
     * @throws IllegalArgumentException for a null dtype (PyTorch's argument error), or as
     *     {@link #arange(double, double, double, DType)}
     */
    public static Tensor arange(long end, DType dtype) {
        Args.require(dtype, "arange", "dtype", 2, "torch.dtype");
        return Creation.arange(0L, end, 1L, dtype);
    }

    /**
     * {@code [0, 1, ...]} below {@code end} of the default dtype, as {@code torch.arange(5.0)} (a Python float bound:
     * {@link #arange(long)} is the int64 form, which Java picks for an {@code int} or {@code long} argument).
     */
    public static Tensor arange(double end) {
        return Creation.arange(0, end, 1, Ember.getDefaultDtype());
    }

    /**
     * {@code start, start+1, ...} below {@code end} as int64, as {@code torch.arange(start, end)} with integers
     * (position ids {@code arange(t0, t0 + t)}); Java picks this form for {@code int} or {@code long} arguments.
     */
    public static Tensor arange(long start, long end) {
        return Creation.arange(start, end, 1L, DType.INT64);
    }

    /** {@code start, start+step, ...} below {@code end} as int64, as {@code torch.arange(0, 10, 3)}. */
    public static Tensor arange(long start, long end, long step) {
        return Creation.arange(start, end, step, DType.INT64);
    }

    /**
     * {@code start, start+1, ...} below {@code end} of the default dtype, as {@code torch.arange(0.0, 3.0)}: a
     * {@code double} argument is a Python float (integer arguments pick {@link #arange(long, long)}, int64), so
     * {@code arange(0.0, 3.0)} is {@code [0., 1., 2.]} whatever the values.
     */
    public static Tensor arange(double start, double end) {
        return arange(start, end, 1.0);
    }

    /**
     * {@code start, start+step, ...} below {@code end} of the default dtype, as {@code torch.arange(0, 1, 0.1)} or
     * {@code torch.arange(0.0, 4.0, 1.0)}: any {@code double} argument makes it floating, as a Python float does
     * (three integers pick {@link #arange(long, long, long)}, int64). The length is {@code ceil((end - start) / step)}
     * computed in double, as PyTorch's: {@code arange(1, 1.3, 0.1)} has 4 elements. float32 and float64 values are
     * PyTorch's CPU kernel's bit for bit on this machine's capability ({@link dev.ember.backend.CpuCapability}): from
     * {@code start + step * i} in double, fused where the build has FMA, each pass of vector lanes going on from its
     * first value by {@code + j * step}.
     */
    public static Tensor arange(double start, double end, double step) {
        return Creation.arange(start, end, step, Ember.getDefaultDtype());
    }

    /**
     * {@code arange} with an explicit type. An integer type takes PyTorch's integer kernel: the numbers are converted to
     * int64 first (truncated toward zero, so {@code arange(-5, 5, 2.5, INT32)} is {@code [-5, -3, -1, 1]} and a step
     * below 1 is refused as zero), int64's length comes from the converted numbers and the narrower types' from the
     * numbers as given; bool has no kernel.
     */
    public static Tensor arange(double start, double end, double step, DType dtype) {
        Args.require(dtype, "arange", "dtype", 4, "torch.dtype");
        return Creation.arange(start, end, step, dtype);
    }

    /**
     * {@code steps} evenly spaced values of the default dtype (float32) from {@code start} to {@code end} inclusive, as
     * {@code torch.linspace}: float32 and float64 bit for bit as PyTorch 2.x's CPU kernel of this machine's capability
     * ({@link dev.ember.backend.CpuCapability}) computes them, in the result's type, every value by the scalar formula
     * (2.x has no vector passes here): {@code step = (end - start) / (steps - 1)}, then {@code start + step * i} in
     * the first half ({@code i < steps / 2}), {@code end - step * (steps - 1 - i)} in the second, fused where the build
     * has FMA; so the last bits differ from one machine to another as PyTorch's do ({@code torch.linspace(-1, 1, 7)[3]}
     * is -2.98e-8 with FMA, 0 without). Integer types take the same formula in double, then truncate; complex64 and
     * complex128 take float32's and float64's (their imaginary parts zero); float16 and bfloat16 compute in their own
     * arithmetic, each operation rounded to the type.
     */
    public static Tensor linspace(double start, double end, int steps) {
        return Creation.linspace(start, end, steps, Ember.getDefaultDtype());
    }

    /**
     * {@code steps} evenly spaced values of {@code dtype} from {@code start} to {@code end} inclusive, as
     * {@code torch.linspace(start, end, steps, dtype=dtype)}; computed as {@link #linspace(double, double, int)}. An
     * integer type converts both ends to it first (an integral number as a Python int, checked against the type's
     * range), then truncates each value: {@code linspace(0.5, 9.5, 5, INT64)} is {@code [0, 2, 4, 6, 9]}.
     *
     * @throws IllegalArgumentException for a null dtype, negative steps, bool (no kernel) or an end beyond an integer
     *     type's range
     */
    public static Tensor linspace(double start, double end, int steps, DType dtype) {
        Args.require(dtype, "linspace", "dtype", 4, "torch.dtype");
        return Creation.linspace(start, end, steps, dtype);
    }

    /** {@code steps} float32 powers of 10 with evenly spaced exponents from {@code start} to {@code end} inclusive. */
    public static Tensor logspace(double start, double end, int steps) {
        return Creation.logspace(start, end, steps, 10.0, Ember.getDefaultDtype());
    }

    /**
     * {@code steps} powers of {@code base} with evenly spaced exponents from {@code start} to {@code end} inclusive, as
     * {@code torch.logspace}.
     */
    public static Tensor logspace(double start, double end, int steps, double base, DType dtype) {
        Args.require(dtype, "logspace", "dtype", 5, "torch.dtype");
        return Creation.logspace(start, end, steps, base, dtype);
    }

    /** The n-by-n float32 identity. */
    public static Tensor eye(int n) {
        return eye(n, n, Ember.getDefaultDtype());
    }

    /** An n-by-m matrix of a type with ones on the diagonal. */
    public static Tensor eye(int n, int m, DType dtype) {
        Args.require(dtype, "eye", "dtype", 3, "torch.dtype");
        return Creation.eye(n, m, dtype);
    }

    /** Uniform on [0, 1), float32, from the default generator. */
    public static Tensor rand(int... shape) {
        Args.require(shape, "rand", "shape", 1, "tuple of ints");
        return Creation.random(RandomKind.UNIFORM, shape, Ember.getDefaultDtype(), 0, 1, Generator.DEFAULT);
    }

    /** Uniform on [0, 1) of a floating type (complex: both parts uniform), from the default generator. */
    public static Tensor rand(DType dtype, int... shape) {
        Args.require(dtype, "rand", "dtype", 1, "torch.dtype");
        Args.require(shape, "rand", "shape", 2, "tuple of ints");
        return Creation.random(RandomKind.UNIFORM, shape, dtype, 0, 1, Generator.DEFAULT);
    }

    /** Uniform on [0, 1) of a floating type (complex: both parts uniform) from a generator. */
    public static Tensor rand(Generator generator, DType dtype, int... shape) {
        Args.require(generator, "rand", "generator", 1, "torch.Generator");
        Args.require(dtype, "rand", "dtype", 2, "torch.dtype");
        Args.require(shape, "rand", "shape", 3, "tuple of ints");
        return Creation.random(RandomKind.UNIFORM, shape, dtype, 0, 1, generator);
    }

    /** Standard normal, float32, from the default generator. */
    public static Tensor randn(int... shape) {
        Args.require(shape, "randn", "shape", 1, "tuple of ints");
        return Creation.random(RandomKind.NORMAL, shape, Ember.getDefaultDtype(), 0, 1, Generator.DEFAULT);
    }

    /** Standard normal of a floating type (complex: each part of variance 1/2), from the default generator. */
    public static Tensor randn(DType dtype, int... shape) {
        Args.require(dtype, "randn", "dtype", 1, "torch.dtype");
        Args.require(shape, "randn", "shape", 2, "tuple of ints");
        return Creation.random(RandomKind.NORMAL, shape, dtype, 0, 1, Generator.DEFAULT);
    }

    /** Standard normal of a floating type (complex: each part of variance 1/2) from a generator. */
    public static Tensor randn(Generator generator, DType dtype, int... shape) {
        Args.require(generator, "randn", "generator", 1, "torch.Generator");
        Args.require(dtype, "randn", "dtype", 2, "torch.dtype");
        Args.require(shape, "randn", "shape", 3, "tuple of ints");
        return Creation.random(RandomKind.NORMAL, shape, dtype, 0, 1, generator);
    }

    /** Integers uniform on [low, high), int64. */
    public static Tensor randint(long low, long high, int... shape) {
        Args.require(shape, "randint", "shape", 3, "tuple of ints");
        return randint(Generator.DEFAULT, low, high, shape);
    }

    /** Integers uniform on [low, high), int64, from a generator, as {@code torch.randint(low, high, size, generator=)}. */
    public static Tensor randint(Generator generator, long low, long high, int... shape) {
        Args.require(generator, "randint", "generator", 4, "torch.Generator");
        Args.require(shape, "randint", "shape", 3, "tuple of ints");
        if (low >= high) {
            throw new IllegalArgumentException("random_ expects 'from' to be less than 'to', but got from=" + low + " >= to=" + high);
        }
        return Creation.randomIntegers(shape, DType.INT64, low, high, generator, Ember.defaultDevice());
    }

    /**
     * Zeros with this tensor's shape, type and device, as {@code torch.zeros_like(input)}: its default
     * {@code memory_format=torch.preserve_format} keeps this tensor's strides where they are non-overlapping and dense
     * (a transposed, permuted or channels-last tensor), and gives any other (an expanded one, one sliced with steps)
     * dense strides in the same order of dimensions; the {@code *Like} factories below all do.
     */
    public Tensor zerosLike() {
        return fullLike(0);
    }

    /**
     * Zeros with this tensor's shape, device and strides (as {@link #zerosLike()}) of type {@code dtype}, as
     * {@code torch.zeros_like(input, dtype=dtype)}; the {@code *Like(..., DType)} factories below all take this form.
     */
    public Tensor zerosLike(DType dtype) {
        Args.require(dtype, "zeros_like", "dtype", 1, "torch.dtype");
        return Creation.zerosLike(this, dtype);
    }

    /** Ones with this tensor's shape, type and device. */
    public Tensor onesLike() {
        return fullLike(1);
    }

    /** Ones of type {@code dtype} with this tensor's shape and device, as {@code torch.ones_like(input, dtype=dtype)}. */
    public Tensor onesLike(DType dtype) {
        Args.require(dtype, "ones_like", "dtype", 1, "torch.dtype");
        return fullLike(1L, dtype);
    }

    /** A tensor with this tensor's shape, type and device filled with {@code value}. */
    public Tensor fullLike(double value) {
        return fullLike(value, dtype);
    }

    /**
     * {@code value} in a tensor of type {@code dtype} with this tensor's shape and device, as
     * {@code torch.full_like(input, value, dtype=dtype)}: a value the type cannot hold is refused in PyTorch's words
     * (1e5 for float16).
     */
    public Tensor fullLike(double value, DType dtype) {
        Args.require(dtype, "full_like", "dtype", 2, "torch.dtype");
        ArithmeticOps.checkScalarFits(value, dtype);
        if (Creation.zeroedServes(value)) {
            return Creation.zerosLike(this, dtype);
        }
        Tensor t = Creation.emptyLike(this, dtype);
        ComplexOps.fill(t, value);
        return t;
    }

    /** {@code fullLike} with a Python int: exact for an int64 tensor however large. */
    public Tensor fullLike(long value) {
        return fullLike(value, dtype);
    }

    /**
     * {@code fullLike(value, dtype)} with a Python int: exact for int64 however large, PyTorch's checked conversion for
     * the narrow integer types (300 does not fit int8).
     */
    public Tensor fullLike(long value, DType dtype) {
        Args.require(dtype, "full_like", "dtype", 2, "torch.dtype");
        if (dtype != DType.INT64 && dtype != DType.UINT64) {
            return fullLike(ArithmeticOps.fillValue(value, dtype), dtype);
        }
        Tensor t = Creation.zerosLike(this, dtype);
        if (value == 0) {
            return t;
        }
        try (Tensor v = ArithmeticOps.exactScalar(t, value)) {
            return t.fill_(v);
        }
    }

    /** Uninitialized, with this tensor's shape, type, device and strides (as {@link #zerosLike}). */
    public Tensor emptyLike() {
        return Creation.emptyLike(this);
    }

    /** Uninitialized, of type {@code dtype}, with this tensor's shape, device and strides, as {@code empty_like(dtype=)}. */
    public Tensor emptyLike(DType dtype) {
        Args.require(dtype, "empty_like", "dtype", 1, "torch.dtype");
        return Creation.emptyLike(this, dtype);
    }

    /**
     * Uniform on [0, 1) with this tensor's shape, type and device; a strided CPU tensor's draw follows its memory order,
     * as PyTorch's {@code rand_like} fills an {@code empty_like} that keeps the strides.
     */
    public Tensor randLike() {
        return RandomOps.like(this, RandomKind.UNIFORM, Generator.DEFAULT);
    }

    /** Standard normal with this tensor's shape, type and device (a strided tensor's in memory order, as {@link #randLike}). */
    public Tensor randnLike() {
        return RandomOps.like(this, RandomKind.NORMAL, Generator.DEFAULT);
    }

    /**
     * Uniform on [0, 1) of type {@code dtype} with this tensor's shape and device, as
     * {@code torch.rand_like(input, dtype=dtype)} (an integer type refused as PyTorch's uniform kernel refuses it).
     */
    public Tensor randLike(DType dtype) {
        Args.require(dtype, "rand_like", "dtype", 1, "torch.dtype");
        return RandomOps.like(Creation.emptyLike(this, dtype), RandomKind.UNIFORM, Generator.DEFAULT);
    }

    /** Standard normal of type {@code dtype} with this tensor's shape and device, as {@code randn_like(dtype=)}. */
    public Tensor randnLike(DType dtype) {
        Args.require(dtype, "randn_like", "dtype", 1, "torch.dtype");
        return RandomOps.like(Creation.emptyLike(this, dtype), RandomKind.NORMAL, Generator.DEFAULT);
    }

    /** A random permutation of {@code 0..n-1} as int64, as {@code torch.randperm(n)}, from the default generator. */
    public static Tensor randperm(long n) {
        return RandomOps.randperm(n, DType.INT64, Generator.DEFAULT);
    }

    /** A random permutation of {@code 0..n-1} as int64 from a generator, as {@code torch.randperm(n, generator=)}. */
    public static Tensor randperm(long n, Generator generator) {
        Args.require(generator, "randperm", "generator", 2, "torch.Generator");
        return RandomOps.randperm(n, DType.INT64, generator);
    }

    /**
     * A random permutation of {@code 0..n-1} as int64 from a generator, as {@code torch.randperm(n, generator=)}, with
     * the generator first as in {@link #randn(Generator, DType, int...)} and {@link #randint(Generator, long, long, int...)};
     * the same draws as {@link #randperm(long, Generator)}.
     */
    public static Tensor randperm(Generator generator, long n) {
        Args.require(generator, "randperm", "generator", 1, "torch.Generator");
        return RandomOps.randperm(n, DType.INT64, generator);
    }

    /**
     * A random permutation of {@code 0..n-1} of a type from a generator, as {@code torch.randperm(n, dtype=,
     * generator=)}, with the generator first; the same draws as {@link #randperm(long, DType, Generator)}.
     */
    public static Tensor randperm(Generator generator, DType dtype, long n) {
        Args.require(generator, "randperm", "generator", 1, "torch.Generator");
        Args.require(dtype, "randperm", "dtype", 2, "torch.dtype");
        return RandomOps.randperm(n, dtype, generator);
    }

    /** A random permutation of {@code 0..n-1} of a type from a generator, as {@code torch.randperm(n, dtype=, generator=)}. */
    public static Tensor randperm(long n, DType dtype, Generator generator) {
        Args.require(dtype, "randperm", "dtype", 2, "torch.dtype");
        Args.require(generator, "randperm", "generator", 3, "torch.Generator");
        return RandomOps.randperm(n, dtype, generator);
    }

    /** Indices drawn from the categorical distributions in the rows of this 1-D or 2-D tensor, as {@code torch.multinomial}. */
    public Tensor multinomial(int numSamples, boolean replacement) {
        return RandomOps.multinomial(this, numSamples, replacement, Generator.DEFAULT);
    }

    /** {@code torch.multinomial} with a generator. */
    public Tensor multinomial(int numSamples, boolean replacement, Generator generator) {
        Args.require(generator, "multinomial", "generator", 3, "torch.Generator");
        return RandomOps.multinomial(this, numSamples, replacement, generator);
    }

    /** 1 with the probability given by each element (in [0, 1]), else 0, in this tensor's type, as {@code torch.bernoulli(input)}. */
    public Tensor bernoulli() {
        return RandomOps.bernoulli(this, Generator.DEFAULT);
    }

    /** {@code torch.bernoulli(input, generator=)}. */
    public Tensor bernoulli(Generator generator) {
        Args.require(generator, "bernoulli", "generator", 1, "torch.Generator");
        return RandomOps.bernoulli(this, generator);
    }

    /** A tensor of this one's shape and type, 1 with probability {@code p}, as {@code torch.bernoulli(input, p)}. */
    public Tensor bernoulli(double p) {
        return RandomOps.bernoulli(this, p, Generator.DEFAULT);
    }

    /** {@code torch.bernoulli(input, p, generator=)}. */
    public Tensor bernoulli(double p, Generator generator) {
        Args.require(generator, "bernoulli", "generator", 2, "torch.Generator");
        return RandomOps.bernoulli(this, p, generator);
    }

    /** Fills with 1 with probability {@code p}, else 0, in place, as {@code Tensor.bernoulli_(p)}. */
    public Tensor bernoulli_(double p) {
        return RandomOps.bernoulli_(this, p, Generator.DEFAULT);
    }

    /** {@code Tensor.bernoulli_(p, generator=)}. */
    public Tensor bernoulli_(double p, Generator generator) {
        Args.require(generator, "bernoulli_", "generator", 2, "torch.Generator");
        return RandomOps.bernoulli_(this, p, generator);
    }

    /** Fills with 1 with the probabilities {@code p} (broadcast to this shape), else 0, in place, as {@code Tensor.bernoulli_(p)}. */
    public Tensor bernoulli_(Tensor p) {
        Args.require(p, "bernoulli_", "p", 1, "Tensor");
        return RandomOps.bernoulli_(this, p, Generator.DEFAULT);
    }

    /** {@code Tensor.bernoulli_(p, generator=)} with a tensor of probabilities. */
    public Tensor bernoulli_(Tensor p, Generator generator) {
        Args.require(p, "bernoulli_", "p", 1, "Tensor");
        Args.require(generator, "bernoulli_", "generator", 2, "torch.Generator");
        return RandomOps.bernoulli_(this, p, generator);
    }

    /** float32 normal with the given mean and standard deviation, as {@code torch.normal(mean, std, size)}. */
    public static Tensor normal(double mean, double std, int... size) {
        Args.require(size, "normal", "size", 3, "tuple of ints");
        return RandomOps.normal(mean, std, size, Generator.DEFAULT);
    }

    /** {@code torch.normal(mean, std, size, generator=)}. */
    public static Tensor normal(Generator generator, double mean, double std, int... size) {
        Args.require(generator, "normal", "generator", 1, "torch.Generator");
        Args.require(size, "normal", "size", 4, "tuple of ints");
        return RandomOps.normal(mean, std, size, generator);
    }

    /** Normal samples with elementwise means and standard deviations (broadcast), as {@code torch.normal(mean, std)}. */
    public static Tensor normal(Tensor mean, Tensor std) {
        return normal(mean, std, Generator.DEFAULT);
    }

    /** {@code torch.normal(mean, std, generator=)} with tensors. */
    public static Tensor normal(Tensor mean, Tensor std, Generator generator) {
        Args.require(mean, "normal", "mean", 1, "Tensor");
        Args.require(std, "normal", "std", 2, "Tensor");
        Args.require(generator, "normal", "generator", 3, "torch.Generator");
        return RandomOps.normal(mean, 0, std, 0, generator);
    }

    /** Normal samples with elementwise means and one standard deviation, as {@code torch.normal(mean, std)}. */
    public static Tensor normal(Tensor mean, double std) {
        return normal(mean, std, Generator.DEFAULT);
    }

    /** {@code torch.normal(mean, std, generator=)} with a tensor of means. */
    public static Tensor normal(Tensor mean, double std, Generator generator) {
        Args.require(mean, "normal", "mean", 1, "Tensor");
        Args.require(generator, "normal", "generator", 3, "torch.Generator");
        return RandomOps.normal(mean, 0, null, std, generator);
    }

    /** Normal samples with one mean and elementwise standard deviations, as {@code torch.normal(mean, std)}. */
    public static Tensor normal(double mean, Tensor std) {
        return normal(mean, std, Generator.DEFAULT);
    }

    /** {@code torch.normal(mean, std, generator=)} with a tensor of standard deviations. */
    public static Tensor normal(double mean, Tensor std, Generator generator) {
        Args.require(std, "normal", "std", 2, "Tensor");
        Args.require(generator, "normal", "generator", 3, "torch.Generator");
        return RandomOps.normal(null, mean, std, 0, generator);
    }

    /** Fills with normal samples in place, as {@code Tensor.normal_(mean, std)}. */
    public Tensor normal_(double mean, double std) {
        return RandomOps.normal_(this, mean, std, Generator.DEFAULT);
    }

    /** {@code Tensor.normal_(mean, std, generator=)}. */
    public Tensor normal_(double mean, double std, Generator generator) {
        Args.require(generator, "normal_", "generator", 3, "torch.Generator");
        return RandomOps.normal_(this, mean, std, generator);
    }

    /** Fills with uniform samples on [from, to) in place, as {@code Tensor.uniform_(from, to)}. */
    public Tensor uniform_(double from, double to) {
        return RandomOps.uniform_(this, from, to, Generator.DEFAULT);
    }

    /** {@code Tensor.uniform_(from, to, generator=)}. */
    public Tensor uniform_(double from, double to, Generator generator) {
        Args.require(generator, "uniform_", "generator", 3, "torch.Generator");
        return RandomOps.uniform_(this, from, to, generator);
    }

    /** Fills with exponential samples of rate {@code lambd} in place, as {@code Tensor.exponential_(lambd)}. */
    public Tensor exponential_(double lambd) {
        return RandomOps.exponential_(this, lambd, Generator.DEFAULT);
    }

    /** {@code Tensor.exponential_(lambd, generator=)}. */
    public Tensor exponential_(double lambd, Generator generator) {
        Args.require(generator, "exponential_", "generator", 2, "torch.Generator");
        return RandomOps.exponential_(this, lambd, generator);
    }

    // ---- random samplers (session 20, helper 3) ----

    /** Fills with integers uniform on [from, to) in place, as {@code Tensor.random_(from, to)}. */
    public Tensor random_(long from, long to) {
        return RandomOps.random_(this, from, to, "RandomBackward0", Generator.DEFAULT);
    }

    /** {@code Tensor.random_(from, to, generator=)}. */
    public Tensor random_(long from, long to, Generator generator) {
        Args.require(generator, "random_", "generator", 3, "torch.Generator");
        return RandomOps.random_(this, from, to, "RandomBackward0", generator);
    }

    /**
     * Fills with integers uniform over the type's whole range in place, as {@code Tensor.random_()}: [0, 2^63) for int64,
     * [0, max + 1) for the other integer types, [0, 2^d] for the floating types (d the significand's bits: 24 float, 53
     * double, 11 half, 8 bfloat16), 0 or 1 for bool.
     */
    public Tensor random_() {
        return RandomOps.random_(this, Generator.DEFAULT);
    }

    /** {@code Tensor.random_(generator=)}. */
    public Tensor random_(Generator generator) {
        Args.require(generator, "random_", "generator", 1, "torch.Generator");
        return RandomOps.random_(this, generator);
    }

    /** Fills with integers uniform on [0, to) in place, as {@code Tensor.random_(to)}. */
    public Tensor random_(long to) {
        return RandomOps.random_(this, 0, to, "RandomBackward1", Generator.DEFAULT);
    }

    /** Fills with geometric samples (trials to the first success of probability {@code p}) in place, as {@code Tensor.geometric_(p)}. */
    public Tensor geometric_(double p) {
        return RandomOps.geometric_(this, p, Generator.DEFAULT);
    }

    /** {@code Tensor.geometric_(p, generator=)}. */
    public Tensor geometric_(double p, Generator generator) {
        Args.require(generator, "geometric_", "generator", 2, "torch.Generator");
        return RandomOps.geometric_(this, p, generator);
    }

    /** Fills with Cauchy samples in place, as {@code Tensor.cauchy_(median, sigma)}. */
    public Tensor cauchy_(double median, double sigma) {
        return RandomOps.cauchy_(this, median, sigma, Generator.DEFAULT);
    }

    /** {@code Tensor.cauchy_(median, sigma, generator=)}. */
    public Tensor cauchy_(double median, double sigma, Generator generator) {
        Args.require(generator, "cauchy_", "generator", 3, "torch.Generator");
        return RandomOps.cauchy_(this, median, sigma, generator);
    }

    /** Fills with log-normal samples ({@code exp} of N(mean, std)) in place, as {@code Tensor.log_normal_(mean, std)}. */
    public Tensor logNormal_(double mean, double std) {
        return RandomOps.logNormal_(this, mean, std, Generator.DEFAULT);
    }

    /** {@code Tensor.log_normal_(mean, std, generator=)}. */
    public Tensor logNormal_(double mean, double std, Generator generator) {
        Args.require(generator, "log_normal_", "generator", 3, "torch.Generator");
        return RandomOps.logNormal_(this, mean, std, generator);
    }

    /**
     * {@code torch.segment_reduce(data, reduce, lengths=lengths)}: {@code reduce} ("sum", "mean", "max", "min" or
     * "prod") over consecutive segments of dimension 0 whose lengths are given (int64 or int32, summing to the
     * dimension's size). An empty segment gives the reduction's identity (-inf for max, inf for min, 1 for prod, 0 for
     * sum) and NaN for mean. Differentiable once (node SegmentReduceBackward0; see {@link #segmentReduce(Tensor, String,
     * Tensor, Tensor, int, boolean, Double)}).
     *
     * @throws IllegalArgumentException with PyTorch's messages: an unknown reduction, negative lengths, lengths whose sum
     *     is not the dimension's size, an empty or integer {@code data}
     */
    public static Tensor segmentReduce(Tensor data, String reduce, Tensor lengths) {
        return SegmentOps.segmentReduce(data, reduce, Args.require(lengths, "segment_reduce", "lengths", 3, "Tensor"), null, 0,
                false, null);
    }

    /**
     * {@code torch.segment_reduce(data, reduce, lengths=, offsets=, axis=, unsafe=, initial=)}: the segments of dimension
     * {@code axis} given by {@code lengths} or by {@code offsets} (segment i is {@code [offsets[..., i],
     * offsets[..., i + 1])}; offsets win when both are given, as in PyTorch), either of shape {@code data.shape[:axis] +
     * [segments]} ({@code + 1} for offsets), so {@code axis} must be their last dimension. {@code unsafe} skips the checks
     * of the lengths (Ember still refuses a segment outside the data, where PyTorch reads past it); {@code initial}
     * (null for none) starts every segment's reduction, and is what an empty segment gives (a mean with it is
     * {@code (initial + sum) / length}). The reduction runs in data's type as PyTorch's CPU kernel does. Its gradient
     * follows {@code _segment_reduce_backward}, including PyTorch's rule for ties of max and min (every tied element gets
     * the gradient, and a positive one is divided by their count); a second derivative raises PyTorch's "derivative for
     * aten::_segment_reduce_backward is not implemented".
     *
     * @throws IllegalArgumentException with PyTorch's messages for the cases of {@link #segmentReduce(Tensor, String,
     *     Tensor)}, neither lengths nor offsets, an axis that is not their last dimension, lengths or offsets that are not
     *     int64/int32, and a negative segment length
     */
    public static Tensor segmentReduce(Tensor data, String reduce, Tensor lengths, Tensor offsets, int axis, boolean unsafe,
                                       Double initial) {
        return SegmentOps.segmentReduce(data, reduce, lengths, offsets, axis, unsafe, initial);
    }

    /** A Poisson sample for each rate, as {@code torch.poisson(input)} (node PoissonBackward0, zero gradient). */
    public static Tensor poisson(Tensor rates) {
        return poisson(rates, Generator.DEFAULT);
    }

    /** {@code torch.poisson(input, generator=)}. */
    public static Tensor poisson(Tensor rates, Generator generator) {
        Args.require(rates, "poisson", "input", 1, "Tensor");
        Args.require(generator, "poisson", "generator", 2, "torch.Generator");
        return RandomOps.poisson(rates, generator);
    }

    /** A Binomial(count, prob) sample per element (the two broadcast, of one floating type), as {@code torch.binomial}. */
    public static Tensor binomial(Tensor count, Tensor prob) {
        return binomial(count, prob, Generator.DEFAULT);
    }

    /** {@code torch.binomial(count, prob, generator=)}. */
    public static Tensor binomial(Tensor count, Tensor prob, Generator generator) {
        Args.require(count, "binomial", "count", 1, "Tensor");
        Args.require(prob, "binomial", "prob", 2, "Tensor");
        Args.require(generator, "binomial", "generator", 3, "torch.Generator");
        return RandomOps.binomial(count, prob, generator);
    }

    /**
     * A standard Gamma(concentration) sample per element, as {@code torch._standard_gamma}: node StandardGammaBackward0
     * with PyTorch's implicit reparameterization gradient ({@code _standard_gamma_grad}), so Gamma, Beta and Dirichlet
     * samples carry gradients to their concentrations.
     */
    public static Tensor standardGamma(Tensor concentration, Generator generator) {
        Args.require(concentration, "_standard_gamma", "input", 1, "Tensor");
        Args.require(generator, "_standard_gamma", "generator", 2, "torch.Generator");
        return RandomOps.standardGamma(concentration, generator);
    }

    /**
     * One Dirichlet sample per row of {@code concentration}'s last dimension, as {@code torch._sample_dirichlet}: a
     * standard Gamma per element drawn in float64, normalized in float64, clamped to the type's (smallest normal, largest
     * number below 1); no history (the Dirichlet distribution's rsample records PyTorch's {@code _Dirichlet} backward).
     */
    public static Tensor sampleDirichlet(Tensor concentration, Generator generator) {
        Args.require(concentration, "_sample_dirichlet", "input", 1, "Tensor");
        Args.require(generator, "_sample_dirichlet", "generator", 2, "torch.Generator");
        return DirichletOps.sample(concentration, generator);
    }

    /**
     * {@code torch._dirichlet_grad(x, alpha, total)}: elementwise, the reparameterized gradient of a Beta(alpha,
     * total - alpha) sample {@code x} with respect to alpha over {@code 1 - x} (ATen's {@code dirichlet_grad_one}); the
     * three broadcast together, of one type (float32 or float64); no history.
     */
    public static Tensor dirichletGrad(Tensor x, Tensor alpha, Tensor total) {
        Args.require(x, "_dirichlet_grad", "x", 1, "Tensor");
        Args.require(alpha, "_dirichlet_grad", "alpha", 2, "Tensor");
        Args.require(total, "_dirichlet_grad", "total", 3, "Tensor");
        return DirichletOps.grad(x, alpha, total);
    }

    /** Integers uniform on [0, high) with this tensor's shape, type and device, as {@code torch.randint_like(input, high)}. */
    public Tensor randintLike(long high) {
        return RandomOps.randintLike(this, 0, high, Generator.DEFAULT);
    }

    /** Integers uniform on [low, high) with this tensor's shape, type and device, as {@code torch.randint_like(input, low, high)}. */
    public Tensor randintLike(long low, long high) {
        return RandomOps.randintLike(this, low, high, Generator.DEFAULT);
    }

    /** Integers on [0, high) of type {@code dtype}, as {@code torch.randint_like(input, high, dtype=dtype)}. */
    public Tensor randintLike(long high, DType dtype) {
        return randintLike(0, high, dtype);
    }

    /** Integers on [low, high) of type {@code dtype}, as {@code torch.randint_like(input, low, high, dtype=dtype)}. */
    public Tensor randintLike(long low, long high, DType dtype) {
        Args.require(dtype, "randint_like", "dtype", 3, "torch.dtype");
        return RandomOps.randintLike(Creation.emptyLike(this, dtype), low, high, Generator.DEFAULT);
    }

    /** {@code torch.randint_like(input, low, high)} from a generator. */
    public Tensor randintLike(long low, long high, Generator generator) {
        Args.require(generator, "randint_like", "generator", 3, "torch.Generator");
        return RandomOps.randintLike(this, low, high, generator);
    }

    // ------------------------------------------------------------------ metadata

    /**
     * The sizes of the dimensions (a copy).
     *
     * @throws IllegalStateException for an uninitialized parameter or buffer, with PyTorch's message
     */
    public int[] shape() {
        if (uninitialized != null) {
            throw Uninitialized.shapeError();
        }
        return shape.clone();
    }

    /** Same as {@link #shape()}, as {@code Tensor.size()}; {@code [0]} for an uninitialized parameter, as PyTorch's. */
    public int[] size() {
        return shape.clone();
    }

    /** The size of one dimension; negative dims count from the end. */
    public int size(int dim) {
        return shape[checkedDim(dim)];
    }

    /** A dimension of this tensor, wrapped; a 0-dim tensor has none, as PyTorch's {@code size(dim)} says. */
    private int checkedDim(int dim) {
        if (shape.length == 0) {
            throw new IndexOutOfBoundsException("Dimension specified as " + dim + " but tensor has no dimensions");
        }
        return Shapes.wrapDim(dim, shape.length);
    }

    int[] shapeRef() {
        return shape;
    }

    /** Number of dimensions; refused for an uninitialized parameter, as PyTorch refuses it. */
    public int dim() {
        if (uninitialized != null) {
            throw Uninitialized.useError(this, "dim");
        }
        return shape.length;
    }

    /** Number of elements; refused for an uninitialized parameter, as PyTorch refuses it. */
    public long numel() {
        if (uninitialized != null) {
            throw Uninitialized.useError(this, "numel");
        }
        return Layout.numel(shape);
    }

    /** The element type. */
    public DType dtype() {
        return dtype;
    }

    /** The size of one element in bytes, as {@code Tensor.element_size()}. */
    public int elementSize() {
        return dtype.itemSize();
    }

    /** The size of one element in bytes, as PyTorch 2.1's {@code Tensor.itemsize} (the same as {@link #elementSize()}). */
    public int itemsize() {
        return elementSize();
    }

    /**
     * The bytes the elements take, {@code numel() * itemsize()}, as PyTorch 2.1's {@code Tensor.nbytes}: of the view's
     * elements, not of its storage (a slice counts its own elements; an expanded tensor counts every element it shows).
     */
    public long nbytes() {
        return numel() * dtype.itemSize();
    }

    /**
     * The order of the dimensions in memory, outermost first, as PyTorch 2.2's {@code Tensor.dim_order()}: the identity
     * for a contiguous tensor, {@code (0, 2, 3, 1)} for a channels-last one, otherwise the dims sorted by stride (a
     * length-1 or zero-stride dim, or equal strides, leave a choice that PyTorch's rule makes).
     */
    public int[] dimOrder() {
        return DimOrder.of(this, false, null);
    }

    /**
     * {@link #dimOrder()} with PyTorch 2.5's {@code ambiguity_check=True} when {@code ambiguityCheck}.
     *
     * @throws IllegalStateException with PyTorch's messages when the order is not unique (a length-1 dim, adjacent equal
     *     strides, or dims the strides do not order)
     */
    public int[] dimOrder(boolean ambiguityCheck) {
        return DimOrder.of(this, ambiguityCheck, null);
    }

    /**
     * {@link #dimOrder()} with {@code ambiguity_check=[formats]}: an order that is not unique is taken when the tensor is
     * contiguous in exactly one of {@code formats}.
     *
     * @throws IllegalStateException with PyTorch's messages otherwise
     * @throws IllegalArgumentException for a null list or format
     */
    public int[] dimOrder(List<MemoryFormat> formats) {
        Args.require(formats, "dim_order", "ambiguity_check", 1, "list of memory formats");
        for (MemoryFormat f : formats) {
            Args.require(f, "dim_order", "ambiguity_check", 1, "torch.memory_format");
        }
        return DimOrder.of(this, true, formats);
    }

    /** Whether the element type is a floating-point one, as {@code Tensor.is_floating_point()}. */
    public boolean isFloatingPoint() {
        return dtype.isFloatingPoint();
    }

    /**
     * The legacy type name, as {@code Tensor.type()}: {@code torch.FloatTensor}, {@code torch.cuda.LongTensor}, {@code
     * torch.BoolTensor}, {@code torch.BFloat16Tensor}.
     */
    public String type() {
        return (device.isCpu() ? "torch." : device.isMeta() ? "torch.meta." : "torch.cuda.") + dtype.legacyTypeName();
    }

    /** This tensor converted to {@code dtype}, as {@code Tensor.type(dtype)} ({@link #to(DType)}). */
    public Tensor type(DType dtype) {
        Args.require(dtype, "type", "dtype", 1, "torch.dtype");
        return to(dtype);
    }

    /**
     * This tensor converted to the legacy type {@code name} ({@code "torch.IntTensor"}; a {@code torch.cuda.} name also
     * moves it to the GPU), as {@code Tensor.type(name)}.
     *
     * @throws IllegalArgumentException for a name that is no tensor type ({@code invalid type: 'torch.NoSuchTensor'})
     */
    public Tensor type(String name) {
        Args.require(name, "type", "dtype", 1, "str");
        boolean cuda = name.startsWith("torch.cuda.");
        String legacy = name.startsWith("torch.cuda.") ? name.substring(11) : name.startsWith("torch.") ? name.substring(6) : "";
        for (DType d : DType.values()) {
            if (d.legacyTypeName().equals(legacy)) {
                Tensor t = to(d);
                return cuda ? t.to(Device.cuda(0)) : device.isCpu() ? t : t.to(Device.CPU);
            }
        }
        throw new IllegalArgumentException("invalid type: '" + name + "'");
    }

    /** The device holding the storage. */
    public Device device() {
        return device;
    }

    /** Whether this tensor is on the meta device (shape and type, no data), as {@code Tensor.is_meta}. */
    public boolean isMeta() {
        return device.isMeta();
    }

    /** The strides, in elements (a copy). */
    public int[] stride() {
        return layout.strides();
    }

    /** The stride of one dimension. */
    public int stride(int dim) {
        return layout.stride(checkedDim(dim));
    }

    /** Offset of the first element in the storage. */
    public int storageOffset() {
        return layout.offset();
    }

    /** The layout (shape, strides, offset) over the storage. */
    public Layout layout() {
        return layout;
    }

    /**
     * The storage this tensor views, shared with its views.
     *
     * @throws IllegalStateException if this tensor has been closed
     */
    public Storage storage() {
        if (dtype.isComplex()) {
            throw ComplexIndexing.refusal(this);
        }
        if ((dtype.isFloat8() || dtype.isBarebonesUnsigned()) && !device.isMeta()) { // a meta kernel: no element type
            throw Float8.refusal(this);
        }
        return lease().storage;
    }

    /**
     * The storage whatever the type: for a complex tensor the real storage of its interleaved parts, whose layout is its
     * {@link #viewAsReal()}'s, not {@link #layout()}. For identity and size checks; a kernel reads a complex tensor only
     * through its real view.
     */
    Storage rawStorage() {
        return lease().storage;
    }

    StorageLease lease() {
        StorageLease l = lease;
        if (l == null) {
            throw closedError();
        }
        return l;
    }

    private IllegalStateException closedError() {
        if (uninitialized != null) {
            return Uninitialized.useError(this, null);
        }
        String what = "This tensor (" + Shapes.str(shape) + ", " + dtype.torchName() + ", " + device + ")";
        if (releasedAsGrad) {
            return new IllegalStateException(what + " was a gradient that zeroGrad() (or releaseGrad()) set to None and "
                    + "closed, so its memory went to the next backward pass; clone a gradient to keep it past zeroGrad().");
        }
        return new IllegalStateException(what + " has been closed and can no longer be used. A tensor made inside "
                + "Ember.scope() is closed when the scope closes; keep it past the scope with scope.keep(tensor).");
    }

    /**
     * Gives up this tensor's hold on its storage. When no other open tensor shares the storage (a view, a
     * {@link #detach()}ed handle), its memory is freed at once: on a GPU it goes back to the caching allocator for the
     * next allocation, without waiting for the garbage collector. Afterwards this tensor cannot be read or used in an
     * operation ({@link IllegalStateException}); its shape, type and device stay readable. Idempotent.
     *
     * <p>PyTorch frees a tensor when its last reference goes; Java cannot know that, so memory is released here, by a
     * {@link TensorScope} ({@link Ember#scope()}) that closes every tensor made inside it, or, as a safety net, when the
     * tensor becomes unreachable. Do not close a tensor that a graph you still differentiate saved for backward.
     * Closing does not close the gradient.
     */
    @Override
    public void close() {
        // one atomic take: two threads closing the tensor at once (a scope's close and the user's) release it once; a
        // plain read and write let both release it, and the storage went back to the pool under a view still using it
        StorageLease l = (StorageLease) LEASE.getAndSet(this, (StorageLease) null);
        if (l == null) {
            uninitialized = null; // an uninitialized parameter, closed, is a closed tensor
            return;
        }
        l.release();
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return lease == null && uninitialized == null;
    }

    /**
     * Whether this is an uninitialized parameter or buffer of a lazy module, as PyTorch's
     * {@code torch.nn.parameter.is_lazy(t)}: it has a type, a device and {@code requires_grad} but no storage or shape
     * until {@link #materialize_} (which the module's first forward calls); reading it fails with PyTorch's message.
     */
    public boolean isUninitialized() {
        return uninitialized != null;
    }

    /**
     * PyTorch's {@code UninitializedParameter.materialize(shape)}: gives this uninitialized parameter or buffer storage
     * of {@code shape} (not initialized) with its type and device, in place, so every holder of the tensor sees it; it
     * is then an ordinary parameter or tensor. Returns this tensor.
     *
     * @throws IllegalStateException when this tensor is not uninitialized; IllegalArgumentException for a negative size
     */
    public Tensor materialize_(int... shape) {
        Args.require(shape, "materialize", "shape", 1, "tuple of ints");
        Uninitialized.materialize(this, shape);
        return this;
    }

    /**
     * A new uninitialized parameter ({@code parameter} true: it requires grad and is a parameter, as
     * {@code torch.nn.parameter.UninitializedParameter(dtype=, device=)}) or buffer ({@code UninitializedBuffer}) of a
     * type on a device; see {@link #isUninitialized()}.
     */
    public static Tensor uninitialized(boolean parameter, DType dtype, Device device) {
        Args.require(dtype, "UninitializedParameter", "dtype", 2, "torch.dtype");
        Args.require(device, "UninitializedParameter", "device", 3, "torch.device");
        return Uninitialized.create(parameter, parameter, dtype, device);
    }

    /** Whether the elements are row-major without gaps. */
    public boolean isContiguous() {
        return layout.isContiguous();
    }

    /**
     * The version counter: how many in-place changes the storage has seen through this tensor or its views.
     *
     * @throws IllegalStateException for an inference tensor, which has none (PyTorch's message)
     */
    public int version() {
        if (lease().inference && !inferenceCounter) {
            throw new IllegalStateException("Inference tensors do not track version counter.");
        }
        return version[0];
    }

    void bumpVersion() {
        VmapState.checkInplace(this); // a backstop for writes that bypass InplaceOps' checks
        if (!lease().inference) { // inference tensors have no version counter
            version[0]++;
        } else if (inferenceCounter && !InferenceMode.isEnabled()) {
            version[0]++; // a detached inference tensor's own counter (inside inference mode PyTorch does not bump it)
        }
    }

    /** Whether this is an inference tensor (made in {@link Ember#inferenceMode()}), as {@code torch.Tensor.is_inference}. */
    public boolean isInference() {
        return lease().inference;
    }

    /** Whether this tensor is a view of another (shares its storage). */
    public boolean isView() {
        return viewBase != null;
    }

    /**
     * The tensor's type as PyTorch's messages print it: {@code torch.FloatTensor}, {@code torch.cuda.LongTensor}; bool,
     * bfloat16 and the complex types as the C++ names {@code CPUBoolType}, {@code CUDABFloat16Type},
     * {@code CPUComplexDoubleType}, which PyTorch's Python layer has no legacy name to translate into.
     */
    String typeName() {
        if (device.isMeta()) { // PyTorch's messages translate no meta type: the C++ name, MetaFloatType
            return "Meta" + dtype.legacyTypeName().replace("Tensor", "") + "Type";
        }
        if (dtype == DType.BOOL || dtype == DType.BFLOAT16 || dtype.isComplex()) {
            return (device.isCpu() ? "CPU" : "CUDA") + dtype.legacyTypeName().replace("Tensor", "") + "Type";
        }
        return (device.isCpu() ? "torch." : "torch.cuda.") + dtype.legacyTypeName();
    }

    // ------------------------------------------------------------------ autograd

    /**
     * Whether gradients are computed for this tensor: it was set on this leaf, or the tensor has a history, or (as
     * PyTorch's {@code DifferentiableViewMeta::requires_grad}) it is a differentiable view whose base requires grad, which
     * a view taken in no_grad mode or before its base's {@code requiresGrad_(true)} is, while remaining a leaf.
     */
    public boolean requiresGrad() {
        return requiresGrad || gradNode() != null || (differentiableView && viewBase.requiresGrad() && !lease().inference);
    }

    /**
     * This tensor's history: {@link #gradFn}, except that a view whose storage changed in place since its history was
     * recorded first regenerates it on its base's current history ({@link InplaceOps#regenerate}).
     */
    Node gradNode() {
        if (differentiableView && version[0] != viewVersion) {
            return InplaceOps.regenerate(this);
        }
        return gradFn;
    }

    /**
     * Sets whether autograd records operations on this leaf, in place; returns this tensor. On a non-leaf,
     * {@code requiresGrad_(true)} does nothing, as PyTorch's.
     *
     * <p>Inside a function that a {@link Func} transform runs ({@code vmap}, {@code grad}, {@code vjp}, ...) it is
     * refused, as functorch refuses {@code Tensor.requires_grad_()} there (the transforms track gradients themselves);
     * {@link #setRequiresGrad} (PyTorch's {@code t.requires_grad = b}) is not.
     *
     * @throws IllegalStateException on a non-leaf asked to stop requiring grad, inside a {@link Func} transform, or on a
     *     lazy module's uninitialized parameter (PyTorch's {@code UninitializedParameter} refuses the method; the
     *     property {@link #setRequiresGrad} is not refused)
     * @throws IllegalArgumentException for a tensor that is not floating point
     */
    public Tensor requiresGrad_(boolean requiresGrad) {
        FuncCaptures.checkRequiresGrad();
        if (uninitialized != null) { // PyTorch's UninitializedParameter refuses the method, either way
            throw Uninitialized.useError(this, "requires_grad_");
        }
        if (gradFn != null) { // PyTorch's is_leaf reads the field (a view whose history cannot be regenerated passes)
            if (!requiresGrad) {
                throw new IllegalStateException(LEAF_ONLY + LEAF_ONLY_HINT);
            }
            return this;
        }
        return changeRequiresGrad(requiresGrad, "only Tensors of floating point dtype can require gradients");
    }

    private static final String LEAF_ONLY = "you can only change requires_grad flags of leaf variables.";
    private static final String LEAF_ONLY_HINT = " If you want to use a computed variable in a subgraph that doesn't "
            + "require differentiation use var_no_grad = var.detach().";

    /**
     * The flag's change on a leaf, shared by {@link #requiresGrad_} and {@link #setRequiresGrad}, which word the
     * non-floating refusal differently (PyTorch's method and property setter do).
     */
    private Tensor changeRequiresGrad(boolean requiresGrad, String notFloating) {
        if (requiresGrad && !dtype.isFloatingPoint() && !dtype.isComplex()) {
            throw new IllegalArgumentException(notFloating);
        }
        if (requiresGrad && lease().inference && !InferenceMode.isEnabled()) {
            throw new IllegalStateException("Setting requires_grad=True on inference tensor outside InferenceMode is not "
                    + "allowed.");
        }
        this.requiresGrad = requiresGrad;
        return this;
    }

    /**
     * PyTorch's {@code t.requires_grad = b}: sets whether autograd records operations on this leaf. Unlike
     * {@link #requiresGrad_}, it refuses a non-leaf either way and is allowed inside a {@link Func} transform (as
     * PyTorch's property setter, which functorch does not check).
     *
     * @param requiresGrad whether this tensor requires grad
     * @return this tensor
     * @throws IllegalStateException on a non-leaf
     * @throws IllegalArgumentException for a tensor that is not floating point or complex
     */
    public Tensor setRequiresGrad(boolean requiresGrad) {
        if (gradFn != null) {
            throw new IllegalStateException(LEAF_ONLY + (requiresGrad ? "" : LEAF_ONLY_HINT));
        }
        return changeRequiresGrad(requiresGrad, "only Tensors of floating point and complex dtype can require gradients");
    }

    /** Whether this is a leaf of the graph: made by the user, not by a recorded operation. */
    public boolean isLeaf() {
        return gradNode() == null;
    }

    /** The backward function that created this tensor, or null for leaves. */
    public Node gradFn() {
        return gradNode();
    }

    /**
     * Which output of {@link #gradFn()} this tensor is, as {@code tensor.output_nr}: 0 for a leaf and for a node with
     * one output (the pieces of {@code unbind} are outputs 0, 1, ... of one node).
     */
    public int outputNr() {
        return gradNode() == null ? 0 : outputNr;
    }

    /**
     * The gradient accumulated by backward passes: null until one reaches this leaf. For a non-leaf
     * without {@link #retainGrad()} it is null and a warning is logged once, as PyTorch does.
     *
     * <p>When the gradient is sparse ({@link #isGradSparse()}: {@code nn.Embedding(n, d, sparse=true)} made it), this
     * returns its dense form, {@code p.grad.to_dense()}: a new tensor made on each call, which reads the gradient's
     * values but is not the gradient (writing into it changes nothing); {@link #sparseGrad()} is the gradient itself.
     */
    public Tensor grad() {
        if (sparseGrad != null) {
            return SparseGradOps.dense(sparseGrad);
        }
        if (!retainsGrad && grad == null && gradNode() != null) {
            WarnOnce.warn(WarnOnce.NON_LEAF_GRAD);
        }
        return grad;
    }

    /**
     * Replaces the gradient; {@code null} clears it (as {@code x.grad = None}). The new gradient leaves any scope it was
     * made in for this tensor's own ({@link TensorScope}).
     *
     * @throws IllegalArgumentException in PyTorch 2.x's words (THPVariable_set_grad) when {@code newGrad} is this
     *     tensor, or has another dtype, device type, device index or size (checked in that order)
     */
    public synchronized void setGrad(Tensor newGrad) {
        if (newGrad != null) {
            if (newGrad == this) {
                throw new IllegalArgumentException("can't assign Variable as its own grad");
            }
            checkAssignedGrad(newGrad.device, newGrad.dtype, newGrad.shape);
        }
        this.grad = newGrad;
        this.sparseGrad = null;
        this.gradMadeByAutograd = false;
        if (newGrad != null) {
            TensorScope.adopt(this, newGrad);
        }
    }

    /** PyTorch's checks of {@code x.grad = g} ({@link Refusals#assignedGrad}). */
    private void checkAssignedGrad(Device gDevice, DType gType, int[] gShape) {
        IllegalArgumentException refused = Refusals.assignedGrad(dtype, device, shape, gType, gDevice, gShape);
        if (refused != null) {
            throw refused;
        }
    }

    /**
     * Whether this tensor's gradient is sparse, PyTorch's {@code p.grad.is_sparse}: a leaf whose gradient came from
     * {@code Embedding(..., sparse=true)} (or {@link #setSparseGrad}). Its gradient is then {@link #sparseGrad()}, and
     * {@link #grad()} gives its dense form.
     */
    public boolean isGradSparse() {
        return sparseGrad != null;
    }

    /**
     * The sparse gradient, PyTorch's sparse COO {@code p.grad}, or null when the gradient is dense or absent: its
     * indices are the rows looked up, one entry per lookup, uncoalesced, as PyTorch's. The optimizers that accept a
     * sparse gradient ({@code SGD}, {@code Adagrad}, {@code SparseAdam}) read it; the others refuse it with PyTorch's
     * messages.
     */
    public dev.ember.sparse.SparseTensor sparseGrad() {
        return sparseGrad;
    }

    /**
     * Replaces the gradient with a sparse one, as {@code p.grad = s} for a sparse COO {@code s}; {@code null} clears
     * the gradient. The dense gradient, if any, is dropped. The sparse gradient leaves any scope it was made in for this
     * tensor's own, as {@link #setGrad} does a dense one.
     *
     * @throws IllegalArgumentException with PyTorch's messages when {@code s} has another device, type or size
     */
    public synchronized void setSparseGrad(dev.ember.sparse.SparseTensor s) {
        if (s != null) {
            checkAssignedGrad(s.device(), s.dtype(), s.shape());
        }
        setGrad(null);
        this.sparseGrad = s;
        if (s != null) {
            SparseGradOps.adopt(this, s); // the gradient leaves any scope it was made in for this tensor's own
        }
    }

    /**
     * Sets the gradient to null, as {@code x.grad = None}, and closes it when autograd made it, so its memory is reused
     * at once; a gradient assigned with {@link #setGrad} belongs to whoever made it and is left open. What
     * {@code zeroGrad()} of optimizers and modules does. A backward pass accumulating into this leaf on another thread
     * finishes its accumulation first (the two take one lock); its later contributions start a new gradient.
     */
    public synchronized void releaseGrad() {
        // under the lock the backward pass accumulates under: a backward on another thread never adds into a gradient
        // this closes (it failed with the closed-gradient error, and its kernel could write into the array after the
        // pool handed it to another tensor); it finds the gradient cleared and starts a new one, as PyTorch's
        dev.ember.sparse.SparseTensor sg = sparseGrad;
        if (sg != null) {
            boolean mine = gradMadeByAutograd;
            setGrad(null);
            if (mine) {
                sg.close();
            }
            return;
        }
        Tensor g = grad;
        boolean close = gradMadeByAutograd;
        setGrad(null);
        if (g != null && close && !g.isClosed()) {
            g.releasedAsGrad = true;
            g.close();
        }
    }

    /** Makes a non-leaf keep its gradient in {@link #grad()} after backward. No effect on leaves. */
    public void retainGrad() {
        checkRetainGrad();
        if (gradFn == null) {
            return; // a leaf, as PyTorch's is_leaf reads the field (a view whose history would be regenerated included)
        }
        Node fn = gradNode();
        retainsGrad = true;
        fn.setRetainGradTarget(outputNr, this);
    }

    /** Whether this non-leaf retains its gradient. */
    public boolean retainsGrad() {
        return retainsGrad;
    }

    /**
     * Registers a hook called with this tensor's gradient each time one is computed. The hook may return a
     * replacement gradient, or null to keep it. Returns a handle that removes this registration of the hook (where one
     * function is registered twice, the other registration stays; removing again does nothing). When the backward pass
     * reaches this tensor's node but no gradient reached this tensor (a sibling output of a multi-output node got one,
     * or the op after it gave none), the hook is called with null, as PyTorch calls it with None, and must return null.
     */
    public RemovableHandle registerHook(Function<Tensor, Tensor> hook) {
        Args.require(hook, "register_hook", "hook", 1, "Callable");
        if (!requiresGrad()) {
            throw new IllegalStateException("cannot register a hook on a tensor that doesn't require gradient");
        }
        Node fn = gradNode();
        // a hook is on one output of the node (a leaf's on its AccumulateGrad)
        List<Function<Tensor, Tensor>> hooks = fn != null ? fn.hooks(outputNr, true) : gradAccumulator().preHooks;
        // an entry of its own: the handle removes this registration and no other, once (PyTorch's handle removes its
        // id), also where the same function is registered twice; removing by the function removed another's
        Function<Tensor, Tensor> entry = g -> hook.apply(g);
        hooks.add(entry);
        return () -> hooks.remove(entry);
    }

    /**
     * Registers a hook the backward pass calls with this leaf after it has accumulated a gradient into {@link #grad()},
     * as PyTorch 2.1's {@code register_post_accumulate_grad_hook}: once per backward pass that reaches the leaf (after
     * all of that pass's contributions are summed), in registration order; not by {@link Autograd#grad}, which
     * accumulates nothing. The hook sees the parameter with its new gradient and may use it (the optimizer step fused
     * into the backward pass: {@code p -> { optimizer.step(); optimizer.zeroGrad(); }} with one optimizer per
     * parameter, so gradients are freed as soon as they are used).
     *
     * @param hook called with this tensor
     * @return a handle that removes this registration of the hook (removing again does nothing)
     * @throws IllegalStateException for a tensor that does not require grad or is not a leaf (PyTorch's messages)
     */
    public RemovableHandle registerPostAccumulateGradHook(java.util.function.Consumer<Tensor> hook) {
        Args.require(hook, "register_post_accumulate_grad_hook", "hook", 1, "Callable");
        if (!requiresGrad()) {
            throw new IllegalStateException("cannot register a hook on a tensor that doesn't require gradient");
        }
        if (gradNode() != null) {
            throw new IllegalStateException("post accumulate grad hooks cannot be registered on non-leaf tensors");
        }
        List<java.util.function.Consumer<Tensor>> hooks;
        synchronized (this) {
            if (postAccumulateGradHooks == null) {
                postAccumulateGradHooks = new java.util.concurrent.CopyOnWriteArrayList<>();
            }
            hooks = postAccumulateGradHooks;
        }
        java.util.function.Consumer<Tensor> entry = t -> hook.accept(t); // an entry of its own, as registerHook's
        hooks.add(entry);
        return () -> hooks.remove(entry);
    }

    /** Runs the post-accumulate-grad hooks (the engine calls it after {@link #accumulateGrad}). */
    void runPostAccumulateGradHooks() {
        List<java.util.function.Consumer<Tensor>> hooks = postAccumulateGradHooks;
        if (hooks != null) {
            for (java.util.function.Consumer<Tensor> hook : hooks) {
                hook.accept(this);
            }
        }
    }

    synchronized Node.AccumulateGrad gradAccumulator() {
        if (accumulator == null) {
            accumulator = new Node.AccumulateGrad(this);
        }
        return accumulator;
    }

    /**
     * Adds {@code g} to this leaf's gradient, as PyTorch's AccumulateGrad. With {@code owned}, nothing else references {@code g} (the engine made
     * it in this pass), so an empty gradient takes it as it is when it is a dense tensor of its own. Backward passes on
     * several threads that reach one leaf add into its gradient one at a time (PyTorch locks AccumulateGrad too).
     *
     * @return whether the leaf kept {@code g} itself as its gradient
     */
    synchronized boolean accumulateGrad(Tensor g, boolean owned) {
        if (g.carriedSparse != null || sparseGrad != null) {
            SparseGradOps.accumulate(this, g);
            return false;
        }
        if (grad == null && owned && g.gradFn == null && !g.requiresGrad && obeysLayoutContract(g)
                && g.layout.offset() == 0 && g.rawStorage().numel() == g.numel() * (g.dtype.isComplex() ? 2L : 1L)) {
            // a view that covers its whole storage becomes a tensor of its own
            takeGrad(g.viewBase == null ? g : new Tensor(g.lease(), g.layout, g.device, g.backend, new int[1], g.dtype));
        } else if (grad == null) {
            // A fresh tensor of its own, so later in-place accumulation cannot touch other tensors.
            takeGrad(cloneObeyContract(GradMode.isEnabled() ? g : g.detach()));
        } else if (GradMode.isEnabled()) {
            takeGrad(addLaidOutAs(grad, g)); // create_graph: the sum stays differentiable
        } else {
            try (GradMode off = Ember.noGrad()) {
                grad.add_(g); // in place: the gradient keeps its layout
            }
        }
        return grad == g;
    }

    /**
     * The create_graph accumulation {@code a + b} ({@code AddBackward0}) laid out as {@code a} where {@code a} is
     * non-overlapping and dense, as PyTorch's TensorIterator lays out {@code variable_grad + new_grad} after its first
     * operand.
     */
    private static Tensor addLaidOutAs(Tensor a, Tensor b) {
        Tensor sum = a.add(b);
        int[] strides = a.layout.strides();
        if (!Arrays.equals(sum.shape, a.shape) || sum.dtype != a.dtype || !ShapeOps.nonOverlappingAndDense(a.shape, strides)
                || Arrays.equals(sum.layout.strides(), strides)) {
            return sum;
        }
        Tensor out = Creation.emptyStrided(a.shape, strides, a.dtype, a.device);
        out.backend.copy(sum.storage(), sum.layout, out.storage(), out.layout);
        DType ta = a.dtype;
        DType tb = b.dtype;
        return ArithmeticOps.record(out, "AddBackward0", new Tensor[] {a, b},
                n -> g -> new Tensor[] {g.to(ta), g.to(tb)});
    }

    /**
     * PyTorch's "gradient layout contract" ({@code utils::obeys_layout_contract}): {@code g} has this tensor's strides
     * (on the dimensions of size other than 1, with no stride 0 on the others) where this tensor is non-overlapping and
     * dense, and is row-major contiguous otherwise.
     */
    private boolean obeysLayoutContract(Tensor g) {
        if (!ShapeOps.nonOverlappingAndDense(shape, layout.strides())) {
            return g.isContiguous();
        }
        int[] gs = g.layout.strides();
        int[] vs = layout.strides();
        for (int d = 0; d < g.shape.length; d++) {
            if (g.shape[d] != 1 ? gs[d] != vs[d] : gs[d] == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * PyTorch's {@code utils::clone_obey_contract}: a copy of {@code g} with this tensor's strides where this tensor is
     * non-overlapping and dense ({@code new_empty_strided(...).copy_(g)}, so a differentiable {@code g} gives a
     * {@code CopyBackwards} node), otherwise a row-major clone.
     */
    private Tensor cloneObeyContract(Tensor g) {
        if (!ShapeOps.nonOverlappingAndDense(shape, layout.strides())) {
            return ViewOps.cloneContiguous(g);
        }
        if (g.gradFn == null && !g.requiresGrad && g.layout.offset() == 0 && obeysLayoutContract(g)
                && Arrays.equals(g.layout.strides(), layout.strides()) && g.rawStorage().numel() == g.numel()
                && !g.dtype.isComplex() && !Boolean.getBoolean("ember.grad.copyInto")) {
            // g's whole storage copied in one pass (the backend's duplicate: no zeroed array written first), the same
            // values and strides; -Dember.grad.copyInto=true: an empty tensor and copy_, as before session 49
            Storage copy = g.backend.duplicate(g.rawStorage());
            if (copy != null) {
                return new Tensor(copy, new Layout(shape, layout.strides(), 0), g.device, g.backend, new int[1], g.dtype);
            }
        }
        return Creation.emptyStrided(shape, layout.strides(), g.dtype, g.device).copy_(g);
    }

    /** {@link #retainGrad}'s refusals, changing nothing: PyTorch's {@code retain_grad} checks. */
    void checkRetainGrad() {
        // PyTorch's requires_grad and is_leaf read the fields: a view whose history cannot be regenerated is a leaf here
        boolean requires = requiresGrad || gradFn != null
                || (differentiableView && viewBase.requiresGrad() && !lease().inference);
        if (!requires) {
            throw new IllegalStateException("can't retain_grad on Tensor that has requires_grad=False");
        }
        FuncCaptures.checkRetainGrad();
    }

    void retainGradFrom(Tensor g) {
        if (grad == null) {
            takeGrad(GradMode.isEnabled() ? ViewOps.cloneContiguous(g) : ViewOps.cloneContiguous(g.detach()));
        } else {
            takeGrad(grad.add(GradMode.isEnabled() ? g : g.detach()));
        }
    }

    /** Makes {@code g}, which autograd made, this tensor's gradient, in this tensor's scope. */
    private void takeGrad(Tensor g) {
        grad = g;
        gradMadeByAutograd = true;
        TensorScope.adopt(this, g);
    }

    /** Backward from a scalar: computes gradients of this tensor with respect to the graph's leaves. */
    public void backward() {
        backward(null, false);
    }

    /** Backward with the gradient of some scalar with respect to this tensor. */
    public void backward(Tensor gradient) {
        backward(gradient, false);
    }

    /**
     * Accumulates the gradients of the leaves: {@code gradient} is the gradient with respect to this tensor
     * (null for a scalar, meaning 1); {@code retainGraph} keeps saved tensors for another backward pass.
     */
    public void backward(Tensor gradient, boolean retainGraph) {
        backward(gradient, retainGraph, false);
    }

    /**
     * {@code tensor.backward(gradient, retain_graph, create_graph)}: as {@link #backward(Tensor, boolean)}, and with
     * {@code createGraph} the backward pass is recorded itself, so the gradients it leaves can be differentiated again
     * (a gradient penalty, a Hessian-vector product). {@code retainGraph} is taken as given: PyTorch's default for
     * {@code create_graph=True} keeps the graph, so pass {@code true, true} for that.
     */
    public void backward(Tensor gradient, boolean retainGraph, boolean createGraph) {
        Autograd.backward(List.of(this), gradient == null ? null : java.util.Collections.singletonList(gradient),
                retainGraph, createGraph);
    }

    /**
     * {@code tensor.backward(gradient, retain_graph, create_graph, inputs)}: as
     * {@link #backward(Tensor, boolean, boolean)}, accumulating into the {@code inputs}' gradients only (null: every
     * leaf); see {@link Autograd#backward(List, List, boolean, boolean, List)}.
     */
    public void backward(Tensor gradient, boolean retainGraph, boolean createGraph, List<Tensor> inputs) {
        Autograd.backward(List.of(this), gradient == null ? null : java.util.Collections.singletonList(gradient),
                retainGraph, createGraph, inputs);
    }

    /** A tensor sharing this one's storage and version counter, detached from the graph. */
    public Tensor detach() {
        boolean ownCounter = lease().inference && !InferenceMode.isEnabled();
        Tensor t = new Tensor(lease(), layout, device, backend, ownCounter ? new int[1] : version, dtype);
        t.viewBase = viewBase != null ? viewBase : this;
        t.inferenceCounter = ownCounter; // see inferenceCounter: writable in place, counting from 0
        return t;
    }

    /** Detaches this tensor from the graph in place, making it a leaf. */
    public Tensor detach_() {
        FuncCaptures.checkInplace(this); // an operator functorch's transforms see, before autograd's own rules
        if (InferenceMode.isEnabled()) {
            // PyTorch's detach_ is an autograd kernel, which inference mode skips: the tensor keeps its history
            return this;
        }
        if (differentiableView && !lease().inference) {
            // PyTorch's detach_ refuses every autograd view (a view of an inference tensor is none)
            throw new IllegalStateException("Can't detach views in-place. Use detach() instead. If you are using "
                    + "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as True, gradients are "
                    + "views of DDP buckets, and hence detach_() cannot be called on these gradients. To fix this error, "
                    + "please refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.");
        }
        gradFn = null;
        gradFnShape = null;
        outputNr = 0;
        requiresGrad = false;
        differentiableView = false; // a detached view's history no longer follows its base
        return this;
    }

    /**
     * The same storage without history, as {@code tensor.data}: in-place changes through it are invisible
     * to autograd's version checks (use with care, as in PyTorch).
     */
    public Tensor data() {
        Tensor t = new Tensor(lease(), layout, device, backend, new int[1], dtype);
        t.inferenceCounter = lease().inference && !InferenceMode.isEnabled(); // as detach()'s
        return t;
    }

    /**
     * Replaces this tensor's storage, shape, type and device by {@code other}'s, as {@code tensor.data = other}
     * (and as {@code Module.to(device)} moves parameters while keeping their identity). As PyTorch's
     * {@code set_data}, a tensor that requires grad takes only floating-point or complex data: other data is refused
     * ("data set to a tensor that requires gradients must be floating point or complex dtype") and nothing changes.
     */
    public void setData(Tensor other) {
        Args.require(other, "set_data", "other", 1, "Tensor");
        if (requiresGrad() && !other.dtype.isFloatingPoint() && !other.dtype.isComplex()) {
            throw new IllegalArgumentException(
                    "data set to a tensor that requires gradients must be floating point or complex dtype");
        }
        if (other.uninitialized != null) {
            Uninitialized.setData(this, other);
            return;
        }
        StorageLease taken = other.lease();
        taken.acquire();
        StorageLease old = uninitialized != null ? null : lease(); // an uninitialized parameter holds none
        uninitialized = null;
        this.lease = taken;
        this.layout = other.layout;
        this.shape = other.shape;
        this.dtype = other.dtype;
        this.device = other.device;
        this.backend = other.backend;
        if (old != null) {
            old.release();
        }
    }

    // ------------------------------------------------------------------ arithmetic

    /** {@code this + other}, broadcasting. */
    public Tensor add(Tensor other) {
        Args.require(other, "add", "other", 1, "Tensor");
        return ArithmeticOps.add(this, other, 1);
    }

    /** {@code this + alpha * other}. */
    public Tensor add(Tensor other, double alpha) {
        Args.require(other, "add", "other", 1, "Tensor");
        return ArithmeticOps.add(this, other, alpha);
    }

    /** {@code this + value}. */
    public Tensor add(double value) {
        return ArithmeticOps.add(this, Creation.wrap(value), 1);
    }

    /** {@code this + value} with an integral scalar (keeps int64 tensors int64). */
    public Tensor add(long value) {
        return ArithmeticOps.add(this, Creation.wrap(value), 1);
    }

    /**
     * {@code this + value} with a Python bool, as {@code torch.add(t, True)}: the bool ranks below every other type, so
     * the result keeps this tensor's type (a bool tensor gives bool: {@code True + True} is {@code True}).
     */
    public Tensor add(boolean value) {
        return ArithmeticOps.add(this, Creation.wrap(value), 1);
    }

    /** {@code this - other}. */
    public Tensor sub(Tensor other) {
        Args.require(other, "sub", "other", 1, "Tensor");
        return ArithmeticOps.sub(this, other, 1);
    }

    /** {@code this - alpha * other}. */
    public Tensor sub(Tensor other, double alpha) {
        Args.require(other, "sub", "other", 1, "Tensor");
        return ArithmeticOps.sub(this, other, alpha);
    }

    /** {@code this - value}. */
    public Tensor sub(double value) {
        return ArithmeticOps.sub(this, Creation.wrap(value), 1);
    }

    /** {@code this - value} with an integral scalar. */
    public Tensor sub(long value) {
        return ArithmeticOps.sub(this, Creation.wrap(value), 1);
    }

    /**
     * {@code this - value} with a Python bool, as {@code t - True}: always refused, as PyTorch's sub_check ("Subtraction,
     * the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or
     * `logical_not()` operator instead."; with a bool tensor, its "two bool tensors" message).
     *
     * @throws IllegalArgumentException always
     */
    public Tensor sub(boolean value) {
        return ArithmeticOps.sub(this, Creation.wrap(value), 1);
    }

    /** {@code value - this} with a Python bool, as {@code True - t}: always refused, as {@link #sub(boolean)}. */
    public Tensor rsub(boolean value) {
        return ArithmeticOps.rsub(this, Creation.wrap(value));
    }

    /** {@code value - this}, as {@code torch.rsub} (Python's {@code value - tensor}). */
    public Tensor rsub(double value) {
        return ArithmeticOps.rsub(this, Creation.wrap(value));
    }

    /** {@code value - this} with an integral scalar (an int64 tensor stays int64). */
    public Tensor rsub(long value) {
        return ArithmeticOps.rsub(this, Creation.wrap(value));
    }

    /** {@code this * other}. */
    public Tensor mul(Tensor other) {
        Args.require(other, "mul", "other", 1, "Tensor");
        return ArithmeticOps.mul(this, other);
    }

    /** {@code this * value}. */
    public Tensor mul(double value) {
        return ArithmeticOps.mul(this, Creation.wrap(value));
    }

    /** {@code this * value} with an integral scalar. */
    public Tensor mul(long value) {
        return ArithmeticOps.mul(this, Creation.wrap(value));
    }

    /** {@code this * value} with a Python bool: this tensor's type (a bool tensor gives bool). */
    public Tensor mul(boolean value) {
        return ArithmeticOps.mul(this, Creation.wrap(value));
    }

    /** {@code this / other}, true division (integers give the default type). */
    public Tensor div(Tensor other) {
        Args.require(other, "div", "other", 1, "Tensor");
        return ArithmeticOps.div(this, other);
    }

    /** {@code this / value}. */
    public Tensor div(double value) {
        return ArithmeticOps.div(this, Creation.wrap(value));
    }

    /** {@code value / this}. */
    public Tensor rdiv(double value) {
        return ArithmeticOps.div(Creation.wrap(value), this);
    }

    /** {@code -this}. */
    public Tensor neg() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.NEG);
    }

    /**
     * {@code this ** exponent} with a floating exponent, as PyTorch's {@code tensor ** 2.0}: an int64 or bool tensor
     * gives the default type (float32 unless set).
     */
    public Tensor pow(double exponent) {
        return ArithmeticOps.powScalar(this, exponent);
    }

    /**
     * {@code this ** exponent} with an integral exponent, as PyTorch's {@code tensor ** 2}: an int64 tensor stays
     * int64 (a bool tensor gives int64), where a negative exponent is an error.
     */
    public Tensor pow(long exponent) {
        return ArithmeticOps.powScalar(this, exponent);
    }

    /**
     * {@code this ** exponent} with a Python bool, as 2.x's pow_Tensor_Scalar: {@code True} copies this tensor and
     * {@code False} gives ones, in this tensor's type (a bool's rank is below every other; a bool tensor stays bool,
     * where 1.13 refused it: "pow" not implemented for 'Bool'), with PowBackward0's gradient (the grad, or zeros).
     */
    public Tensor pow(boolean exponent) {
        return ArithmeticOps.powScalar(this, exponent);
    }

    /**
     * {@code this ** exponent} for a complex number exponent, as Python's {@code z ** (0.5 + 1.5j)}: a real tensor
     * becomes complex (PyTorch's type promotion), node PowBackward0.
     */
    public Tensor pow(Complex exponent) {
        Args.require(exponent, "pow", "exponent", 1, "Complex");
        return ArithmeticOps.pow(this, Creation.wrap(exponent));
    }

    /**
     * {@code base ** exponent} for a number base, as {@code torch.pow(2.0, t)} (Python's {@code 2.0 ** t}): the
     * exponent's type (a float32 result for an integer tensor), node PowBackward2.
     *
     * @param base the number raised to each element
     * @param exponent the exponents
     * @return a new tensor of the exponent's shape
     */
    public static Tensor pow(double base, Tensor exponent) {
        Args.require(exponent, "pow", "exponent", 2, "Tensor");
        return ArithmeticOps.powScalarBase(base, exponent);
    }

    /**
     * {@code base ** exponent} for an integer base, as Python's {@code 2 ** t} ({@code torch.pow(2, t)}): the type an
     * integer number and the exponent promote to, so an integer exponent keeps its integer type ({@code 2 ** arange(4)}
     * is int64 {@code [1, 2, 4, 8]}, wrapping on overflow, a negative exponent giving 0 unless the base is 1 or -1) and
     * a floating one its own; node PowBackward2. ({@link #pow(double, Tensor)} with a {@code double} base gives a floating
     * result, as {@code 2.0 ** t}.)
     *
     * @param base the integer raised to each element
     * @param exponent the exponents
     * @return a new tensor of the exponent's shape
     */
    public static Tensor pow(long base, Tensor exponent) {
        Args.require(exponent, "pow", "exponent", 2, "Tensor");
        return ArithmeticOps.powScalarBase(base, exponent);
    }

    /**
     * {@code base ** exponent} for a complex number base, as {@code torch.pow(1 + 2j, t)}: the complex type of the
     * exponent's floating type (complex64 for float32, the default type's complex type for an integer or bool exponent),
     * {@code exp(exponent * log(base))} as C's cpow (a zero base gives 0 for a positive real part, NaN for a zero one,
     * an infinity for a negative one), ones for a base of exactly 1 (PyTorch's pow_Scalar fills them); node PowBackward2.
     *
     * @param base the complex number raised to each element
     * @param exponent the exponents
     * @return a new complex tensor of the exponent's shape
     */
    public static Tensor pow(Complex base, Tensor exponent) {
        Args.require(base, "pow", "self", 1, "Complex");
        Args.require(exponent, "pow", "exponent", 2, "Tensor");
        return ArithmeticOps.powComplexBase(base, exponent);
    }

    /** {@code this ** exponent}, elementwise with broadcasting. */
    public Tensor pow(Tensor exponent) {
        Args.require(exponent, "pow", "exponent", 1, "Tensor");
        return ArithmeticOps.pow(this, exponent);
    }

    /** Square: {@code this * this}. */
    public Tensor square() {
        return pow(2);
    }

    /** {@code e ** this}. */
    public Tensor exp() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.EXP);
    }

    /** Natural logarithm. */
    public Tensor log() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.LOG);
    }

    /** Square root. */
    public Tensor sqrt() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.SQRT);
    }

    /** Absolute value. */
    public Tensor abs() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.ABS);
    }

    /** -1, 0 or 1 by sign. */
    public Tensor sign() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.SIGN);
    }

    /** {@code 1 / this}. */
    public Tensor reciprocal() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.RECIPROCAL);
    }

    /** Sine. */
    public Tensor sin() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.SIN);
    }

    /** Cosine. */
    public Tensor cos() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.COS);
    }

    /** The error function. */
    public Tensor erf() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.ERF);
    }

    /** {@code 1 / (1 + exp(-this))}. */
    public Tensor sigmoid() {
        if (QuantizedActivations.isQuantized(this)) {
            return QuantizedActivations.sigmoid(this);
        }
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.SIGMOID);
    }

    /** Hyperbolic tangent. */
    public Tensor tanh() {
        if (QuantizedActivations.isQuantized(this)) {
            return QuantizedActivations.tanh(this);
        }
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.TANH);
    }

    /** {@code max(this, 0)}. */
    public Tensor relu() {
        return QuantizedActivations.follow(this, ArithmeticOps.unary(this, ArithmeticOps.Fn.RELU));
    }

    /** Floor. */
    public Tensor floor() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.FLOOR);
    }

    /** Ceiling. */
    public Tensor ceil() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.CEIL);
    }

    /** Round half to even. */
    public Tensor round() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.ROUND);
    }

    /**
     * Rounds to {@code decimals} decimal places (negative: to tens, hundreds, ...), half to even, as
     * {@code torch.round(input, decimals=)}: {@code nearbyint(x * 10^decimals) / 10^decimals} in the tensor's type
     * (float32 for float16/bfloat16); RoundBackward1, a zero gradient. Floating types only, as PyTorch's kernel.
     */
    public Tensor round(int decimals) {
        return SpecialOps.roundDecimals(this, decimals);
    }

    /** {@link #round(int)} in place, as {@code Tensor.round_(decimals=)}. */
    public Tensor round_(int decimals) {
        return InplaceOps.inplace(this, List.of(), t -> t.round(decimals));
    }

    /**
     * Clamps into [min, max], as {@code torch.clamp}: {@code min > max} sets every element to max, and a NaN bound
     * makes every element NaN (use {@link #clampMin} or {@link #clampMax} for one bound). An int64 or bool tensor
     * gives the default type (float32 unless set) with these floating bounds.
     */
    public Tensor clamp(double min, double max) {
        return ArithmeticOps.clamp(this, min, max);
    }

    /**
     * Clamps with either bound absent ({@code null}), as {@code torch.clamp(x, max=1.0)} or {@code x.clamp(min=0.0)}:
     * the values of {@link #clampMax(double)} and {@link #clampMin(double)}, one ClampBackward1 node as PyTorch's
     * clamp (clampMin and clampMax are {@code torch.clamp_min}/{@code clamp_max}, ClampMinBackward0 and
     * ClampMaxBackward0).
     *
     * @throws IllegalArgumentException if both bounds are null (PyTorch's message)
     */
    public Tensor clamp(Double min, Double max) {
        return ArithmeticOps.clamp(this, min, max);
    }

    /** Clamps into [min, max] with integral bounds: an int64 tensor stays int64 (a bool tensor gives int64). */
    public Tensor clamp(long min, long max) {
        return ArithmeticOps.clamp(this, min, max);
    }

    /**
     * Clamps into [min, max] with tensor bounds, as {@code torch.clamp(x, min=lo, max=hi)} (per-column limits such as
     * {@code x.clamp(q05, q95)}): elementwise over the broadcast of all three, in their promoted type; either bound may
     * be null, not both. A NaN element or bound gives NaN there, {@code min > max} gives max. Differentiable in all
     * three (ClampBackward0): the input's gradient where {@code min <= x <= max}, min's where {@code x < min} (and
     * {@code min < max}), max's where {@code x > max} (or {@code max < min}).
     *
     * @throws IllegalArgumentException if both bounds are null (PyTorch's message), the shapes do not broadcast or
     *     the devices differ
     */
    public Tensor clamp(Tensor min, Tensor max) {
        return ArithmeticOps.clampTensor(this, min, max, "ClampBackward0");
    }

    /** {@code max(this, min)} with a tensor bound, as {@code torch.clamp_min(x, min)} (ClampMinBackward1). */
    public Tensor clampMin(Tensor min) {
        Args.require(min, "clamp_min", "min", 1, "Tensor");
        return ArithmeticOps.clampTensor(this, min, null, "ClampMinBackward1");
    }

    /** {@code min(this, max)} with a tensor bound, as {@code torch.clamp_max(x, max)} (ClampMaxBackward1). */
    public Tensor clampMax(Tensor max) {
        Args.require(max, "clamp_max", "max", 1, "Tensor");
        return ArithmeticOps.clampTensor(this, null, max, "ClampMaxBackward1");
    }

    /** {@code max(this, min)}, as {@code torch.clamp_min} (a NaN bound makes every element NaN). */
    public Tensor clampMin(double min) {
        return ArithmeticOps.clampMin(this, min);
    }

    /** {@code max(this, min)} with an integral bound. */
    public Tensor clampMin(long min) {
        return ArithmeticOps.clampMin(this, min);
    }

    /** {@code min(this, max)}, as {@code torch.clamp_max} (a NaN bound makes every element NaN). */
    public Tensor clampMax(double max) {
        return ArithmeticOps.clampMax(this, max);
    }

    /** {@code min(this, max)} with an integral bound. */
    public Tensor clampMax(long max) {
        return ArithmeticOps.clampMax(this, max);
    }

    /** Elementwise maximum. */
    public Tensor maximum(Tensor other) {
        Args.require(other, "maximum", "other", 1, "Tensor");
        return ArithmeticOps.maximum(this, other);
    }

    /** Elementwise minimum. */
    public Tensor minimum(Tensor other) {
        Args.require(other, "minimum", "other", 1, "Tensor");
        return ArithmeticOps.minimum(this, other);
    }

    /**
     * Elementwise maximum with another tensor, broadcast and promoted: {@code torch.max(a, b)}, PyTorch's overload of
     * {@code max} that means {@link #maximum}; nan propagates and the gradient of a tie is split evenly.
     */
    public Tensor max(Tensor other) {
        Args.require(other, "max", "other", 1, "Tensor");
        return ArithmeticOps.maximum(this, other);
    }

    /**
     * Elementwise minimum with another tensor, broadcast and promoted: {@code torch.min(a, b)}, PyTorch's overload of
     * {@code min} that means {@link #minimum} (PPO's {@code torch.min(ratio * adv, ratio.clamp(...) * adv)}).
     */
    public Tensor min(Tensor other) {
        Args.require(other, "min", "other", 1, "Tensor");
        return ArithmeticOps.minimum(this, other);
    }

    /** {@code condition ? input : other}, broadcasting all three. */
    public static Tensor where(Tensor condition, Tensor input, Tensor other) {
        Args.require(condition, "where", "condition", 1, "Tensor");
        Args.require(input, "where", "input", 2, "Tensor");
        Args.require(other, "where", "other", 3, "Tensor");
        return ArithmeticOps.where(condition, input, other);
    }

    /** {@code condition ? input : value}. */
    public static Tensor where(Tensor condition, Tensor input, double value) {
        Args.require(condition, "where", "condition", 1, "Tensor");
        Args.require(input, "where", "input", 2, "Tensor");
        return ArithmeticOps.where(condition, input, Creation.wrap(value));
    }

    /** {@code condition ? input : value} with an integral value (an int64 input stays int64). */
    public static Tensor where(Tensor condition, Tensor input, long value) {
        Args.require(condition, "where", "condition", 1, "Tensor");
        Args.require(input, "where", "input", 2, "Tensor");
        return ArithmeticOps.where(condition, input, Creation.wrap(value));
    }

    /**
     * {@code condition ? input : value} with a Python bool, as {@code torch.where(mask, t, True)}: the input's type (a
     * bool ranks below every other).
     */
    public static Tensor where(Tensor condition, Tensor input, boolean value) {
        Args.require(condition, "where", "condition", 1, "Tensor");
        Args.require(input, "where", "input", 2, "Tensor");
        return ArithmeticOps.where(condition, input, Creation.wrap(value));
    }

    /**
     * {@code condition ? value : other}, as {@code torch.where(mask, 0.0, x)}: the number promotes as a Python float
     * (an integer tensor gives the default floating type, a float32 one stays float32).
     */
    public static Tensor where(Tensor condition, double value, Tensor other) {
        Args.require(condition, "where", "condition", 1, "Tensor");
        Args.require(other, "where", "other", 3, "Tensor");
        return ArithmeticOps.where(condition, Creation.wrap(value), other);
    }

    /** {@code condition ? value : other} with an integral value, as {@code torch.where(mask, 0, x)}. */
    public static Tensor where(Tensor condition, long value, Tensor other) {
        Args.require(condition, "where", "condition", 1, "Tensor");
        Args.require(other, "where", "other", 3, "Tensor");
        return ArithmeticOps.where(condition, Creation.wrap(value), other);
    }

    /** {@code condition ? value : other} with a Python bool, as {@code torch.where(mask, True, t)}: the other's type. */
    public static Tensor where(Tensor condition, boolean value, Tensor other) {
        Args.require(condition, "where", "condition", 1, "Tensor");
        Args.require(other, "where", "other", 3, "Tensor");
        return ArithmeticOps.where(condition, Creation.wrap(value), other);
    }

    /**
     * {@code condition ? input : other} for two numbers, as {@code torch.where(mask, 1.0, 0.0)}: the default floating
     * type, of the condition's shape ({@link #where(Tensor, long, long)} for two integers, int64).
     */
    public static Tensor where(Tensor condition, double input, double other) {
        Args.require(condition, "where", "condition", 1, "Tensor");
        return ArithmeticOps.where(condition, Creation.wrap(input), Creation.wrap(other));
    }

    /** {@code condition ? input : other} for two integers, as {@code torch.where(mask, 1, 0)}: int64. */
    public static Tensor where(Tensor condition, long input, long other) {
        Args.require(condition, "where", "condition", 1, "Tensor");
        return ArithmeticOps.where(condition, Creation.wrap(input), Creation.wrap(other));
    }

    /** {@code this == other}, bool. */
    public Tensor eq(Tensor other) {
        Args.require(other, "eq", "other", 1, "Tensor");
        return ArithmeticOps.compare(this, other, dev.ember.backend.BinaryOp.EQ);
    }

    /** {@code this == value}, bool. */
    public Tensor eq(double value) {
        return eq(Creation.wrap(value));
    }

    /** {@code this == value} with an integral value, bool (an int64 tensor compares exactly, not in float32). */
    public Tensor eq(long value) {
        return eq(Creation.wrap(value));
    }

    /** {@code this == value} with a Python bool, bool (compared in this tensor's type: true is 1). */
    public Tensor eq(boolean value) {
        return eq(Creation.wrap(value));
    }

    /** {@code this != other}, bool. */
    public Tensor ne(Tensor other) {
        Args.require(other, "ne", "other", 1, "Tensor");
        return ArithmeticOps.compare(this, other, dev.ember.backend.BinaryOp.NE);
    }

    /** {@code this != value}, bool. */
    public Tensor ne(double value) {
        return ne(Creation.wrap(value));
    }

    /** {@code this != value} with an integral value, bool (an int64 tensor compares exactly, not in float32). */
    public Tensor ne(long value) {
        return ne(Creation.wrap(value));
    }

    /** {@code this != value} with a Python bool, bool (compared in this tensor's type: true is 1). */
    public Tensor ne(boolean value) {
        return ne(Creation.wrap(value));
    }

    /** {@code this < other}, bool. */
    public Tensor lt(Tensor other) {
        Args.require(other, "lt", "other", 1, "Tensor");
        return ArithmeticOps.compare(this, other, dev.ember.backend.BinaryOp.LT);
    }

    /** {@code this < value}, bool. */
    public Tensor lt(double value) {
        return lt(Creation.wrap(value));
    }

    /** {@code this < value} with an integral value, bool (an int64 tensor compares exactly, not in float32). */
    public Tensor lt(long value) {
        return lt(Creation.wrap(value));
    }

    /** {@code this <= other}, bool. */
    public Tensor le(Tensor other) {
        Args.require(other, "le", "other", 1, "Tensor");
        return ArithmeticOps.compare(this, other, dev.ember.backend.BinaryOp.LE);
    }

    /** {@code this <= value}, bool. */
    public Tensor le(double value) {
        return le(Creation.wrap(value));
    }

    /** {@code this <= value} with an integral value, bool (an int64 tensor compares exactly, not in float32). */
    public Tensor le(long value) {
        return le(Creation.wrap(value));
    }

    /** {@code this > other}, bool. */
    public Tensor gt(Tensor other) {
        Args.require(other, "gt", "other", 1, "Tensor");
        return ArithmeticOps.compare(this, other, dev.ember.backend.BinaryOp.GT);
    }

    /** {@code this > value}, bool. */
    public Tensor gt(double value) {
        return gt(Creation.wrap(value));
    }

    /** {@code this > value} with an integral value, bool (an int64 tensor compares exactly, not in float32). */
    public Tensor gt(long value) {
        return gt(Creation.wrap(value));
    }

    /** {@code this >= other}, bool. */
    public Tensor ge(Tensor other) {
        Args.require(other, "ge", "other", 1, "Tensor");
        return ArithmeticOps.compare(this, other, dev.ember.backend.BinaryOp.GE);
    }

    /** {@code this >= value}, bool. */
    public Tensor ge(double value) {
        return ge(Creation.wrap(value));
    }

    /** {@code this >= value} with an integral value, bool (an int64 tensor compares exactly, not in float32). */
    public Tensor ge(long value) {
        return ge(Creation.wrap(value));
    }

    /** Logical and, bool. */
    public Tensor logicalAnd(Tensor other) {
        Args.require(other, "logical_and", "other", 1, "Tensor");
        return ArithmeticOps.compare(this, other, dev.ember.backend.BinaryOp.LOGICAL_AND);
    }

    /** Logical or, bool. */
    public Tensor logicalOr(Tensor other) {
        Args.require(other, "logical_or", "other", 1, "Tensor");
        return ArithmeticOps.compare(this, other, dev.ember.backend.BinaryOp.LOGICAL_OR);
    }

    /** Logical not, bool. */
    public Tensor logicalNot() {
        return ArithmeticOps.predicate(this, dev.ember.backend.UnaryOp.LOGICAL_NOT);
    }

    /** Whether each element is finite, bool. */
    public Tensor isfinite() {
        return ArithmeticOps.predicate(this, dev.ember.backend.UnaryOp.ISFINITE);
    }

    /** Whether every element equals {@code other}'s (same shape required). */
    public boolean equal(Tensor other) {
        Args.require(other, "equal", "other", 1, "Tensor");
        if (dtype.isFloat8() && Arrays.equals(shape, other.shape)) {
            Float8.checkEqualAlias(this, other);
        }
        return Arrays.equals(shape, other.shape) && eq(other).all();
    }

    /** Whether all elements are true (nonzero). */
    public boolean all() {
        return ReductionOps.allTrue(this);
    }

    /**
     * Whether {@code |this - other| <= atol + rtol * |other|} everywhere (broadcasting), as {@code torch.allclose}: equal
     * infinities are close, NaN is never close.
     */
    public boolean allclose(Tensor other, double rtol, double atol) {
        Args.require(other, "allclose", "other", 1, "Tensor");
        if (dtype.isComplex() || other.dtype.isComplex()) {
            return allclose(other, rtol, atol, false); // isclose's complex rule (float64 would drop the imaginary parts)
        }
        if (!(rtol >= 0)) {
            throw new IllegalArgumentException("rtol must be greater than or equal to zero, but got " + Format.cpp(rtol));
        }
        if (!(atol >= 0)) {
            throw new IllegalArgumentException("atol must be greater than or equal to zero, but got " + Format.cpp(atol));
        }
        if (dtype.isFloat8()) {
            return allclose(other, rtol, atol, false); // isclose's rule and its fp8 refusal
        }
        try (GradMode g = Ember.noGrad()) {
            Tensor a = this.to(DType.FLOAT64);
            Tensor b = other.to(DType.FLOAT64);
            Tensor error = a.sub(b).abs();
            // PyTorch's isclose: equal, or a finite error within the tolerance (inf and -inf are not close)
            return a.eq(b).logicalOr(error.isfinite().logicalAnd(error.le(b.abs().mul(rtol).add(atol)))).all();
        }
    }

    /** {@code allclose} with PyTorch's defaults: rtol 1e-5, atol 1e-8. */
    public boolean allclose(Tensor other) {
        Args.require(other, "allclose", "other", 1, "Tensor");
        return allclose(other, 1e-5, 1e-8);
    }

    // ---- more math

    /** {@code log(1 + this)}, accurate near 0, as {@code torch.log1p}. */
    public Tensor log1p() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.LOG1P);
    }

    /** {@code exp(this) - 1}, accurate near 0, as {@code torch.expm1}. */
    public Tensor expm1() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.EXPM1);
    }

    /** Base-2 logarithm, as {@code torch.log2}. */
    public Tensor log2() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.LOG2);
    }

    /** Base-10 logarithm, as {@code torch.log10}. */
    public Tensor log10() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.LOG10);
    }

    /** {@code 2 ** this}, as {@code torch.exp2}. */
    public Tensor exp2() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.EXP2);
    }

    /** Tangent, as {@code torch.tan}. */
    public Tensor tan() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.TAN);
    }

    /** Arcsine, as {@code torch.asin}. */
    public Tensor asin() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.ASIN);
    }

    /** Arccosine, as {@code torch.acos}. */
    public Tensor acos() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.ACOS);
    }

    /** Arctangent, as {@code torch.atan}. */
    public Tensor atan() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.ATAN);
    }

    /** The angle of the point {@code (other, this)}, {@code atan2(this, other)}, broadcasting, as {@code torch.atan2}. */
    public Tensor atan2(Tensor other) {
        Args.require(other, "atan2", "other", 1, "Tensor");
        return ArithmeticOps.atan2(this, other);
    }

    /** Hyperbolic sine, as {@code torch.sinh}. */
    public Tensor sinh() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.SINH);
    }

    /** Hyperbolic cosine, as {@code torch.cosh}. */
    public Tensor cosh() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.COSH);
    }

    /** Inverse hyperbolic sine, as {@code torch.asinh}. */
    public Tensor asinh() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.ASINH);
    }

    /** Inverse hyperbolic cosine (NaN below 1), as {@code torch.acosh}. */
    public Tensor acosh() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.ACOSH);
    }

    /** Inverse hyperbolic tangent (infinite at +-1, NaN beyond), as {@code torch.atanh}. */
    public Tensor atanh() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.ATANH);
    }

    /** {@code 1 / sqrt(this)}, as {@code torch.rsqrt}. */
    public Tensor rsqrt() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.RSQRT);
    }

    /** Rounds towards zero, as {@code torch.trunc} (integers unchanged). */
    public Tensor trunc() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.TRUNC);
    }

    /** {@code this - trunc(this)}, floating types only, as {@code torch.frac}. */
    public Tensor frac() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.FRAC);
    }

    /** The sign, as {@code torch.sgn} (for real tensors {@link #sign}, with its own node SgnBackward0). */
    public Tensor sgn() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.SGN);
    }

    /** The complementary error function {@code 1 - erf(this)}, as {@code torch.erfc}. */
    public Tensor erfc() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.ERFC);
    }

    /** The inverse error function (+-inf at +-1, NaN beyond), as {@code torch.erfinv}. */
    public Tensor erfinv() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.ERFINV);
    }

    /** {@code log|gamma(this)|}, as {@code torch.lgamma}. */
    public Tensor lgamma() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.LGAMMA);
    }

    /** The digamma function, the derivative of lgamma, as {@code torch.digamma}. */
    public Tensor digamma() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.DIGAMMA);
    }

    /** The {@code n}-th derivative of digamma ({@code n >= 0}), as {@code torch.polygamma(n, this)}. */
    public Tensor polygamma(int n) {
        return ArithmeticOps.polygamma(this, n);
    }

    /** {@code log(sigmoid(this))} without overflow, as {@code torch.nn.functional.logsigmoid}. */
    public Tensor logSigmoid() {
        return ArithmeticOps.unary(this, ArithmeticOps.Fn.LOG_SIGMOID);
    }

    /** {@code sqrt(this^2 + other^2)} without overflow, floating types, as {@code torch.hypot}. */
    public Tensor hypot(Tensor other) {
        Args.require(other, "hypot", "other", 1, "Tensor");
        return ArithmeticOps.hypot(this, other);
    }

    /** C's fmod: the remainder of {@code this / other} with the dividend's sign, as {@code torch.fmod}. */
    public Tensor fmod(Tensor other) {
        Args.require(other, "fmod", "other", 1, "Tensor");
        return ArithmeticOps.fmod(this, other);
    }

    /** {@code fmod} by a Java number. */
    public Tensor fmod(double other) {
        return ArithmeticOps.fmod(this, Creation.wrap(other));
    }

    /** {@code fmod} by an integral Java number (an int64 tensor stays int64). */
    public Tensor fmod(long other) {
        return ArithmeticOps.fmod(this, Creation.wrap(other));
    }

    /** Python's modulo: the remainder with the divisor's sign, as {@code torch.remainder}. */
    public Tensor remainder(Tensor other) {
        Args.require(other, "remainder", "other", 1, "Tensor");
        return ArithmeticOps.remainder(this, other);
    }

    /** {@code remainder} by a Java number. */
    public Tensor remainder(double other) {
        return ArithmeticOps.remainder(this, Creation.wrap(other));
    }

    /** {@code remainder} by an integral Java number (an int64 tensor stays int64). */
    public Tensor remainder(long other) {
        return ArithmeticOps.remainder(this, Creation.wrap(other));
    }

    /**
     * {@code dividend % divisor} for a number dividend, as Python's {@code 7.5 % t} ({@code torch.remainder(7.5, t)}):
     * the remainder with the divisor's sign, in the type a floating number and the divisor promote to. PyTorch has no
     * derivative for this overload: a divisor that requires grad gets a {@code NotImplemented} node whose backward fails.
     *
     * @param dividend the number divided
     * @param divisor the divisors
     * @return a new tensor of the divisor's shape
     * @throws IllegalArgumentException for a bool or complex result type, with PyTorch's message
     */
    public static Tensor remainder(double dividend, Tensor divisor) {
        Args.require(divisor, "remainder", "other", 2, "Tensor");
        return ArithmeticOps.remainderScalarFirst(Creation.wrap(dividend), divisor);
    }

    /**
     * {@code dividend % divisor} for an integer dividend, as Python's {@code 7 % t} ({@code torch.remainder(7, t)}): an
     * integer divisor keeps its integer type (a zero divisor is PyTorch's {@code ZeroDivisionError}), a floating one its
     * own; not differentiable, as {@link #remainder(double, Tensor)}.
     *
     * @param dividend the number divided
     * @param divisor the divisors
     * @return a new tensor of the divisor's shape
     * @throws IllegalArgumentException for an integer divisor with a zero element, or a bool or complex result type
     */
    public static Tensor remainder(long dividend, Tensor divisor) {
        Args.require(divisor, "remainder", "other", 2, "Tensor");
        return ArithmeticOps.remainderScalarFirst(Creation.wrap(dividend), divisor);
    }

    /**
     * {@code floor(dividend / divisor)} for a number dividend, as Python's {@code 7.5 // t}
     * ({@code torch.floor_divide(7.5, t)}): the type a floating number and the divisor promote to; not differentiable
     * (PyTorch's {@code NotImplemented} node).
     *
     * @param dividend the number divided
     * @param divisor the divisors
     * @return a new tensor of the divisor's shape
     * @throws IllegalArgumentException for a bool or complex result type, with PyTorch's message
     */
    public static Tensor floorDivide(double dividend, Tensor divisor) {
        Args.require(divisor, "floor_divide", "other", 2, "Tensor");
        return ArithmeticOps.floorDivide(Creation.wrap(dividend), divisor);
    }

    /**
     * {@code floor(dividend / divisor)} for an integer dividend, as Python's {@code 7 // t}
     * ({@code torch.floor_divide(7, t)}): an integer divisor keeps its integer type (a zero divisor is PyTorch's
     * {@code ZeroDivisionError}); not differentiable.
     *
     * @param dividend the number divided
     * @param divisor the divisors
     * @return a new tensor of the divisor's shape
     * @throws IllegalArgumentException for an integer divisor with a zero element, or a bool or complex result type
     */
    public static Tensor floorDivide(long dividend, Tensor divisor) {
        Args.require(divisor, "floor_divide", "other", 2, "Tensor");
        return ArithmeticOps.floorDivide(Creation.wrap(dividend), divisor);
    }

    /** {@code floor(this / other)}, as {@code torch.floor_divide} (an integer result stays integer; not differentiable). */
    public Tensor floorDivide(Tensor other) {
        Args.require(other, "floor_divide", "other", 1, "Tensor");
        return ArithmeticOps.floorDivide(this, other);
    }

    /** {@code floor_divide} by a Java number. */
    public Tensor floorDivide(double other) {
        return ArithmeticOps.floorDivide(this, Creation.wrap(other));
    }

    /** {@code floor_divide} by an integral Java number. */
    public Tensor floorDivide(long other) {
        return ArithmeticOps.floorDivide(this, Creation.wrap(other));
    }

    /**
     * Division with a rounding mode, as {@code torch.div(a, b, rounding_mode=...)}: {@code null} is true division,
     * {@code "trunc"} and {@code "floor"} round the quotient (integer tensors then stay integer).
     */
    public Tensor div(Tensor other, String roundingMode) {
        Args.require(other, "div", "other", 1, "Tensor");
        return ArithmeticOps.div(this, other, roundingMode);
    }

    /** {@code div} by a Java number with a rounding mode. */
    public Tensor div(double other, String roundingMode) {
        return ArithmeticOps.div(this, Creation.wrap(other), roundingMode);
    }

    /** {@code div} by an integral Java number with a rounding mode (an int64 tensor stays int64 when rounding). */
    public Tensor div(long other, String roundingMode) {
        return ArithmeticOps.div(this, Creation.wrap(other), roundingMode);
    }

    /** The magnitude of this with the sign of {@code other}, as {@code torch.copysign} (integers give the default type). */
    public Tensor copysign(Tensor other) {
        Args.require(other, "copysign", "other", 1, "Tensor");
        return ArithmeticOps.copysign(this, other);
    }

    /** {@code copysign} with a Java number's sign (-0.0 counts as negative). */
    public Tensor copysign(double other) {
        return ArithmeticOps.copysign(this, Creation.wrap(other));
    }

    /** The larger of the two, ignoring a NaN (NaN only where both are), as {@code torch.fmax}. */
    public Tensor fmax(Tensor other) {
        Args.require(other, "fmax", "other", 1, "Tensor");
        return ArithmeticOps.fmaxmin(this, other, true);
    }

    /** The smaller of the two, ignoring a NaN (NaN only where both are), as {@code torch.fmin}. */
    public Tensor fmin(Tensor other) {
        Args.require(other, "fmin", "other", 1, "Tensor");
        return ArithmeticOps.fmaxmin(this, other, false);
    }

    /** {@code this * log(other)}, 0 where this is 0 (NaN where other is NaN), as {@code torch.xlogy}. */
    public Tensor xlogy(Tensor other) {
        Args.require(other, "xlogy", "other", 1, "Tensor");
        return ArithmeticOps.xlogy(this, other);
    }

    /** {@code this * log(other)} for a Java number {@code other}. */
    public Tensor xlogy(double other) {
        return ArithmeticOps.xlogy(this, Creation.wrap(other));
    }

    /** {@code self * log(other)} for a Java number {@code self}, as {@code torch.xlogy(self, other)}. */
    public static Tensor xlogy(double self, Tensor other) {
        Args.require(other, "xlogy", "other", 2, "Tensor");
        return ArithmeticOps.xlogy(Creation.wrap(self), other);
    }

    // ------------------------------------------------------------------ more pointwise math (SpecialOps)

    /** {@code sin(pi x) / (pi x)}, 1 at 0, as {@code torch.sinc} (integers give the default type). */
    public Tensor sinc() {
        return SpecialOps.sinc(this);
    }

    /** {@code log(x / (1 - x))}, as {@code torch.logit} without eps (inf at 1, NaN outside [0, 1]). */
    public Tensor logit() {
        return SpecialOps.logit(this, null);
    }

    /**
     * {@code log(x / (1 - x))} of this clamped to {@code [eps, 1 - eps]}, as {@code torch.logit(x, eps)} (a negative
     * eps clamps nothing); the gradient is 0 outside that range.
     */
    public Tensor logit(double eps) {
        return SpecialOps.logit(this, eps);
    }

    /** {@code this * log1p(other)}, 0 where this is 0 (NaN where other is NaN), as {@code torch.special.xlog1py}. */
    public Tensor xlog1py(Tensor other) {
        Args.require(other, "xlog1py", "other", 1, "Tensor");
        return SpecialOps.xlog1py(this, other);
    }

    /** {@code this * log1p(other)} for a Java number {@code other}. */
    public Tensor xlog1py(double other) {
        return SpecialOps.xlog1py(this, Creation.wrap(other));
    }

    /** {@code self * log1p(other)} for a Java number {@code self}, as {@code torch.special.xlog1py(self, other)}. */
    public static Tensor xlog1py(double self, Tensor other) {
        Args.require(other, "xlog1py", "other", 2, "Tensor");
        return SpecialOps.xlog1py(Creation.wrap(self), other);
    }

    /** {@code log(exp(this) + exp(other))} without overflow, floating types, as {@code torch.logaddexp}. */
    public Tensor logaddexp(Tensor other) {
        Args.require(other, "logaddexp", "other", 1, "Tensor");
        return SpecialOps.logaddexp(this, other, false);
    }

    /** {@code log2(2^this + 2^other)} without overflow, floating types, as {@code torch.logaddexp2}. */
    public Tensor logaddexp2(Tensor other) {
        Args.require(other, "logaddexp2", "other", 1, "Tensor");
        return SpecialOps.logaddexp(this, other, true);
    }

    /**
     * The modified Bessel function of the first kind of order 0, as {@code torch.i0} (PyTorch's Cephes series; a CUDA
     * tensor is computed through the host).
     */
    public Tensor i0() {
        return SpecialOps.i0(this);
    }

    /**
     * {@code values} where this is 0, else {@code this > 0}, as {@code torch.heaviside} (both of one type; not
     * differentiable: the backward of an input that requires grad fails, as PyTorch's).
     */
    public Tensor heaviside(Tensor values) {
        Args.require(values, "heaviside", "values", 1, "Tensor");
        return SpecialOps.heaviside(this, values);
    }

    /** {@code this + tensor1 * tensor2}, broadcasting, as {@code torch.addcmul}. */
    public Tensor addcmul(Tensor tensor1, Tensor tensor2) {
        return addcmul(tensor1, tensor2, 1);
    }

    /** {@code this + value * tensor1 * tensor2}, broadcasting, as {@code torch.addcmul(..., value=value)}. */
    public Tensor addcmul(Tensor tensor1, Tensor tensor2, double value) {
        Args.require(tensor1, "addcmul", "tensor1", 1, "Tensor");
        Args.require(tensor2, "addcmul", "tensor2", 2, "Tensor");
        return SpecialOps.addcOp(this, tensor1, tensor2, value, true);
    }

    /** {@code this += tensor1 * tensor2}, as {@code x.addcmul_(t1, t2)} (value 1). */
    public Tensor addcmul_(Tensor tensor1, Tensor tensor2) {
        return addcmul_(tensor1, tensor2, 1);
    }

    /** {@link #addcmul(Tensor, Tensor, double)} in place. */
    public Tensor addcmul_(Tensor tensor1, Tensor tensor2, double value) {
        Args.require(tensor1, "addcmul_", "tensor1", 1, "Tensor");
        Args.require(tensor2, "addcmul_", "tensor2", 2, "Tensor");
        return SpecialOps.addcOp_(this, tensor1, tensor2, value, true);
    }

    /** {@code this + tensor1 / tensor2}, broadcasting, as {@code torch.addcdiv} (two integer divisors are an error). */
    public Tensor addcdiv(Tensor tensor1, Tensor tensor2) {
        return addcdiv(tensor1, tensor2, 1);
    }

    /** {@code this + value * tensor1 / tensor2}, broadcasting, as {@code torch.addcdiv(..., value=value)}. */
    public Tensor addcdiv(Tensor tensor1, Tensor tensor2, double value) {
        Args.require(tensor1, "addcdiv", "tensor1", 1, "Tensor");
        Args.require(tensor2, "addcdiv", "tensor2", 2, "Tensor");
        return SpecialOps.addcOp(this, tensor1, tensor2, value, false);
    }

    /** {@code this += tensor1 / tensor2}, as {@code x.addcdiv_(t1, t2)} (value 1). */
    public Tensor addcdiv_(Tensor tensor1, Tensor tensor2) {
        return addcdiv_(tensor1, tensor2, 1);
    }

    /** {@link #addcdiv(Tensor, Tensor, double)} in place. */
    public Tensor addcdiv_(Tensor tensor1, Tensor tensor2, double value) {
        Args.require(tensor1, "addcdiv_", "tensor1", 1, "Tensor");
        Args.require(tensor2, "addcdiv_", "tensor2", 2, "Tensor");
        return SpecialOps.addcOp_(this, tensor1, tensor2, value, false);
    }

    /** Degrees to radians, {@code this * (pi / 180)}, as {@code torch.deg2rad} (integers and bool give the default type). */
    public Tensor deg2rad() {
        return SpecialOps.angleConvert(this, true);
    }

    /** Radians to degrees, {@code this * (180 / pi)}, as {@code torch.rad2deg} (integers and bool give the default type). */
    public Tensor rad2deg() {
        return SpecialOps.angleConvert(this, false);
    }

    /** {@link #deg2rad()} in place (Deg2RadBackward0); an integer tensor cannot hold the result, as PyTorch's error says. */
    public Tensor deg2rad_() {
        return InplaceOps.inplace(this, List.of(), Tensor::deg2rad);
    }

    /** {@link #rad2deg()} in place (Rad2DegBackward0); an integer tensor cannot hold the result, as PyTorch's error says. */
    public Tensor rad2deg_() {
        return InplaceOps.inplace(this, List.of(), Tensor::rad2deg);
    }

    /** {@code this ** exponent} in float64, as {@code torch.float_power} (both converted to float64 first). */
    public Tensor floatPower(Tensor exponent) {
        Args.require(exponent, "float_power", "exponent", 1, "Tensor");
        // complex128 when either is complex, as PyTorch's
        DType t = isComplex() || exponent.isComplex() ? DType.COMPLEX128 : DType.FLOAT64;
        return to(t).pow(exponent.to(t));
    }

    /** {@code this ** exponent} in float64, as {@code torch.float_power} with a number exponent. */
    public Tensor floatPower(double exponent) {
        return to(isComplex() ? DType.COMPLEX128 : DType.FLOAT64).pow(exponent);
    }

    /** True division, an alias of {@link #div(Tensor)}, as {@code torch.true_divide}. */
    public Tensor trueDivide(Tensor other) {
        Args.require(other, "true_divide", "other", 1, "Tensor");
        return div(other);
    }

    /** True division by a Java number, an alias of {@link #div(double)}. */
    public Tensor trueDivide(double other) {
        return div(other);
    }

    /** An alias of {@link #clamp(double, double)}, as {@code torch.clip}. */
    public Tensor clip(double min, double max) {
        return clamp(min, max);
    }

    /** An alias of {@link #clamp(long, long)}, as {@code torch.clip} with integral bounds. */
    public Tensor clip(long min, long max) {
        return clamp(min, max);
    }

    /** An alias of {@link #trunc}, as {@code torch.fix}. */
    public Tensor fix() {
        return trunc();
    }

    /** An alias of {@link #neg}, as {@code torch.negative}. */
    public Tensor negative() {
        return neg();
    }

    /** This tensor itself, as {@code torch.positive} (refused for bool, with PyTorch's message). */
    public Tensor positive() {
        return SpecialOps.positive(this);
    }

    /** {@code this * 2^other}, as {@code torch.ldexp} (PyTorch's composition {@code self * pow(2, other)}). */
    public Tensor ldexp(Tensor other) {
        Args.require(other, "ldexp", "other", 1, "Tensor");
        return SpecialOps.ldexp(this, other);
    }

    /**
     * The next representable value after this towards {@code other}, as {@code torch.nextafter} (float32, float64 and
     * bfloat16; computed on the host, so a CUDA tensor is copied through it; not differentiable, as PyTorch's).
     */
    public Tensor nextafter(Tensor other) {
        Args.require(other, "nextafter", "other", 1, "Tensor");
        return SpecialOps.nextafter(this, other);
    }

    /** {@link #nextafter(Tensor)} in place. */
    public Tensor nextafter_(Tensor other) {
        Args.require(other, "nextafter_", "other", 1, "Tensor");
        return InplaceOps.inplace(this, List.of(other), t -> t.nextafter(other));
    }

    /**
     * The mantissa (magnitude in [0.5, 1)) and the int32 exponent with {@code this = mantissa * 2^exponent}, as
     * {@code torch.frexp} (floating types; computed on the host, so a CUDA tensor is copied through it).
     */
    public FrexpResult frexp() {
        return SpecialOps.frexp(this);
    }

    /** Squares in place, as {@code Tensor.square_} ({@code pow_(2)}: node PowBackward0). */
    public Tensor square_() {
        // PyTorch's square_ is pow_(2): a bool self (whose square is int64) gets pow_'s "Found dtype" refusal
        return InplaceOps.powScalar_(this, t -> t.pow(2L),
                (old, out) -> ArithmeticOps.powScalar(old, Creation.wrap(2L), out));
    }

    /** {@code self + weight * (end - self)}, as {@code torch.lerp} with a number weight (floating types, one type). */
    public Tensor lerp(Tensor end, double weight) {
        Args.require(end, "lerp", "end", 1, "Tensor");
        return ArithmeticOps.lerp(this, end, weight);
    }

    /** {@code lerp} with a tensor of weights, broadcasting all three (one floating type). */
    public Tensor lerp(Tensor end, Tensor weight) {
        Args.require(end, "lerp", "end", 1, "Tensor");
        Args.require(weight, "lerp", "weight", 2, "Tensor");
        return ArithmeticOps.lerp(this, end, weight);
    }

    /**
     * NaN, +inf and -inf replaced by {@code nan} and by {@code posinf} and {@code neginf} ({@code null}: the type's
     * largest and lowest finite values), as {@code torch.nan_to_num}; integer and bool tensors are copied.
     */
    public Tensor nanToNum(double nan, Double posinf, Double neginf) {
        return ArithmeticOps.nanToNum(this, nan, posinf, neginf);
    }

    /** {@code nan_to_num} with PyTorch's defaults: 0 and the type's largest and lowest finite values. */
    public Tensor nanToNum() {
        return ArithmeticOps.nanToNum(this, 0, null, null);
    }

    /** Whether each element is NaN, bool, as {@code torch.isnan}. */
    public Tensor isnan() {
        return ArithmeticOps.isKind(this, dev.ember.backend.UnaryOp.ISNAN);
    }

    /** Whether each element is +inf or -inf, bool, as {@code torch.isinf}. */
    public Tensor isinf() {
        return ArithmeticOps.isKind(this, dev.ember.backend.UnaryOp.ISINF);
    }

    /** Whether each element is +inf, bool, as {@code torch.isposinf}. */
    public Tensor isposinf() {
        return ArithmeticOps.isKind(this, dev.ember.backend.UnaryOp.ISPOSINF);
    }

    /** Whether each element is -inf, bool, as {@code torch.isneginf}. */
    public Tensor isneginf() {
        return ArithmeticOps.isKind(this, dev.ember.backend.UnaryOp.ISNEGINF);
    }

    /** Whether each element is real: true everywhere (Ember has no complex types), as {@code torch.isreal}. */
    public Tensor isreal() {
        return ArithmeticOps.isreal(this);
    }

    /**
     * Elementwise closeness, as {@code torch.isclose}: equal (NaN to NaN when {@code equalNan}), or a finite
     * {@code |this - other| <= atol + |rtol * other|}, in the tensors' own type (both must have one type).
     */
    public Tensor isclose(Tensor other, double rtol, double atol, boolean equalNan) {
        Args.require(other, "isclose", "other", 1, "Tensor");
        return ArithmeticOps.isclose(this, other, rtol, atol, equalNan);
    }

    /** {@code isclose} with PyTorch's defaults: rtol 1e-5, atol 1e-8, NaN not equal to NaN. */
    public Tensor isclose(Tensor other) {
        Args.require(other, "isclose", "other", 1, "Tensor");
        return ArithmeticOps.isclose(this, other, 1e-5, 1e-8, false);
    }

    /** Whether {@link #isclose} holds everywhere, as {@code torch.allclose(..., equal_nan=...)} (one type required). */
    public boolean allclose(Tensor other, double rtol, double atol, boolean equalNan) {
        Args.require(other, "allclose", "other", 1, "Tensor");
        return ReductionOps.allTrue(ArithmeticOps.isclose(this, other, rtol, atol, equalNan));
    }

    /** Bitwise and of int64 or bool tensors, as {@code torch.bitwise_and}. */
    public Tensor bitwiseAnd(Tensor other) {
        Args.require(other, "bitwise_and", "other", 1, "Tensor");
        return ArithmeticOps.bitwise(this, other, dev.ember.backend.BinaryOp.BITWISE_AND);
    }

    /** Bitwise and with an integral Java number. */
    public Tensor bitwiseAnd(long other) {
        return ArithmeticOps.bitwise(this, Creation.wrap(other), dev.ember.backend.BinaryOp.BITWISE_AND);
    }

    /** Bitwise or of int64 or bool tensors, as {@code torch.bitwise_or}. */
    public Tensor bitwiseOr(Tensor other) {
        Args.require(other, "bitwise_or", "other", 1, "Tensor");
        return ArithmeticOps.bitwise(this, other, dev.ember.backend.BinaryOp.BITWISE_OR);
    }

    /** Bitwise or with an integral Java number. */
    public Tensor bitwiseOr(long other) {
        return ArithmeticOps.bitwise(this, Creation.wrap(other), dev.ember.backend.BinaryOp.BITWISE_OR);
    }

    /** Bitwise exclusive or of int64 or bool tensors, as {@code torch.bitwise_xor}. */
    public Tensor bitwiseXor(Tensor other) {
        Args.require(other, "bitwise_xor", "other", 1, "Tensor");
        return ArithmeticOps.bitwise(this, other, dev.ember.backend.BinaryOp.BITWISE_XOR);
    }

    /** Bitwise exclusive or with an integral Java number. */
    public Tensor bitwiseXor(long other) {
        return ArithmeticOps.bitwise(this, Creation.wrap(other), dev.ember.backend.BinaryOp.BITWISE_XOR);
    }

    /** Bitwise not of an int64 or bool tensor (logical not for bool), as {@code torch.bitwise_not}. */
    public Tensor bitwiseNot() {
        return ArithmeticOps.bitwiseNot(this);
    }

    /** {@code this << other} on int64, as {@code torch.bitwise_left_shift} (a count outside [0, 64) gives 0). */
    public Tensor bitwiseLeftShift(Tensor other) {
        Args.require(other, "bitwise_left_shift", "other", 1, "Tensor");
        return ArithmeticOps.shift(this, other, true);
    }

    /** {@code this << other} by an integral Java number. */
    public Tensor bitwiseLeftShift(long other) {
        return ArithmeticOps.shift(this, Creation.wrap(other), true);
    }

    /** {@code this >> other} (arithmetic) on int64, as {@code torch.bitwise_right_shift} (a count outside [0, 63) gives the sign). */
    public Tensor bitwiseRightShift(Tensor other) {
        Args.require(other, "bitwise_right_shift", "other", 1, "Tensor");
        return ArithmeticOps.shift(this, other, false);
    }

    /** {@code this >> other} by an integral Java number. */
    public Tensor bitwiseRightShift(long other) {
        return ArithmeticOps.shift(this, Creation.wrap(other), false);
    }

    /** Logical exclusive or, bool, as {@code torch.logical_xor}. */
    public Tensor logicalXor(Tensor other) {
        Args.require(other, "logical_xor", "other", 1, "Tensor");
        return ArithmeticOps.compare(this, other, dev.ember.backend.BinaryOp.LOGICAL_XOR);
    }

    // ------------------------------------------------------------------ in place

    /** {@code this += other}, in place. */
    public Tensor add_(Tensor other) {
        Args.require(other, "add_", "other", 1, "Tensor");
        return InplaceOps.inplaceBinary(this, other, t -> t.add(other), dev.ember.backend.BinaryOp.ADD);
    }

    /** {@code this += alpha * other}, in place. */
    public Tensor add_(Tensor other, double alpha) {
        Args.require(other, "add_", "other", 1, "Tensor");
        if (alpha == 1) {
            return add_(other);
        }
        return InplaceOps.inplaceScaled(this, other, alpha, t -> t.add(other, alpha), dev.ember.backend.BinaryOp.ADD);
    }

    /** {@code this += value}, in place. */
    public Tensor add_(double value) {
        return add_(Creation.wrap(value));
    }

    /** {@code this += value} with an integral scalar, in place (int64 tensors stay int64). */
    public Tensor add_(long value) {
        return add_(Creation.wrap(value));
    }

    /** {@code this -= other}, in place. */
    public Tensor sub_(Tensor other) {
        Args.require(other, "sub_", "other", 1, "Tensor");
        return InplaceOps.inplaceBinary(this, other, t -> t.sub(other), dev.ember.backend.BinaryOp.SUB);
    }

    /** {@code this -= alpha * other}, in place. */
    public Tensor sub_(Tensor other, double alpha) {
        Args.require(other, "sub_", "other", 1, "Tensor");
        if (alpha == 1) {
            return sub_(other);
        }
        return InplaceOps.inplaceScaled(this, other, alpha, t -> t.sub(other, alpha), dev.ember.backend.BinaryOp.SUB);
    }

    /** {@code this -= value}, in place. */
    public Tensor sub_(double value) {
        return sub_(Creation.wrap(value));
    }

    /** {@code this *= other}, in place. */
    public Tensor mul_(Tensor other) {
        Args.require(other, "mul_", "other", 1, "Tensor");
        return InplaceOps.inplaceBinary(this, other, t -> t.mul(other), dev.ember.backend.BinaryOp.MUL);
    }

    /** {@code this *= value}, in place. */
    public Tensor mul_(double value) {
        return mul_(Creation.wrap(value));
    }

    /** {@code this /= other}, in place. */
    public Tensor div_(Tensor other) {
        Args.require(other, "div_", "other", 1, "Tensor");
        return InplaceOps.inplaceBinary(this, other, t -> t.div(other), dev.ember.backend.BinaryOp.DIV);
    }

    /** {@code this /= value}, in place. */
    public Tensor div_(double value) {
        return div_(Creation.wrap(value));
    }

    // ---- integral-number overloads of the arithmetic ops (session 21, differential fuzz) ----

    /** {@code this -= value} with an integral scalar (a Python int), in place: an integer tensor stays integer. */
    public Tensor sub_(long value) {
        return sub_(Creation.wrap(value));
    }

    /** {@code this *= value} with an integral scalar (a Python int), in place: an integer tensor stays integer. */
    public Tensor mul_(long value) {
        return mul_(Creation.wrap(value));
    }

    /** {@code this / value} with an integral scalar (a Python int): true division, integers give the default type. */
    public Tensor div(long value) {
        return ArithmeticOps.div(this, Creation.wrap(value));
    }

    /** {@code this / value} with a Python bool: true division (integers and bool give the default type). */
    public Tensor div(boolean value) {
        return ArithmeticOps.div(this, Creation.wrap(value));
    }

    /**
     * {@code this /= value} with an integral scalar (a Python int), in place: true division, so an integer tensor is
     * refused as PyTorch refuses it (the result is floating).
     */
    public Tensor div_(long value) {
        return div_(Creation.wrap(value));
    }

    /** {@code div_} by an integral scalar with a rounding mode: an integer tensor stays integer when rounding. */
    public Tensor div_(long other, String roundingMode) {
        return div_(Creation.wrap(other), roundingMode);
    }

    /**
     * {@link #clamp(Double, Double)} in place, as {@code x.clamp_(max=1.0)} (ClampBackward1).
     *
     * @throws IllegalArgumentException if both bounds are null (PyTorch's message)
     */
    public Tensor clamp_(Double min, Double max) {
        ArithmeticOps.clampBoundsGiven(min, max);
        return InplaceOps.inplaceFromOld(this, List.of(), t -> t.clamp(min, max),
                (old, out) -> ArithmeticOps.clampInto(old, min, max, out), true);
    }

    /** Clamps in place with integral bounds (Python ints): an integer tensor stays integer. */
    public Tensor clamp_(long min, long max) {
        return InplaceOps.inplaceFromOld(this, List.of(), t -> t.clamp(min, max),
                (old, out) -> ArithmeticOps.clampInto(old, min, max, out), true);
    }

    /** {@code max(this, min)} in place with an integral bound (a Python int). */
    public Tensor clampMin_(long min) {
        return InplaceOps.inplace(this, List.of(), t -> t.clampMin(min), true);
    }

    /** {@code min(this, max)} in place with an integral bound (a Python int). */
    public Tensor clampMax_(long max) {
        return InplaceOps.inplace(this, List.of(), t -> t.clampMax(max), true);
    }

    // ---- end of the integral-number overloads (session 21) ----

    /** Clamps in place. */
    public Tensor clamp_(double min, double max) {
        return clamp_(Double.valueOf(min), Double.valueOf(max));
    }

    /** Sets every element to zero. */
    public Tensor zero_() {
        return InplaceOps.zero_(this);
    }

    /** Sets every element to {@code value}. */
    public Tensor fill_(double value) {
        return InplaceOps.fill_(this, value);
    }

    /**
     * Sets every element to {@code value}, as {@code fill_} with a Python int: exact for an int64 tensor however large
     * (a double would round values beyond 2^53), with PyTorch's checked conversion for the narrow types (uint8 takes -1
     * as 255).
     */
    public Tensor fill_(long value) {
        Tensor v = ArithmeticOps.exactScalar(this, value);
        if (v == null) {
            return fill_(ArithmeticOps.fillValue(value, dtype));
        }
        try (v) {
            return InplaceOps.fillTensor_(this, v);
        }
    }

    /**
     * Sets every element to {@code value}, as {@code fill_} with a Python bool: true is 1 and false 0 in a numeric tensor
     * (1+0j in a complex one), true/false in a bool one; the tensor keeps its dtype.
     */
    public Tensor fill_(boolean value) {
        return fill_(value ? 1L : 0L);
    }

    /**
     * Sets every element to the value of the 0-dim tensor {@code value}, converted, as {@code torch.Tensor.fill_(Tensor)}:
     * one node FillBackward3, the value's gradient the sum of this tensor's.
     *
     * @throws IllegalArgumentException for a value that is not 0-dim, with PyTorch's message
     */
    public Tensor fill_(Tensor value) {
        Args.require(value, "fill_", "value", 1, "Tensor");
        return InplaceOps.fillTensor_(this, value);
    }

    /** Copies {@code src} (broadcast, converted) into this tensor. */
    public Tensor copy_(Tensor src) {
        Args.require(src, "copy_", "src", 1, "Tensor");
        return InplaceOps.copy_(this, src);
    }

    // ------------------------------------------------------------------ in-place activations and unary ops (session 18)

    /**
     * {@code max(this, 0)} in place, as {@code torch.Tensor.relu_}: recorded as ReluBackward0 (PyTorch's node for
     * relu_); refuses a leaf that requires grad and a bool tensor, with PyTorch's messages.
     */
    public Tensor relu_() {
        return QuantizedActivations.inPlace(this, () -> InplaceOps.relu_(this));
    }

    /** {@code sigmoid} in place (SigmoidBackward0); an integer tensor is refused (its result would be floating). */
    public Tensor sigmoid_() {
        return InplaceOps.unary_(this, Tensor::sigmoid, ArithmeticOps.Fn.SIGMOID);
    }

    /** {@code tanh} in place (TanhBackward0); an integer tensor is refused (its result would be floating). */
    public Tensor tanh_() {
        return InplaceOps.unary_(this, Tensor::tanh, ArithmeticOps.Fn.TANH);
    }

    /** {@code exp} in place (ExpBackward0); an integer tensor is refused (its result would be floating). */
    public Tensor exp_() {
        return InplaceOps.unary_(this, Tensor::exp, ArithmeticOps.Fn.EXP);
    }

    /** {@code -this} in place (NegBackward0); a bool tensor is refused, as PyTorch's neg_. */
    public Tensor neg_() {
        if (dtype == DType.BOOL) {
            // neg's meta check of the type comes after autograd's checks and before the iterator's overlap check
            InplaceOps.checkInplace(this, List.of(), false);
            neg();
        }
        return InplaceOps.unary_(this, Tensor::neg, ArithmeticOps.Fn.NEG);
    }

    /** {@code |this|} in place (AbsBackward0). */
    public Tensor abs_() {
        if (dtype.isComplex()) {
            throw new IllegalArgumentException("In-place abs is not supported for complex tensors.");
        }
        return InplaceOps.inplace(this, List.of(), Tensor::abs);
    }

    /** Square root in place (SqrtBackward0); an integer tensor is refused (its result would be floating). */
    public Tensor sqrt_() {
        return InplaceOps.unary_(this, Tensor::sqrt, ArithmeticOps.Fn.SQRT);
    }

    /** Natural logarithm in place (LogBackward0); an integer tensor is refused (its result would be floating). */
    public Tensor log_() {
        return InplaceOps.inplace(this, List.of(), Tensor::log);
    }

    /** {@code max(this, min)} in place, as {@code torch.Tensor.clamp_min_} (ClampMinBackward0). */
    public Tensor clampMin_(double min) {
        return InplaceOps.inplace(this, List.of(), t -> t.clampMin(min), true);
    }

    /** {@code min(this, max)} in place, as {@code torch.Tensor.clamp_max_} (ClampMaxBackward0). */
    public Tensor clampMax_(double max) {
        return InplaceOps.inplace(this, List.of(), t -> t.clampMax(max), true);
    }

    // ------------------------------------------------------------------ attention (issue 15)

    /**
     * {@code torch.nn.functional.scaled_dot_product_attention(query, key, value, attn_mask, dropout_p, is_causal, scale,
     * enable_gqa)}: {@code softmax(q k^T scale + mask) v} with PyTorch 2.x's CPU semantics, fused (one node
     * ScaledDotProductFlashAttentionForCpuBackward0, on CUDA ScaledDotProductEfficientAttentionBackward0) or composed as PyTorch chooses; {@code attnMask}, {@code scale} and
     * {@code generator} (dropout's, default generator when null) may be null. Dropout ({@code 0 < dropoutP < 1}) takes
     * the composition on the CPU, as PyTorch's CPU dispatch; on CUDA it runs inside the fused kernel (as PyTorch's flash
     * and memory-efficient kernels), the mask regenerated in the backward rather than stored, and it draws the same
     * elements as the composition from the same generator state (which it advances alike, by B * H * L * S).
     */
    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor attnMask, double dropoutP,
                                                   boolean isCausal, Double scale, boolean enableGqa, Generator generator) {
        Args.require(query, "scaled_dot_product_attention", "query", 1, "Tensor");
        Args.require(key, "scaled_dot_product_attention", "key", 2, "Tensor");
        Args.require(value, "scaled_dot_product_attention", "value", 3, "Tensor");
        return AttentionOps.scaledDotProductAttention(query, key, value, attnMask, dropoutP, isCausal, scale, enableGqa,
                generator);
    }

    // ------------------------------------------------------------------ reductions

    /** Sum of all elements. */
    public Tensor sum() {
        return ReductionOps.sum(this, null, false);
    }

    /** Sum over one dimension. */
    public Tensor sum(int dim) {
        return ReductionOps.sum(this, new int[] {dim}, false);
    }

    /** Sum over one dimension, kept as size 1 when {@code keepdim}, as {@code x.sum(dim, keepdim=True)}. */
    public Tensor sum(int dim, boolean keepdim) {
        return ReductionOps.sum(this, new int[] {dim}, keepdim);
    }

    /** Sum over dimensions, keeping them as size 1 when {@code keepdim}. */
    public Tensor sum(int[] dims, boolean keepdim) {
        return ReductionOps.sum(this, dims, keepdim);
    }

    /** Mean of all elements. */
    public Tensor mean() {
        return ReductionOps.mean(this, null, false);
    }

    /** Mean over one dimension. */
    public Tensor mean(int dim) {
        return ReductionOps.mean(this, new int[] {dim}, false);
    }

    /** Mean over one dimension, kept as size 1 when {@code keepdim}, as {@code x.mean(dim, keepdim=True)}. */
    public Tensor mean(int dim, boolean keepdim) {
        return ReductionOps.mean(this, new int[] {dim}, keepdim);
    }

    /** Mean over dimensions. */
    public Tensor mean(int[] dims, boolean keepdim) {
        return ReductionOps.mean(this, dims, keepdim);
    }

    /** Product of all elements. */
    public Tensor prod() {
        return ReductionOps.prod(this);
    }

    /** Largest element. */
    public Tensor max() {
        return ReductionOps.maxAll(this, true);
    }

    /** Largest values along a dimension and their indices. */
    public ValuesIndices max(int dim, boolean keepdim) {
        return ReturnTypes.named(ReductionOps.maxDim(this, dim, keepdim, true), "torch.return_types.max");
    }

    /** Largest values along a dimension and their indices, the dimension removed, as {@code x.max(dim)}. */
    public ValuesIndices max(int dim) {
        return max(dim, false);
    }

    /** Smallest element. */
    public Tensor min() {
        return ReductionOps.maxAll(this, false);
    }

    /** Smallest values along a dimension and their indices. */
    public ValuesIndices min(int dim, boolean keepdim) {
        return ReturnTypes.named(ReductionOps.maxDim(this, dim, keepdim, false), "torch.return_types.min");
    }

    /** Smallest values along a dimension and their indices, the dimension removed, as {@code x.min(dim)}. */
    public ValuesIndices min(int dim) {
        return min(dim, false);
    }

    /** Index of the largest element in the flattened tensor. */
    public Tensor argmax() {
        return ReductionOps.argmaxAll(this, true);
    }

    /** Indices of the largest elements along a dimension. */
    public Tensor argmax(int dim, boolean keepdim) {
        return ReductionOps.argmax(this, dim, keepdim, true);
    }

    /** Indices of the largest elements along a dimension, the dimension removed, as {@code x.argmax(dim)}. */
    public Tensor argmax(int dim) {
        return argmax(dim, false);
    }

    /** Index of the smallest element in the flattened tensor. */
    public Tensor argmin() {
        return ReductionOps.argmaxAll(this, false);
    }

    /** Indices of the smallest elements along a dimension. */
    public Tensor argmin(int dim, boolean keepdim) {
        return ReductionOps.argmax(this, dim, keepdim, false);
    }

    /** Indices of the smallest elements along a dimension, the dimension removed, as {@code x.argmin(dim)}. */
    public Tensor argmin(int dim) {
        return argmin(dim, false);
    }

    /** Unbiased variance of all elements (Bessel's correction). */
    public Tensor var() {
        return ReductionOps.var(this, null, 1, false);
    }

    /** Variance over dimensions with a correction (1: unbiased, 0: population). */
    public Tensor var(int[] dims, int correction, boolean keepdim) {
        return ReductionOps.var(this, dims, correction, keepdim);
    }

    /**
     * Variance over dimensions (null or empty: all) divided by {@code max(0, N - correction)} for any real
     * {@code correction}, as PyTorch 2.1+'s {@code var(dim, correction=0.5)} ({@code Scalar? correction}; 1.13 took
     * only an integer).
     *
     * @param dims the dimensions reduced
     * @param correction subtracted from the number of elements reduced
     * @param keepdim whether the reduced dimensions are kept with size 1
     * @return the variance
     */
    public Tensor var(int[] dims, double correction, boolean keepdim) {
        return ReductionOps.var(this, dims, correction, keepdim);
    }

    /** Unbiased variance over one dimension (Bessel's correction), the dimension removed, as {@code x.var(dim)}. */
    public Tensor var(int dim) {
        return var(new int[] {dim}, 1, false);
    }

    /** Unbiased variance over one dimension, kept as size 1 when {@code keepdim}, as {@code x.var(dim, keepdim=True)}. */
    public Tensor var(int dim, boolean keepdim) {
        return var(new int[] {dim}, 1, keepdim);
    }

    /**
     * Unbiased variance over dimensions, kept as size 1 when {@code keepdim}, as {@code x.var(dim=(2, 3),
     * keepdim=True)} (AdaIN's per-channel statistics); {@link #var(int[], int, boolean)} with correction 1.
     */
    public Tensor var(int[] dims, boolean keepdim) {
        return var(dims, 1, keepdim);
    }

    /** Unbiased standard deviation of all elements. */
    public Tensor std() {
        return ReductionOps.std(this, null, 1, false);
    }

    /** Standard deviation over dimensions with a correction (1: unbiased, 0: population). */
    public Tensor std(int[] dims, int correction, boolean keepdim) {
        return ReductionOps.std(this, dims, correction, keepdim);
    }

    /**
     * Standard deviation over dimensions (null or empty: all) with any real {@code correction}, as PyTorch 2.1+'s
     * {@code std(dim, correction=0.5)} (see {@link #var(int[], double, boolean)}).
     *
     * @param dims the dimensions reduced
     * @param correction subtracted from the number of elements reduced
     * @param keepdim whether the reduced dimensions are kept with size 1
     * @return the standard deviation
     */
    public Tensor std(int[] dims, double correction, boolean keepdim) {
        return ReductionOps.std(this, dims, correction, keepdim);
    }

    /** Unbiased standard deviation over one dimension (Bessel's correction), the dimension removed, as {@code x.std(dim)}. */
    public Tensor std(int dim) {
        return std(new int[] {dim}, 1, false);
    }

    /** Unbiased standard deviation over one dimension, kept as size 1 when {@code keepdim}, as {@code x.std(dim, keepdim=True)}. */
    public Tensor std(int dim, boolean keepdim) {
        return std(new int[] {dim}, 1, keepdim);
    }

    /**
     * Unbiased standard deviation over dimensions, kept as size 1 when {@code keepdim}, as {@code x.std(dim=(0, 2, 3),
     * keepdim=True)} (ActNorm's data-dependent scale); {@link #std(int[], int, boolean)} with correction 1.
     */
    public Tensor std(int[] dims, boolean keepdim) {
        return std(dims, 1, keepdim);
    }

    /** Softmax along a dimension. */
    public Tensor softmax(int dim) {
        return ReductionOps.softmax(this, dim, false);
    }

    /** Log-softmax along a dimension. */
    public Tensor logSoftmax(int dim) {
        return ReductionOps.softmax(this, dim, true);
    }

    /**
     * Values and indices, as returned by {@code max(dim)}, {@code min(dim)}, {@code sort}, {@code topk},
     * {@code kthvalue}, {@code median(dim)}, {@code nanmedian(dim)}, {@code mode}, {@code cummax}, {@code cummin} and
     * the poolings' {@code return_indices}.
     */
    public record ValuesIndices(Tensor values, Tensor indices) {
        /**
         * PyTorch's repr of the op's result: {@code torch.return_types.max(\nvalues=tensor(...),\nindices=tensor(...))}
         * under the op's name for the ops above (max, sort, topk, ...), a plain tuple {@code (tensor(...), tensor(...))}
         * for a pooling's {@code return_indices} and for a record built by its constructor.
         */
        @Override
        public String toString() {
            return ReturnTypes.repr(ReturnTypes.nameOf(this, ""), "values", values, "indices", indices);
        }
    }

    /** Python's repr of a tuple of tensors (null as None). */
    static String pyTuple(Object... items) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < items.length; i++) {
            sb.append(i > 0 ? ", " : "").append(items[i] == null ? "None" : items[i]);
        }
        return sb.append(items.length == 1 ? ",)" : ")").toString();
    }

    /** Python's repr of a structseq: its name, then each field on its own line. */
    static String structseq(String name, Object... fieldsAndValues) {
        StringBuilder sb = new StringBuilder(name).append('(');
        for (int i = 0; i < fieldsAndValues.length; i += 2) {
            sb.append(i > 0 ? "," : "").append('\n').append(fieldsAndValues[i]).append('=')
                    .append(fieldsAndValues[i + 1] == null ? "None" : fieldsAndValues[i + 1]);
        }
        return sb.append(')').toString();
    }

    // ---- reductions over lists of dims (issue 14)

    /** Product over one dimension, as {@code torch.prod(input, dim, keepdim)} (integers and bool give int64). */
    public Tensor prod(int dim, boolean keepdim) {
        return ReductionOps.prod(this, dim, keepdim);
    }

    /** Sum over dimensions (null or empty: all) computed in {@code dtype}, as {@code torch.sum(..., dtype=...)}. */
    public Tensor sum(int[] dims, boolean keepdim, DType dtype) {
        Args.require(dtype, "sum", "dtype", 3, "torch.dtype");
        return ReductionOps.sum(this, dims, keepdim, dtype);
    }

    /** Sum of all elements computed in {@code dtype}. */
    public Tensor sum(DType dtype) {
        Args.require(dtype, "sum", "dtype", 1, "torch.dtype");
        return ReductionOps.sum(this, null, false, dtype);
    }

    // ---- session 18: quantiles, aminmax, msort, the dtype argument of the reductions and scans

    /** The {@code q}-th quantile of all elements with linear interpolation, as {@code torch.quantile(input, q)}. */
    public Tensor quantile(double q) {
        return QuantileOps.quantile(this, q, null, false, "linear", false);
    }

    /**
     * {@code torch.quantile(input, q, dim, keepdim, interpolation)}: {@code dim} null for all elements (flattened);
     * {@code interpolation} one of {@code linear}, {@code lower}, {@code higher}, {@code midpoint}, {@code nearest}. A
     * NaN among the values gives NaN. Float32 and float64 only; {@code q} in [0, 1]. Composed as PyTorch's (sort,
     * gather, lerp), so the gradient flows to the values the result was taken from.
     */
    public Tensor quantile(double q, Integer dim, boolean keepdim, String interpolation) {
        Args.require(interpolation, "quantile", "interpolation", 4, "str");
        return QuantileOps.quantile(this, q, dim, keepdim, interpolation, false);
    }

    /** The quantiles {@code q} (0-dim or 1-D, this tensor's type) of all elements, linear, as {@code torch.quantile}. */
    public Tensor quantile(Tensor q) {
        Args.require(q, "quantile", "q", 1, "Tensor");
        return QuantileOps.quantile(this, q, null, false, "linear", false);
    }

    /**
     * {@code torch.quantile(input, q, dim, keepdim, interpolation)} for a tensor {@code q}: a 1-D {@code q} puts its
     * dimension first in the result.
     */
    public Tensor quantile(Tensor q, Integer dim, boolean keepdim, String interpolation) {
        Args.require(q, "quantile", "q", 1, "Tensor");
        Args.require(interpolation, "quantile", "interpolation", 4, "str");
        return QuantileOps.quantile(this, q, dim, keepdim, interpolation, false);
    }

    /** {@link #quantile(double)} ignoring NaN, as {@code torch.nanquantile} (all NaN gives NaN). */
    public Tensor nanquantile(double q) {
        return QuantileOps.quantile(this, q, null, false, "linear", true);
    }

    /** {@link #quantile(double, Integer, boolean, String)} ignoring NaN, as {@code torch.nanquantile}. */
    public Tensor nanquantile(double q, Integer dim, boolean keepdim, String interpolation) {
        Args.require(interpolation, "nanquantile", "interpolation", 4, "str");
        return QuantileOps.quantile(this, q, dim, keepdim, interpolation, true);
    }

    /** {@link #quantile(Tensor)} ignoring NaN, as {@code torch.nanquantile}. */
    public Tensor nanquantile(Tensor q) {
        Args.require(q, "nanquantile", "q", 1, "Tensor");
        return QuantileOps.quantile(this, q, null, false, "linear", true);
    }

    /** {@link #quantile(Tensor, Integer, boolean, String)} ignoring NaN, as {@code torch.nanquantile}. */
    public Tensor nanquantile(Tensor q, Integer dim, boolean keepdim, String interpolation) {
        Args.require(q, "nanquantile", "q", 1, "Tensor");
        Args.require(interpolation, "nanquantile", "interpolation", 4, "str");
        return QuantileOps.quantile(this, q, dim, keepdim, interpolation, true);
    }

    /** The smallest and largest values, as returned by {@link #aminmax}. */
    public record MinMax(Tensor min, Tensor max) {
        /** PyTorch's repr, {@code torch.return_types.aminmax(\nmin=tensor(...),\nmax=tensor(...))}. */
        @Override
        public String toString() {
            return structseq("torch.return_types.aminmax", "min", min, "max", max);
        }
    }

    /** The smallest and largest elements, as {@code torch.aminmax(input)} (NaN propagates; node AminmaxBackward0). */
    public MinMax aminmax() {
        Tensor[] r = ReductionOps.aminmax(this, null, false);
        return new MinMax(r[0], r[1]);
    }

    /**
     * {@code torch.aminmax(input, dim=dim, keepdim=keepdim)}: {@code dim} null for all elements (then {@code keepdim}
     * keeps every dimension as size 1); ties share the gradient, as amin's and amax's.
     */
    public MinMax aminmax(Integer dim, boolean keepdim) {
        Tensor[] r = ReductionOps.aminmax(this, dim, keepdim);
        return new MinMax(r[0], r[1]);
    }

    /** Sorted along the first dimension, as {@code torch.msort} ({@code sort(dim=0).values}, SortBackward0). */
    public Tensor msort() {
        return QuantileOps.msort(this);
    }

    /** Mean of all elements computed in {@code dtype} (floating), as {@code torch.mean(input, dtype=...)}. */
    public Tensor mean(DType dtype) {
        Args.require(dtype, "mean", "dtype", 1, "torch.dtype");
        return ReductionOps.mean(this, null, false, dtype);
    }

    /** Mean over dimensions computed in {@code dtype} (floating), as {@code torch.mean(input, dims, keepdim, dtype=...)}. */
    public Tensor mean(int[] dims, boolean keepdim, DType dtype) {
        Args.require(dtype, "mean", "dtype", 3, "torch.dtype");
        return ReductionOps.mean(this, dims, keepdim, dtype);
    }

    /** Product of all elements computed in {@code dtype}, as {@code torch.prod(input, dtype=...)}. */
    public Tensor prod(DType dtype) {
        Args.require(dtype, "prod", "dtype", 1, "torch.dtype");
        return ReductionOps.prod(this, null, false, dtype);
    }

    /** Product over one dimension computed in {@code dtype}, as {@code torch.prod(input, dim, keepdim, dtype=...)}. */
    public Tensor prod(int dim, boolean keepdim, DType dtype) {
        Args.require(dtype, "prod", "dtype", 3, "torch.dtype");
        return ReductionOps.prod(this, dim, keepdim, dtype);
    }

    /** Cumulative sum computed in {@code dtype}, as {@code torch.cumsum(input, dim, dtype=...)}. */
    public Tensor cumsum(int dim, DType dtype) {
        Args.require(dtype, "cumsum", "dtype", 2, "torch.dtype");
        return SortOps.cumsum(this, dim, dtype);
    }

    /** Cumulative product computed in {@code dtype}, as {@code torch.cumprod(input, dim, dtype=...)}. */
    public Tensor cumprod(int dim, DType dtype) {
        Args.require(dtype, "cumprod", "dtype", 2, "torch.dtype");
        return SortOps.cumprod(this, dim, dtype);
    }

    /**
     * Softmax of this tensor converted to {@code dtype} first, as {@code torch.softmax(input, dim, dtype=...)}
     * (SoftmaxBackward0 over ToCopyBackward0 where the type changes).
     */
    public Tensor softmax(int dim, DType dtype) {
        Args.require(dtype, "softmax", "dtype", 2, "torch.dtype");
        return ReductionOps.softmax(this, dim, false, dtype);
    }

    /** Log-softmax of this tensor converted to {@code dtype} first, as {@code torch.log_softmax(input, dim, dtype=...)}. */
    public Tensor logSoftmax(int dim, DType dtype) {
        Args.require(dtype, "log_softmax", "dtype", 2, "torch.dtype");
        return ReductionOps.softmax(this, dim, true, dtype);
    }

    /** Largest values over dimensions (null or empty: all), as {@code torch.amax}; ties share the gradient. */
    public Tensor amax(int[] dims, boolean keepdim) {
        return ReductionOps.amax(this, dims, keepdim, true);
    }

    /** Largest value of all elements, as {@code torch.amax(input)}. */
    public Tensor amax() {
        return ReductionOps.amax(this, null, false, true);
    }

    /** Smallest values over dimensions (null or empty: all), as {@code torch.amin}; ties share the gradient. */
    public Tensor amin(int[] dims, boolean keepdim) {
        return ReductionOps.amax(this, dims, keepdim, false);
    }

    /** Smallest value of all elements, as {@code torch.amin(input)}. */
    public Tensor amin() {
        return ReductionOps.amax(this, null, false, false);
    }

    /** Variance and mean, as returned by {@link #varMean}. */
    public record VarMean(Tensor var, Tensor mean) {
        /** PyTorch's repr of the tuple {@code torch.var_mean} returns: {@code (tensor(...), tensor(...))}. */
        @Override
        public String toString() {
            return pyTuple(var, mean);
        }
    }

    /** Standard deviation and mean, as returned by {@link #stdMean}. */
    public record StdMean(Tensor std, Tensor mean) {
        /** PyTorch's repr of the tuple {@code torch.std_mean} returns: {@code (tensor(...), tensor(...))}. */
        @Override
        public String toString() {
            return pyTuple(std, mean);
        }
    }

    /** Variance (with a correction) and mean over dimensions (null or empty: all), as {@code torch.var_mean}. */
    public VarMean varMean(int[] dims, int correction, boolean keepdim) {
        Tensor[] r = ReductionOps.varMean(this, dims, correction, keepdim, false);
        return new VarMean(r[0], r[1]);
    }

    /**
     * Variance with any real {@code correction} and mean over dimensions (null or empty: all), as PyTorch 2.1+'s
     * {@code torch.var_mean(x, dim, correction=0.5)}.
     *
     * @param dims the dimensions reduced
     * @param correction subtracted from the number of elements reduced
     * @param keepdim whether the reduced dimensions are kept with size 1
     * @return the variance and the mean
     */
    public VarMean varMean(int[] dims, double correction, boolean keepdim) {
        Tensor[] r = ReductionOps.varMean(this, dims, correction, keepdim, false);
        return new VarMean(r[0], r[1]);
    }

    /** Unbiased variance and mean of all elements. */
    public VarMean varMean() {
        return varMean(null, 1, false);
    }

    /** Standard deviation (with a correction) and mean over dimensions (null or empty: all), as {@code torch.std_mean}. */
    public StdMean stdMean(int[] dims, int correction, boolean keepdim) {
        Tensor[] r = ReductionOps.varMean(this, dims, correction, keepdim, true);
        return new StdMean(r[0], r[1]);
    }

    /**
     * Standard deviation with any real {@code correction} and mean over dimensions (null or empty: all), as PyTorch
     * 2.1+'s {@code torch.std_mean(x, dim, correction=0.5)}.
     *
     * @param dims the dimensions reduced
     * @param correction subtracted from the number of elements reduced
     * @param keepdim whether the reduced dimensions are kept with size 1
     * @return the standard deviation and the mean
     */
    public StdMean stdMean(int[] dims, double correction, boolean keepdim) {
        Tensor[] r = ReductionOps.varMean(this, dims, correction, keepdim, true);
        return new StdMean(r[0], r[1]);
    }

    /** Unbiased standard deviation and mean of all elements. */
    public StdMean stdMean() {
        return stdMean(null, 1, false);
    }

    /** {@code log(sum(exp(this)))} over dimensions (null or empty: all) without overflow, as {@code torch.logsumexp}. */
    public Tensor logsumexp(int[] dims, boolean keepdim) {
        return ReductionOps.logsumexp(this, dims, keepdim);
    }

    /** {@code logsumexp} over one dimension. */
    public Tensor logsumexp(int dim) {
        return ReductionOps.logsumexp(this, new int[] {dim}, false);
    }

    /** The 2-norm of all elements, as {@code tensor.norm()} (in PyTorch 2.x {@code linalg.vector_norm}). */
    public Tensor norm() {
        return ReductionOps.vectorNorm(this, 2, null, false);
    }

    /** The p-norm of all elements (p any real, inf, -inf; 0 counts the non-zero elements), as {@code tensor.norm(p)}. */
    public Tensor norm(double p) {
        return ReductionOps.vectorNorm(this, p, null, false);
    }

    /** The p-norm over dimensions (null or empty: all), as {@code tensor.norm(p, dim, keepdim)}. */
    public Tensor norm(double p, int[] dims, boolean keepdim) {
        return ReductionOps.vectorNorm(this, p, dims, keepdim);
    }

    /**
     * {@code torch.norm(this, p, dim, keepdim, dtype=dtype)}: 2.x's torch.norm is
     * {@code linalg.vector_norm(this, p, dim, keepdim, dtype=dtype)} ({@link #vectorNorm(double, int[], boolean, DType)}).
     */
    public Tensor norm(double p, int[] dims, boolean keepdim, DType dtype) {
        return ReductionOps.vectorNorm(this, p, dims, keepdim, dtype);
    }

    /**
     * {@code torch.norm(this, p, dim, keepdim, dtype=dtype)} with "fro" ({@code vector_norm(this, 2, ...)}) or "nuc"
     * ({@code linalg.matrix_norm(this, "nuc", dim or all dims, keepdim, dtype=dtype)}), as 2.x's torch.norm.
     */
    public Tensor norm(String p, int[] dims, boolean keepdim, DType dtype) {
        Args.require(p, "norm", "p", 1, "str");
        if (!"fro".equals(p)) {
            int[] all = new int[dim()];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            return ReductionOps.matrixNorm(this, p, dims == null ? all : dims, keepdim, dtype);
        }
        return ReductionOps.vectorNorm(this, 2, dims, keepdim, dtype);
    }

    /** {@code tensor.norm("fro", dim, keepdim)}: the 2-norm of the elements over dims (null or empty: all). */
    public Tensor norm(String p, int[] dims, boolean keepdim) {
        Args.require(p, "norm", "p", 1, "str");
        if (!"fro".equals(p)) {
            return ReductionOps.matrixNorm(this, p, dims == null ? new int[] {0, 1} : dims, keepdim);
        }
        return ReductionOps.vectorNorm(this, 2, dims, keepdim);
    }

    /** {@code torch.linalg.vector_norm(this, ord, dim, keepdim)} (dims null or empty: all). */
    public Tensor vectorNorm(double ord, int[] dims, boolean keepdim) {
        return ReductionOps.vectorNorm(this, ord, dims, keepdim);
    }

    /**
     * {@code torch.linalg.vector_norm(this, ord, dim, keepdim, dtype=dtype)}: computed in and returned as {@code dtype}
     * (null: the input's type), which must be a floating type the input's type converts to without narrowing
     * (float16 to float32 or float64, float32 to float64), as PyTorch.
     */
    public Tensor vectorNorm(double ord, int[] dims, boolean keepdim, DType dtype) {
        return ReductionOps.vectorNorm(this, ord, dims, keepdim, dtype);
    }

    /**
     * {@code torch.linalg.matrix_norm(this, ord, dim, keepdim)} for ord 1, -1, inf, -inf, 2, -2 over two dims (null:
     * the last two); 2 and -2 are the largest and smallest singular values.
     */
    public Tensor matrixNorm(double ord, int[] dims, boolean keepdim) {
        return ReductionOps.matrixNorm(this, ord, dims == null ? new int[] {-2, -1} : dims, keepdim);
    }

    /** {@code torch.linalg.matrix_norm(this, ord, dim, keepdim)} for ord "fro" or "nuc" (the sum of the singular values). */
    public Tensor matrixNorm(String ord, int[] dims, boolean keepdim) {
        Args.require(ord, "matrix_norm", "ord", 1, "str");
        return ReductionOps.matrixNorm(this, ord, dims == null ? new int[] {-2, -1} : dims, keepdim);
    }

    /**
     * {@code torch.linalg.matrix_norm(this, ord, dim, keepdim, dtype=dtype)}: the input and dims checked first, then
     * {@code dtype} (floating, complex exactly for a complex input, no narrowing), in which the norm is computed.
     */
    public Tensor matrixNorm(double ord, int[] dims, boolean keepdim, DType dtype) {
        return ReductionOps.matrixNorm(this, ord, dims == null ? new int[] {-2, -1} : dims, keepdim, dtype);
    }

    /** {@code torch.linalg.matrix_norm(this, ord, dim, keepdim, dtype=dtype)} for ord "fro" or "nuc". */
    public Tensor matrixNorm(String ord, int[] dims, boolean keepdim, DType dtype) {
        Args.require(ord, "matrix_norm", "ord", 1, "str");
        return ReductionOps.matrixNorm(this, ord, dims == null ? new int[] {-2, -1} : dims, keepdim, dtype);
    }

    /** The Frobenius norm of the last two dimensions, as {@code torch.linalg.matrix_norm(this)}. */
    public Tensor matrixNorm() {
        return ReductionOps.matrixNorm(this, "fro", new int[] {-2, -1}, false);
    }

    /** Whether any element is non-zero (NaN counts), over dimensions (null or empty: all), bool, as {@code torch.any}. */
    public Tensor any(int[] dims, boolean keepdim) {
        return ReductionOps.anyAll(this, dims, keepdim, true);
    }

    /** {@code any} over one dimension. */
    public Tensor any(int dim) {
        return ReductionOps.anyAll(this, new int[] {dim}, false, true);
    }

    /** Whether any element is non-zero (as {@link #all()}, a Java boolean). */
    public boolean any() {
        return ReductionOps.allTrue(ReductionOps.anyAll(this, null, false, true));
    }

    /** Whether every element is non-zero, over dimensions (null or empty: all), bool, as {@code torch.all}. */
    public Tensor all(int[] dims, boolean keepdim) {
        return ReductionOps.anyAll(this, dims, keepdim, false);
    }

    /** {@code all} over one dimension. */
    public Tensor all(int dim) {
        return ReductionOps.anyAll(this, new int[] {dim}, false, false);
    }

    /** The number of non-zero elements over dimensions (none: all), int64, as {@code torch.count_nonzero}. */
    public Tensor countNonzero(int... dims) {
        return ReductionOps.countNonzero(this, dims);
    }

    /** Sum of all elements, NaN counted as 0, as {@code torch.nansum}. */
    public Tensor nansum() {
        return ReductionOps.nansum(this, null, false);
    }

    /** Sum over dimensions (null or empty: all), NaN counted as 0. */
    public Tensor nansum(int[] dims, boolean keepdim) {
        return ReductionOps.nansum(this, dims, keepdim);
    }

    /**
     * Sum over dimensions (null or empty: all), NaN counted as 0, computed in {@code dtype}, as
     * {@code torch.nansum(..., dtype=...)}: a floating input needs a floating {@code dtype}; an integer or bool input
     * is {@link #sum(int[], boolean, DType)}.
     */
    public Tensor nansum(int[] dims, boolean keepdim, DType dtype) {
        Args.require(dtype, "nansum", "dtype", 3, "torch.dtype");
        return ReductionOps.nansum(this, dims, keepdim, dtype);
    }

    /** Sum of all elements, NaN counted as 0, computed in {@code dtype}, as {@code torch.nansum(input, dtype=...)}. */
    public Tensor nansum(DType dtype) {
        Args.require(dtype, "nansum", "dtype", 1, "torch.dtype");
        return ReductionOps.nansum(this, null, false, dtype);
    }

    /** Mean of the elements that are not NaN, as {@code torch.nanmean} (NaN where all are). */
    public Tensor nanmean() {
        return ReductionOps.nanmean(this, null, false);
    }

    /** Mean over dimensions (null or empty: all) of the elements that are not NaN. */
    public Tensor nanmean(int[] dims, boolean keepdim) {
        return ReductionOps.nanmean(this, dims, keepdim);
    }

    /**
     * Mean over dimensions (null or empty: all) of the elements that are not NaN, their sum computed in {@code dtype}
     * (floating), as {@code torch.nanmean(..., dtype=...)}.
     */
    public Tensor nanmean(int[] dims, boolean keepdim, DType dtype) {
        Args.require(dtype, "nanmean", "dtype", 3, "torch.dtype");
        return ReductionOps.nanmean(this, dims, keepdim, dtype);
    }

    /** Mean of the elements that are not NaN, their sum computed in {@code dtype}, as {@code torch.nanmean(input, dtype=...)}. */
    public Tensor nanmean(DType dtype) {
        Args.require(dtype, "nanmean", "dtype", 1, "torch.dtype");
        return ReductionOps.nanmean(this, null, false, dtype);
    }

    /**
     * Mean squared error, as {@code torch._C._nn.mse_loss} (what {@code F.mse_loss} calls after broadcasting): one
     * node, MseLossBackward0. {@link dev.ember.nn.Functional#mseLoss} adds PyTorch's size warning.
     */
    public static Tensor mseLoss(Tensor input, Tensor target, String reduction) {
        return LossOps.mseLoss(input, target, reduction);
    }

    /** Smooth L1 loss with {@code beta > 0}, as {@code torch._C._nn.smooth_l1_loss}: one node, SmoothL1LossBackward0. */
    public static Tensor smoothL1Loss(Tensor input, Tensor target, String reduction, double beta) {
        return LossOps.smoothL1Loss(input, target, reduction, beta);
    }

    /** Huber loss with {@code delta > 0}, as {@code torch._C._nn.huber_loss}: one node, HuberLossBackward0. */
    public static Tensor huberLoss(Tensor input, Tensor target, String reduction, double delta) {
        return LossOps.huberLoss(input, target, reduction, delta);
    }

    // ------------------------------------------------------------------ margin and likelihood losses, distances

    /**
     * {@code torch.hinge_embedding_loss}: {@code where(target != 1, max(0, margin - x), 0) + where(target != -1, x, 0)},
     * reduced; PyTorch's composition and nodes.
     */
    public static Tensor hingeEmbeddingLoss(Tensor input, Tensor target, double margin, String reduction) {
        return LossOps2.hingeEmbeddingLoss(input, target, margin, reduction);
    }

    /**
     * {@code torch.triplet_margin_loss}: {@code max(0, margin + d(a, p) - d(a, n))} over pairwise p-distances (with
     * {@code swap}, {@code d(a, n)} is the smaller of it and {@code d(p, n)}), reduced; PyTorch's composition and nodes.
     */
    public static Tensor tripletMarginLoss(Tensor anchor, Tensor positive, Tensor negative, double margin, double p,
                                           double eps, boolean swap, String reduction) {
        return LossOps2.tripletMarginLoss(anchor, positive, negative, margin, p, eps, swap, reduction);
    }

    /**
     * {@code torch.poisson_nll_loss}: {@code exp(x) - t x} ({@code logInput}) or {@code x - t log(x + eps)}, plus the
     * Stirling term for targets above 1 when {@code full}; reduced, PyTorch's composition and nodes.
     */
    public static Tensor poissonNllLoss(Tensor input, Tensor target, boolean logInput, boolean full, double eps,
                                        String reduction) {
        return LossOps2.poissonNllLoss(input, target, logInput, full, eps, reduction);
    }

    /**
     * {@code torch.ctc_loss}: the connectionist temporal classification loss of {@code logProbs} ({@code [T, N, C]},
     * or {@code [T, C]} unbatched) against {@code targets} (padded {@code [N, S]} or concatenated 1-D), with the
     * lengths as integral tensors; PyTorch 2.x's node CtcLossBackward0 and composition (see {@code CtcLossOps}).
     */
    public static Tensor ctcLoss(Tensor logProbs, Tensor targets, Tensor inputLengths, Tensor targetLengths, int blank,
                                 String reduction, boolean zeroInfinity) {
        return CtcLossOps.ctcLoss(logProbs, targets, inputLengths, targetLengths, blank, reduction, zeroInfinity);
    }

    /** {@code torch.ctc_loss} with the lengths as int lists. */
    public static Tensor ctcLoss(Tensor logProbs, Tensor targets, long[] inputLengths, long[] targetLengths, int blank,
                                 String reduction, boolean zeroInfinity) {
        return CtcLossOps.ctcLoss(logProbs, targets, inputLengths, targetLengths, blank, reduction, zeroInfinity);
    }

    /**
     * {@code torch.pairwise_distance(x1, x2, p, eps, keepdim)}: the p-norm of {@code x1 - x2 + eps} over the last
     * dimension (SubBackward0, AddBackward1, NormBackward1).
     */
    public static Tensor pairwiseDistance(Tensor x1, Tensor x2, double p, double eps, boolean keepdim) {
        return DistanceOps.pairwiseDistance(x1, x2, p, eps, keepdim);
    }

    /**
     * {@code torch.cosine_similarity(x1, x2, dim, eps)} as PyTorch 2.x computes it: each input divided by its 2-norm
     * over {@code dim} clamped at {@code eps}, multiplied and summed over {@code dim}.
     */
    public static Tensor cosineSimilarity(Tensor x1, Tensor x2, int dim, double eps) {
        return DistanceOps.cosineSimilarity(x1, x2, dim, eps);
    }

    /**
     * {@code torch.cdist(this, x2, p)}: the p-distances {@code [*, r1, r2]} between the rows of this {@code [*, r1, c]}
     * and {@code x2 [*, r2, c]}, batch dimensions broadcast, as PyTorch's default compute mode: for up to 25 rows on
     * each side, any p other than 2, or an empty input, the direct {@code _cdist_forward} (one node CdistBackward0); for
     * p 2 with more than 25 rows on a side, PyTorch's matrix-product path {@code _euclidean_dist}
     * ({@code sqrt(max(0, |x1|^2 - 2 x1 x2^T + |x2|^2))}, nodes EuclideanDistBackward0 then ViewBackward0), whose
     * rounding differs from the direct one's.
     */
    public Tensor cdist(Tensor x2, double p) {
        return DistanceOps.cdist(this, x2, p);
    }

    // ------------------------------------------------------------------ linear algebra

    /** Matrix product of two 2-D tensors. */
    public Tensor mm(Tensor other) {
        return LinalgOps.mm(this, other);
    }

    /** Batched matrix product of two 3-D tensors. */
    public Tensor bmm(Tensor other) {
        return LinalgOps.bmm(this, other);
    }

    /** Matrix product with PyTorch's rules for 1-D, 2-D and batched (broadcast) operands. */
    public Tensor matmul(Tensor other) {
        return LinalgOps.matmul(this, other);
    }

    /** Dot product of two 1-D tensors. */
    public Tensor dot(Tensor other) {
        return LinalgOps.dot(this, other);
    }

    /** Matrix times vector, as {@code torch.mv}. */
    public Tensor mv(Tensor vec) {
        Args.require(vec, "mv", "vec", 1, "Tensor");
        return LinalgOps.mv(this, vec);
    }

    /** {@code this + mat1 @ mat2}, as {@code torch.addmm}. */
    public Tensor addmm(Tensor mat1, Tensor mat2) {
        return addmm(mat1, mat2, 1, 1);
    }

    /** {@code beta * this + alpha * (mat1 @ mat2)}, as {@code torch.addmm(input, mat1, mat2, beta=, alpha=)}. */
    public Tensor addmm(Tensor mat1, Tensor mat2, double beta, double alpha) {
        Args.require(mat1, "addmm", "mat1", 1, "Tensor");
        Args.require(mat2, "addmm", "mat2", 2, "Tensor");
        return LinalgOps.addmm(this, mat1, mat2, beta, alpha);
    }

    /** {@code this + mat @ vec}, as {@code torch.addmv}. */
    public Tensor addmv(Tensor mat, Tensor vec) {
        return addmv(mat, vec, 1, 1);
    }

    /** {@code beta * this + alpha * (mat @ vec)}, as {@code torch.addmv(input, mat, vec, beta=, alpha=)}. */
    public Tensor addmv(Tensor mat, Tensor vec, double beta, double alpha) {
        Args.require(mat, "addmv", "mat", 1, "Tensor");
        Args.require(vec, "addmv", "vec", 2, "Tensor");
        return LinalgOps.addmv(this, mat, vec, beta, alpha);
    }

    /** {@code this + sum_b batch1[b] @ batch2[b]}, as {@code torch.addbmm}. */
    public Tensor addbmm(Tensor batch1, Tensor batch2) {
        return addbmm(batch1, batch2, 1, 1);
    }

    /** {@code beta * this + alpha * sum_b batch1[b] @ batch2[b]}, as {@code torch.addbmm(input, batch1, batch2, beta=, alpha=)}. */
    public Tensor addbmm(Tensor batch1, Tensor batch2, double beta, double alpha) {
        Args.require(batch1, "addbmm", "batch1", 1, "Tensor");
        Args.require(batch2, "addbmm", "batch2", 2, "Tensor");
        return LinalgOps.addbmm(this, batch1, batch2, beta, alpha);
    }

    /** {@code this + batch1 @ batch2} per batch, as {@code torch.baddbmm}. */
    public Tensor baddbmm(Tensor batch1, Tensor batch2) {
        return baddbmm(batch1, batch2, 1, 1);
    }

    /** {@code beta * this + alpha * (batch1 @ batch2)} per batch, as {@code torch.baddbmm(input, batch1, batch2, beta=, alpha=)}. */
    public Tensor baddbmm(Tensor batch1, Tensor batch2, double beta, double alpha) {
        Args.require(batch1, "baddbmm", "batch1", 1, "Tensor");
        Args.require(batch2, "baddbmm", "batch2", 2, "Tensor");
        return LinalgOps.baddbmm(this, batch1, batch2, beta, alpha);
    }

    /** Contracts the last {@code dims} dimensions of {@code a} with the first {@code dims} of {@code b}, as {@code torch.tensordot(a, b, dims)}. */
    public static Tensor tensordot(Tensor a, Tensor b, int dims) {
        Args.require(a, "tensordot", "a", 1, "Tensor");
        Args.require(b, "tensordot", "b", 2, "Tensor");
        return LinalgOps.tensordot(a, b, dims);
    }

    /** Contracts dimensions {@code dimsA} of {@code a} with {@code dimsB} of {@code b}, as {@code torch.tensordot(a, b, dims=(dimsA, dimsB))}. */
    public static Tensor tensordot(Tensor a, Tensor b, int[] dimsA, int[] dimsB) {
        Args.require(a, "tensordot", "a", 1, "Tensor");
        Args.require(b, "tensordot", "b", 2, "Tensor");
        Args.require(dimsA, "tensordot", "dims_a", 3, "tuple of ints");
        Args.require(dimsB, "tensordot", "dims_b", 4, "tuple of ints");
        return LinalgOps.tensordot(a, b, dimsA, dimsB);
    }

    /** The cross product of 3-vectors along {@code dim}, as {@code torch.cross(input, other, dim)}. */
    public Tensor cross(Tensor other, int dim) {
        Args.require(other, "cross", "other", 1, "Tensor");
        return LinalgOps.cross(this, other, dim);
    }

    /** The cross product of 3-vectors along the last dimension, as {@code torch.linalg.cross}. */
    public Tensor linalgCross(Tensor other) {
        return linalgCross(other, -1);
    }

    /** The cross product of 3-vectors along {@code dim}, broadcasting the other dimensions, as {@code torch.linalg.cross}. */
    public Tensor linalgCross(Tensor other, int dim) {
        Args.require(other, "linalg_cross", "other", 1, "Tensor");
        return LinalgOps.cross(this, other, dim);
    }

    /** Python's {@code ...} (Ellipsis) in an einsum subscripts list of {@link #einsum(Object...)}. */
    public static final int EINSUM_ELLIPSIS = Integer.MIN_VALUE;

    /**
     * Einstein summation in PyTorch's sublist format, {@code torch.einsum(op1, sublist1, op2, sublist2, ...,
     * [sublistOut])}: operands (Tensors) each followed by its subscripts ({@code int[]}: 0-51, the letters 'A'-'Z' then
     * 'a'-'z', and {@link #EINSUM_ELLIPSIS} for {@code ...}), then optionally the output's subscripts; e.g.
     * {@code einsum(a, new int[] {0, 1}, b, new int[] {1, 2}, new int[] {0, 2})} is {@code einsum("AB,BC->AC", a, b)}.
     * A subscript outside [0, 52) is PyTorch's "einsum(): subscript in subscript list is not within the valid range
     * [0, 52)". A String first argument is the equation form ({@link #einsum(String, Tensor...)}); a String followed by
     * one {@code List} of tensors is PyTorch's old interface with the operands as one list
     * ({@code torch.einsum("nc,nc->n", [q, k])}), the same as passing them one by one.
     */
    public static Tensor einsum(Object... operandsAndSublists) {
        return Einsum.sublist(operandsAndSublists);
    }

    /** Einstein summation, as {@code torch.einsum(equation, *operands)}: any equation PyTorch accepts, contracted through bmm. */
    public static Tensor einsum(String equation, Tensor... operands) {
        Args.require(equation, "einsum", "equation", 1, "str");
        return Einsum.einsum(equation, Args.tensors(Arrays.asList(Args.require(operands, "einsum", "operands", 2,
                "tuple of Tensors")), "einsum", "operands", 2));
    }

    /** The inverse of a (batch of) square matrix, as {@code torch.linalg.inv}; a singular one is a {@link LinAlgError}. */
    public Tensor linalgInv() {
        return LinalgDecompositions.inv(this);
    }

    /**
     * The inverse and the LU factorization's info of a (batch of) square matrix, as {@code torch.linalg.inv_ex(A,
     * check_errors=checkErrors)}: a singular matrix gets a non-zero info (int32, the batch shape) and no error unless
     * {@code checkErrors}.
     */
    public InvExResult linalgInvEx(boolean checkErrors) {
        return LinalgDecompositions.invEx(this, checkErrors);
    }

    /** The inverse of a (batch of) square matrix, as {@code Tensor.inverse} (an alias of {@link #linalgInv()}). */
    public Tensor inverse() {
        return LinalgDecompositions.inv(this);
    }

    /** X with {@code this @ X = B} (B a matrix or vector, batches broadcast), as {@code torch.linalg.solve}. */
    public Tensor linalgSolve(Tensor B) {
        Args.require(B, "linalg_solve", "B", 1, "Tensor");
        return LinalgDecompositions.solve(this, B);
    }

    /** The determinant of a (batch of) square matrix, as {@code torch.linalg.det}. */
    public Tensor linalgDet() {
        return LinalgDecompositions.det(this);
    }

    /** The determinant, as {@code Tensor.det} (an alias of {@link #linalgDet()}). */
    public Tensor det() {
        return LinalgDecompositions.det(this);
    }

    /**
     * The log of the determinant, as {@code torch.logdet}: NaN where the determinant is negative, -inf where it is
     * zero.
     */
    public Tensor logdet() {
        return LinalgDecompositions.logdet(this);
    }

    /**
     * The {@code n}-th power of a (batch of) square matrix, as {@code torch.linalg.matrix_power}: the identity for 0,
     * powers of the inverse for negative {@code n} (which needs a floating type).
     */
    public Tensor linalgMatrixPower(int n) {
        return LinalgDecompositions.matrixPower(this, n);
    }

    /** The {@code n}-th matrix power, as {@code Tensor.matrix_power} (an alias of {@link #linalgMatrixPower}). */
    public Tensor matrixPower(int n) {
        return LinalgDecompositions.matrixPower(this, n);
    }

    /**
     * The covariance matrix of the variables in the rows (observations in the columns; 1-D: one variable), as
     * {@code torch.cov(input)} with {@code correction = 1}.
     */
    public Tensor cov() {
        return CorrelationOps.cov(this, 1, null, null);
    }

    /**
     * The covariance matrix, as {@code torch.cov(input, correction, fweights, aweights)}: {@code fweights} (integer
     * frequencies) and {@code aweights} (floating observation weights) may be null.
     */
    public Tensor cov(int correction, Tensor fweights, Tensor aweights) {
        return CorrelationOps.cov(this, correction, fweights, aweights);
    }

    /** The Pearson correlation coefficients of the variables in the rows, clipped to [-1, 1], as {@code torch.corrcoef}. */
    public Tensor corrcoef() {
        return CorrelationOps.corrcoef(this);
    }

    /** The sign and the log of the absolute value of the determinant, as {@code torch.linalg.slogdet}. */
    public SlogdetResult linalgSlogdet() {
        return LinalgDecompositions.slogdet(this);
    }

    /** The sign and the log of the absolute value of the determinant, as {@code Tensor.slogdet}. */
    public SlogdetResult slogdet() {
        return ReturnTypes.named(LinalgDecompositions.slogdet(this), "torch.return_types.slogdet");
    }

    /** The lower Cholesky factor of a (batch of) symmetric positive-definite matrix, as {@code torch.linalg.cholesky}. */
    public Tensor linalgCholesky() {
        return LinalgDecompositions.cholesky(this, false);
    }

    /** The Cholesky factor, upper ({@code L^T}, from the upper triangle) when {@code upper}, as {@code torch.linalg.cholesky(A, upper=)}. */
    public Tensor linalgCholesky(boolean upper) {
        return LinalgDecompositions.cholesky(this, upper);
    }

    /**
     * The Cholesky factor and the factorization's info, as {@code torch.linalg.cholesky_ex(A, upper=upper,
     * check_errors=checkErrors)}: a matrix that is not positive-definite gets a non-zero info (int32, the batch shape)
     * and no error unless {@code checkErrors}.
     */
    public CholeskyExResult linalgCholeskyEx(boolean upper, boolean checkErrors) {
        return LinalgDecompositions.choleskyEx(this, upper, checkErrors);
    }

    /** The reduced QR decomposition, as {@code torch.linalg.qr}. */
    public QrResult linalgQr() {
        return LinalgDecompositions.qr(this, "reduced");
    }

    /** The QR decomposition in mode {@code "reduced"}, {@code "complete"} or {@code "r"}, as {@code torch.linalg.qr(A, mode=)}. */
    public QrResult linalgQr(String mode) {
        Args.require(mode, "linalg_qr", "mode", 1, "str");
        return LinalgDecompositions.qr(this, mode);
    }

    /** The least-squares solution of {@code this @ X = B} (real or complex), as {@code torch.linalg.lstsq(A, B).solution} ({@link #linalgLstsq(Tensor, Double, String)} with its defaults). */
    public Tensor linalgLstsq(Tensor B) {
        Args.require(B, "linalg_lstsq", "b", 1, "Tensor");
        return LinalgDecompositions.lstsq(this, B);
    }

    /**
     * {@code torch.linalg.lstsq(A, B, rcond=, driver=)}: the least-squares solution of {@code this @ X = B} with the
     * residuals, rank and singular values the driver computes (gels: QR, full rank; gelsy, the CPU's default, gelsd
     * and gelss: the minimum-norm solution, singular values at or below {@code rcond * largest} taken as zero; a null
     * rcond is {@code eps * max(m, n)}, a null driver gelsy on the CPU and gels elsewhere, where it is the only one).
     */
    public LstsqResult linalgLstsq(Tensor B, Double rcond, String driver) {
        Args.require(B, "linalg_lstsq", "b", 1, "Tensor");
        return LinalgDecompositions.lstsq(this, B, rcond, driver);
    }

    /** The singular value decomposition {@code this = U diag(S) Vh} (full U and Vh when {@code fullMatrices}), as {@code torch.linalg.svd}. */
    public SvdResult linalgSvd(boolean fullMatrices) {
        return LinalgDecompositions.svd(this, fullMatrices);
    }

    /** The full singular value decomposition, as {@code torch.linalg.svd(A)} (full_matrices=True). */
    public SvdResult linalgSvd() {
        return LinalgDecompositions.svd(this, true);
    }

    /** The singular values, descending, as {@code torch.linalg.svdvals}. */
    public Tensor linalgSvdvals() {
        return LinalgDecompositions.svdvals(this);
    }

    /** The 2-norm condition number (largest over smallest singular value), as {@code torch.linalg.cond(A)}. */
    public Tensor linalgCond() {
        return LinalgDecompositions.cond(this, (Double) null);
    }

    /** The condition number in the p-norm (2, -2, 1, -1, inf, -inf), as {@code torch.linalg.cond(A, p)}. */
    public Tensor linalgCond(double p) {
        return LinalgDecompositions.cond(this, p);
    }

    /** The condition number in the "fro" or "nuc" norm, as {@code torch.linalg.cond(A, p)}. */
    public Tensor linalgCond(String p) {
        Args.require(p, "linalg_cond", "p", 1, "str");
        return LinalgDecompositions.cond(this, p);
    }

    /** The numerical rank (int64) with PyTorch's default tolerance, as {@code torch.linalg.matrix_rank(A)}. */
    public Tensor linalgMatrixRank() {
        return LinalgDecompositions.matrixRank(this, null, null, false);
    }

    /**
     * The number of singular values (absolute eigenvalues of the symmetric matrix of the lower triangle when
     * {@code hermitian}) above {@code max(atol, rtol * largest)}, as {@code torch.linalg.matrix_rank(A, atol=, rtol=,
     * hermitian=)}; a null atol is 0, a null rtol {@code eps * max(m, n)} (0 when atol is positive).
     */
    public Tensor linalgMatrixRank(Double atol, Double rtol, boolean hermitian) {
        return LinalgDecompositions.matrixRank(this, atol, rtol, hermitian);
    }

    /** The pseudo-inverse (any rank) with PyTorch's default tolerance, as {@code torch.linalg.pinv(A)}. */
    public Tensor linalgPinv() {
        return LinalgDecompositions.pinv(this, null, null, false);
    }

    /**
     * The pseudo-inverse, singular values (absolute eigenvalues when {@code hermitian}, of the matrix the lower triangle
     * defines) at or below {@code max(atol, rtol * largest)} taken as zero, as {@code torch.linalg.pinv(A, atol=, rtol=,
     * hermitian=)}; null atol / rtol as {@link #linalgMatrixRank(Double, Double, boolean)}.
     */
    public Tensor linalgPinv(Double atol, Double rtol, boolean hermitian) {
        return LinalgDecompositions.pinv(this, atol, rtol, hermitian);
    }

    /** Eigenvalues (ascending) and eigenvectors of a symmetric matrix from its lower triangle, as {@code torch.linalg.eigh}. */
    public EighResult linalgEigh() {
        return LinalgDecompositions.eigh(this, "L");
    }

    /** Eigenvalues and eigenvectors from the lower ("L") or upper ("U") triangle, as {@code torch.linalg.eigh(A, UPLO)}. */
    public EighResult linalgEigh(String UPLO) {
        Args.require(UPLO, "linalg_eigh", "UPLO", 1, "str");
        return LinalgDecompositions.eigh(this, UPLO);
    }

    /**
     * The eigenvalues and unit-norm right eigenvectors of a (batch of) general square matrix, as {@code torch.linalg.eig}:
     * complex results (complex64 for float32 and complex64 input, complex128 otherwise) computed on the host in double
     * precision with LAPACK's {@code geev} algorithm, so in its order and with its phases; node LinalgEigBackward0.
     *
     * @throws IllegalArgumentException for a non-square, integral, or non-finite input, in PyTorch's words
     * @throws LinAlgError when the QR algorithm does not converge
     */
    public EigResult linalgEig() {
        return LinalgEig.eig(this);
    }

    /**
     * The eigenvalues of a (batch of) general square matrix, as {@code torch.linalg.eigvals}: those of
     * {@link #linalgEig()} (through it, node LinalgEigBackward0, when this tensor requires grad).
     */
    public Tensor linalgEigvals() {
        return LinalgEig.eigvals(this);
    }

    /** The eigenvalues (ascending) of a symmetric matrix from its lower triangle, as {@code torch.linalg.eigvalsh}. */
    public Tensor linalgEigvalsh() {
        return LinalgDecompositions.eigvalsh(this, "L");
    }

    /** The eigenvalues from the lower ("L") or upper ("U") triangle, as {@code torch.linalg.eigvalsh(A, UPLO)}. */
    public Tensor linalgEigvalsh(String UPLO) {
        Args.require(UPLO, "linalg_eigvalsh", "UPLO", 1, "str");
        return LinalgDecompositions.eigvalsh(this, UPLO);
    }

    /**
     * The exponential of a (batch of) square matrix, as {@code torch.linalg.matrix_exp}: PyTorch's Taylor
     * approximations of degree 1 to 18 chosen by the 1-norm (batches: degree 18), with scaling and squaring.
     */
    public Tensor linalgMatrixExp() {
        return LinalgMore.matrixExp(this);
    }

    /** The matrix exponential, as {@code Tensor.matrix_exp} (an alias of {@link #linalgMatrixExp()}). */
    public Tensor matrixExp() {
        return LinalgMore.matrixExp(this);
    }

    /**
     * X with {@code this @ X = B} ({@code left}) or {@code X @ this = B} for a triangular {@code this} (its upper or
     * lower triangle; {@code unitriangular}: ones taken on the diagonal), batches broadcast, as
     * {@code torch.linalg.solve_triangular(A, B, upper=, left=, unitriangular=)}.
     */
    public Tensor linalgSolveTriangular(Tensor B, boolean upper, boolean left, boolean unitriangular) {
        Args.require(B, "linalg_solve_triangular", "B", 1, "Tensor");
        return LinalgMore.solveTriangular(this, B, upper, left, unitriangular);
    }

    /** {@code torch.linalg.solve_triangular(A, B, upper=upper)} (left, not unitriangular). */
    public Tensor linalgSolveTriangular(Tensor B, boolean upper) {
        return linalgSolveTriangular(B, upper, true, false);
    }

    /**
     * The product of two or more matrices in the order with the fewest multiplications (a 1-D first operand is a row
     * vector, a 1-D last one a column vector, each dropped from the result), as {@code torch.linalg.multi_dot}.
     */
    public static Tensor linalgMultiDot(List<Tensor> tensors) {
        Args.require(tensors, "linalg_multi_dot", "tensors", 1, "tuple of Tensors");
        return LinalgMore.multiDot(Arrays.asList(Args.tensors(tensors, "linalg_multi_dot", "tensors", 1)));
    }

    /**
     * {@code torch.linalg.norm(this, ord, dim, keepdim)}: with {@code ord} null the 2-norm of the flattened dims;
     * otherwise a matrix norm over two dims (or a 2-D input without dims), a vector norm over one (or a 1-D input).
     */
    public Tensor linalgNorm(Double ord, int[] dim, boolean keepdim) {
        return LinalgMore.norm(this, ord, dim, keepdim);
    }

    /** {@code torch.linalg.norm(this, ord, dim, keepdim)} for ord "fro" or "nuc" (a matrix norm; dim null: a 2-D input). */
    public Tensor linalgNorm(String ord, int[] dim, boolean keepdim) {
        Args.require(ord, "linalg_norm", "ord", 1, "str");
        return LinalgMore.norm(this, ord, dim, keepdim);
    }

    /** {@code torch.linalg.norm(this, ord, dim, keepdim, dtype=dtype)}: the matrix or vector norm computed in {@code dtype}. */
    public Tensor linalgNorm(Double ord, int[] dim, boolean keepdim, DType dtype) {
        return LinalgMore.norm(this, ord, dim, keepdim, dtype);
    }

    /** {@code torch.linalg.norm(this, ord, dim, keepdim, dtype=dtype)} for ord "fro" or "nuc". */
    public Tensor linalgNorm(String ord, int[] dim, boolean keepdim, DType dtype) {
        Args.require(ord, "linalg_norm", "ord", 1, "str");
        return LinalgMore.norm(this, ord, dim, keepdim, dtype);
    }

    /** {@code torch.linalg.norm(this)}: the 2-norm of all elements. */
    public Tensor linalgNorm() {
        return LinalgMore.norm(this, (Double) null, null, false);
    }

    /**
     * The LU factorization with partial pivoting of a (batch of) m-by-n matrix, as {@code torch.linalg.lu_factor}: the
     * packed factors (m by n) and min(m, n) int32 pivots (PyTorch's convention); a zero pivot is PyTorch's error.
     */
    public LuFactorResult linalgLuFactor() {
        return LinalgMore.luFactor(this);
    }

    /** {@link #linalgLuFactorEx(boolean, boolean)} with pivoting and no error check. */
    public LuFactorExResult linalgLuFactorEx() {
        return linalgLuFactorEx(true, false);
    }

    /**
     * {@code torch.linalg.lu_factor_ex(A, pivot, check_errors)}: the packed factors, pivots and LAPACK's info per matrix;
     * a zero pivot is an error only with {@code checkErrors}.
     *
     * @throws UnsupportedOperationException without {@code pivot} (not implemented on the CPU, as PyTorch's)
     */
    public LuFactorExResult linalgLuFactorEx(boolean pivot, boolean checkErrors) {
        return LinalgMore.luFactorEx(this, pivot, checkErrors);
    }

    /**
     * {@code torch.linalg.ldl_factor_ex(A, hermitian, check_errors)}: the Bunch-Kaufman factorization
     * {@code A = P L D L^T P^T} of a symmetric matrix (its lower triangle read), LAPACK's sytrf's LD and pivots, and
     * its info per matrix (a zero pivot is an error only with {@code checkErrors}); for a complex matrix {@code
     * hermitian} takes hetrf's {@code A = P L D L^H P^T} of a Hermitian one (its diagonal read as real) instead; it
     * changes nothing for real types. Not differentiable (its backward raises, as PyTorch's).
     */
    public LdlFactorExResult linalgLdlFactorEx(boolean hermitian, boolean checkErrors) {
        return LinalgLdl.factorEx(this, hermitian, checkErrors, "torch.linalg.ldl_factor_ex");
    }

    /** {@code torch.linalg.ldl_factor(A, hermitian)}: {@link #linalgLdlFactorEx} that refuses a singular matrix. */
    public LdlFactorResult linalgLdlFactor(boolean hermitian) {
        LdlFactorExResult r = LinalgLdl.factorEx(this, hermitian, true, "torch.linalg.ldl_factor");
        return new LdlFactorResult(r.LD(), r.pivots());
    }

    /** {@code torch.linalg.ldl_factor(A)}: {@link #linalgLdlFactor(boolean)}, not hermitian. */
    public LdlFactorResult linalgLdlFactor() {
        return linalgLdlFactor(false);
    }

    /**
     * {@code torch.linalg.ldl_solve(LD, pivots, B, hermitian)}: X with {@code A X = B} from {@link #linalgLdlFactor}'s
     * output, batches broadcast; {@code hermitian} (sytrs or hetrs for complex LD, as the factorization was made)
     * changes nothing for real types. Not differentiable (its backward raises, as PyTorch's).
     */
    public static Tensor linalgLdlSolve(Tensor LD, Tensor pivots, Tensor B, boolean hermitian) {
        Args.require(LD, "linalg_ldl_solve", "LD", 1, "Tensor");
        Args.require(pivots, "linalg_ldl_solve", "pivots", 2, "Tensor");
        Args.require(B, "linalg_ldl_solve", "B", 3, "Tensor");
        return LinalgLdl.solve(LD, pivots, B, hermitian);
    }

    /** {@code torch.lu_unpack(LU, pivots)}: P, L and U with {@code A = P L U} from {@link #linalgLuFactor()}'s output. */
    public static LuResult luUnpack(Tensor LU, Tensor pivots) {
        return luUnpack(LU, pivots, true, true);
    }

    /**
     * {@code torch.lu_unpack(LU, pivots, unpack_data, unpack_pivots)}: P (m by m), L (m by k) and U (k by n), k = min(m,
     * n); a part not unpacked is an empty tensor. L and U are differentiable in LU (LuUnpackBackward0), P is not.
     */
    public static LuResult luUnpack(Tensor LU, Tensor pivots, boolean unpackData, boolean unpackPivots) {
        Args.require(LU, "lu_unpack", "LU_data", 0, "Tensor");
        Args.require(pivots, "lu_unpack", "LU_pivots", 1, "Tensor");
        return LinalgMore.luUnpack(LU, pivots, unpackData, unpackPivots);
    }

    /** {@code torch.svd(A)}: the reduced singular value decomposition with V, as {@link #svd(boolean, boolean)}. */
    public SvdUsvResult svd() {
        return LinalgCompat.svd(this, true, true);
    }

    /**
     * {@code torch.svd(A, some, compute_uv)}: {@code A = U diag(S) V^H} (PyTorch's older form of {@link #linalgSvd}: V,
     * not Vh); {@code some} keeps k = min(m, n) columns of U and V; without {@code computeUv}, U and V are zero
     * matrices (m by m, n by n) and only S is computed.
     */
    public SvdUsvResult svd(boolean some, boolean computeUv) {
        return LinalgCompat.svd(this, some, computeUv);
    }

    /**
     * {@code torch.geqrf(A)}: the QR decomposition in LAPACK's Householder form (R above the diagonal, the reflectors
     * below it, and their scalars tau); {@link #linalgHouseholderProduct} of its two parts gives Q. Real and complex
     * input (zgeqr2's convention: {@code H_i = I - tau_i v_i v_i^H}, tau complex, R's diagonal real). Not
     * differentiable: its backward raises, and a complex input that requires grad is refused, as PyTorch's.
     */
    public GeqrfResult geqrf() {
        return LinalgCompat.geqrf(this);
    }

    /** {@code torch.orgqr(A, tau)}: Q's first n columns from {@link #geqrf()}'s output, {@link #linalgHouseholderProduct}. */
    public Tensor orgqr(Tensor tau) {
        return linalgHouseholderProduct(tau);
    }

    /**
     * {@code torch.ormqr(A, tau, other, left, transpose)}: {@code other} multiplied by the m-by-m Q that {@link #geqrf()}'s
     * output ({@code this}, {@code tau}) represents: Q other, Q^T other ({@code transpose}), other Q or other Q^T (not
     * {@code left}).
     */
    public Tensor ormqr(Tensor tau, Tensor other, boolean left, boolean transpose) {
        Args.require(tau, "ormqr", "input2", 1, "Tensor");
        Args.require(other, "ormqr", "input3", 2, "Tensor");
        return LinalgCompat.ormqr(this, tau, other, left, transpose);
    }

    /** {@code torch.svd_lowrank(A, q, niter)}: {@link #svdLowrank(int, int, Tensor, Generator)} without M. */
    public SvdUsvResult svdLowrank(int q, int niter) {
        return svdLowrank(q, niter, null, null);
    }

    /**
     * {@code torch.svd_lowrank(A, q, niter, M)}: an approximate rank-{@code q} singular value decomposition of this
     * matrix (or of {@code this - M}, M broadcast, when not null) by randomized range finding with {@code niter} power
     * iterations (Halko et al. 2009); the random matrix comes from {@code generator} (null: the default one).
     * {@code U} is m by q, {@code S} q values, {@code V} n by q (q at most min(m, n)); exact when the rank is at most
     * q. Complex input as PyTorch 2.x: {@code A ~ U diag(S) V^H}, the random matrix complex.
     */
    public SvdUsvResult svdLowrank(int q, int niter, Tensor M, Generator generator) {
        return ReturnTypes.named(LinalgCompat.svdLowrank(this, q, niter, M, generator == null ? Ember.defaultGenerator() : generator), "");
    }

    /** {@code torch.pca_lowrank(A)}: q = min(6, m, n), centered, 2 power iterations. */
    public SvdUsvResult pcaLowrank() {
        return pcaLowrank(null, true, 2, null);
    }

    /**
     * {@code torch.pca_lowrank(A, q, center, niter)}: {@link #svdLowrank} of this matrix with each column's mean
     * subtracted when {@code center}: the principal directions are V's columns, {@code S^2 / (m - 1)} the variances
     * they explain. {@code q} null means min(6, m, n).
     *
     * @throws IllegalArgumentException for q outside [0, min(m, n)] or a negative niter, with PyTorch's messages
     */
    public SvdUsvResult pcaLowrank(Integer q, boolean center, int niter, Generator generator) {
        return ReturnTypes.named(LinalgCompat.pcaLowrank(this, q, center, niter, generator == null ? Ember.defaultGenerator() : generator),
                "");
    }

    /**
     * {@code torch.qr(A, some=True)}: the reduced QR decomposition, as {@link #linalgQr()}, after PyTorch's one-time
     * deprecation warning (logged to "dev.ember").
     */
    public QrResult qr() {
        WarnOnce.warn(WarnOnce.QR); // PyTorch's one-time deprecation warning
        return ReturnTypes.named(LinalgDecompositions.qr(this, "reduced"), "torch.return_types.qr");
    }

    /** {@code torch.qr(A, some)}: {@code linalg.qr(A, "reduced" if some else "complete")}. */
    public QrResult qr(boolean some) {
        WarnOnce.warn(WarnOnce.QR); // PyTorch's one-time deprecation warning
        return ReturnTypes.named(LinalgDecompositions.qr(this, some ? "reduced" : "complete"), "torch.return_types.qr");
    }

    /** {@code torch.pinverse(A)}: {@link #pinverse(double)} with rcond 1e-15. */
    public Tensor pinverse() {
        return pinverse(1e-15);
    }

    /**
     * {@code torch.pinverse(A, rcond)}: the pseudo-inverse with singular values at or below {@code rcond} times the
     * largest taken as zero ({@code linalg.pinv(A, rtol=rcond)}).
     */
    public Tensor pinverse(double rcond) {
        return LinalgCompat.pinverse(this, rcond);
    }

    /**
     * {@code torch.chain_matmul(*matrices)} (deprecated in PyTorch for {@link #linalgMultiDot}): the product of 2-D
     * matrices in the cheapest order; one matrix is returned as a copy.
     */
    public static Tensor chainMatmul(Tensor... matrices) {
        WarnOnce.warn(WarnOnce.CHAIN_MATMUL); // PyTorch's one-time deprecation warning, before its checks
        return LinalgCompat.chainMatmul(Arrays.asList(Args.tensors(matrices == null ? null : Arrays.asList(matrices),
                "chain_matmul", "matrices", 0)));
    }

    /** {@code torch.linalg.solve_ex(A, B)}: {@link #linalgSolveEx(Tensor, boolean, boolean)} with left and no error check. */
    public SolveExResult linalgSolveEx(Tensor B) {
        return linalgSolveEx(B, true, false);
    }

    /**
     * {@code torch.linalg.solve_ex(A, B, left, check_errors)}: X with {@code this @ X = B} ({@code left}) or {@code X @
     * this = B}, and LAPACK's info per matrix; a singular matrix is an error only with {@code checkErrors}, else its X is
     * whatever the LU solve gives (infinities or NaN) and its info the first zero pivot's 1-based index.
     */
    public SolveExResult linalgSolveEx(Tensor B, boolean left, boolean checkErrors) {
        Args.require(B, "linalg_solve_ex", "B", 1, "Tensor");
        Tensor[] r = LinalgDecompositions.solveEx(this, B, left, checkErrors, "torch.linalg.solve_ex");
        return new SolveExResult(r[0], r[1]);
    }

    /** {@code torch.linalg.solve(A, B, left=)}: {@code this @ X = B} ({@code left}) or {@code X @ this = B}. */
    public Tensor linalgSolve(Tensor B, boolean left) {
        Args.require(B, "linalg_solve", "B", 1, "Tensor");
        return LinalgDecompositions.solveEx(this, B, left, true, "torch.linalg.solve")[0];
    }

    /** {@code torch.linalg.tensorinv(A)}: {@link #linalgTensorinv(int)} with ind 2. */
    public Tensor linalgTensorinv() {
        return linalgTensorinv(2);
    }

    /**
     * {@code torch.linalg.tensorinv(A, ind)}: the inverse of A seen as a square matrix (its first {@code ind} dimensions
     * by the rest), shaped {@code A.shape[ind:] + A.shape[:ind]}.
     */
    public Tensor linalgTensorinv(int ind) {
        return LinalgCompat.tensorinv(this, ind);
    }

    /**
     * {@code torch.linalg.tensorsolve(A, B, dims)}: X with {@code tensordot(A, X, X.ndim) = B}, the dimensions {@code
     * dims} of A (none when empty) moved to its end first.
     */
    public Tensor linalgTensorsolve(Tensor B, int... dims) {
        Args.require(B, "linalg_tensorsolve", "B", 1, "Tensor");
        return LinalgCompat.tensorsolve(this, B, dims == null || dims.length == 0 ? null : dims);
    }

    /**
     * {@code torch.linalg.householder_product(A, tau)}: the first n columns of the product of the Householder
     * reflections {@code I - tau_i v_i v_i^T} stored in A's columns below the diagonal (geqrf's output), as LAPACK's
     * orgqr; LinalgHouseholderProductBackward0.
     */
    public Tensor linalgHouseholderProduct(Tensor tau) {
        Args.require(tau, "linalg_householder_product", "tau", 1, "Tensor");
        return LinalgCompat.householderProduct(this, tau);
    }

    /**
     * X from LU factors ({@link #linalgLuFactor()}) of A: {@code A X = B} ({@code left}, not {@code adjoint}),
     * {@code A^H X = B}, {@code X A = B} or {@code X A^H = B}, batches broadcast, as
     * {@code torch.linalg.lu_solve(LU, pivots, B, left=, adjoint=)}.
     */
    public static Tensor linalgLuSolve(Tensor LU, Tensor pivots, Tensor B, boolean left, boolean adjoint) {
        Args.require(LU, "linalg_lu_solve", "LU", 1, "Tensor");
        Args.require(pivots, "linalg_lu_solve", "pivots", 2, "Tensor");
        Args.require(B, "linalg_lu_solve", "B", 3, "Tensor");
        return LinalgMore.luSolve(LU, pivots, B, left, adjoint);
    }

    /**
     * {@code A = P L U} of a (batch of) m-by-n matrix, as {@code torch.linalg.lu}: P m by m, L m by k (unit lower), U k by
     * n (upper), k = min(m, n).
     */
    public LuResult linalgLu() {
        return ReturnTypes.named(LinalgMore.lu(this), "torch.return_types.linalg_lu");
    }

    /**
     * The deprecated {@code torch.cholesky(A, upper)}: {@link #linalgCholesky(boolean)}'s factor, with its own messages
     * ("cholesky: ...") and node CholeskyBackward0.
     */
    public Tensor cholesky(boolean upper) {
        return LinalgDecompositions.choleskyDeprecated(this, upper);
    }

    /** The deprecated {@code torch.cholesky(A)}: the lower factor, {@link #cholesky(boolean)}. */
    public Tensor cholesky() {
        return cholesky(false);
    }

    /**
     * The deprecated {@code torch.lu_solve(b, LU_data, LU_pivots)} on {@code this} as b:
     * {@link #linalgLuSolve linalg.lu_solve(LU_data, LU_pivots, b)}.
     */
    public Tensor luSolve(Tensor LU_data, Tensor LU_pivots) {
        Args.require(LU_data, "lu_solve", "LU_data", 1, "Tensor");
        Args.require(LU_pivots, "lu_solve", "LU_pivots", 2, "Tensor");
        WarnOnce.warn(WarnOnce.LU_SOLVE); // PyTorch's one-time deprecation warning, before its checks
        return LinalgCompat.luSolve(this, LU_data, LU_pivots);
    }

    /**
     * {@code torch.triangular_solve(b, A, upper, transpose, unitriangular)} on {@code this} as b: X with
     * {@code op(A) X = b} (op(A) = A^T when {@code transpose}; A's {@code upper} or lower triangle, its diagonal ones
     * when {@code unitriangular}), batches broadcast, and A's copy (cloned_coefficient); TriangularSolveBackward0.
     */
    public TriangularSolveResult triangularSolve(Tensor A, boolean upper, boolean transpose, boolean unitriangular) {
        Args.require(A, "triangular_solve", "A", 1, "Tensor");
        return LinalgCompat.triangularSolve(this, A, upper, transpose, unitriangular);
    }

    /** {@code torch.triangular_solve(b, A)}: {@link #triangularSolve(Tensor, boolean, boolean, boolean)}, upper. */
    public TriangularSolveResult triangularSolve(Tensor A) {
        return triangularSolve(A, true, false, false);
    }

    /**
     * X with {@code A X = this} for {@code A = L L^H} given its Cholesky factor ({@code upper}: {@code A = U^H U}),
     * batches broadcast, as {@code torch.cholesky_solve(this, L, upper)}.
     */
    public Tensor choleskySolve(Tensor L, boolean upper) {
        Args.require(L, "cholesky_solve", "input2", 1, "Tensor");
        return LinalgMore.choleskySolve(this, L, upper);
    }

    /** The inverse of {@code L L^H} ({@code upper}: {@code U^H U}) from its Cholesky factor, as {@code torch.cholesky_inverse}. */
    public Tensor choleskyInverse(boolean upper) {
        return LinalgMore.choleskyInverse(this, upper);
    }

    /** The dot products of vectors along {@code dim}, batches broadcast, as {@code torch.linalg.vecdot(x, y, dim=)}. */
    public Tensor linalgVecdot(Tensor y, int dim) {
        Args.require(y, "linalg_vecdot", "y", 2, "Tensor");
        return LinalgMore.vecdot(this, y, dim);
    }

    /** {@code torch.linalg.vecdot(x, y)} along the last dimension. */
    public Tensor linalgVecdot(Tensor y) {
        return linalgVecdot(y, -1);
    }

    /** The diagonals of the last two dimensions, a view, as {@code torch.linalg.diagonal(A, offset=, dim1=, dim2=)}. */
    public Tensor linalgDiagonal(int offset, int dim1, int dim2) {
        return diagonal(offset, dim1, dim2);
    }

    /** {@code torch.linalg.diagonal(A)}: the main diagonals of the last two dimensions, a view. */
    public Tensor linalgDiagonal() {
        return diagonal(0, -2, -1);
    }

    /**
     * The Vandermonde matrix of a 1-D tensor with {@code N} columns (null: as many as elements), powers decreasing
     * left to right unless {@code increasing}, as {@code torch.vander(x, N, increasing)}; integer inputs give int64.
     */
    public Tensor vander(Integer N, boolean increasing) {
        return LinalgMore.vander(this, N, increasing);
    }

    /** {@code torch.vander(x)}: square, decreasing powers. */
    public Tensor vander() {
        return LinalgMore.vander(this, null, false);
    }

    /**
     * The Vandermonde matrices of the vectors in the last dimension, powers increasing, {@code N} columns (null: as
     * many as elements, at least 2), as {@code torch.linalg.vander(x, N=)}; integer inputs give int64.
     */
    public Tensor linalgVander(Integer N) {
        return LinalgMore.linalgVander(this, N);
    }

    /** {@code torch.linalg.vander(x)}: as many columns as elements in the last dimension. */
    public Tensor linalgVander() {
        return LinalgMore.linalgVander(this, null);
    }

    /** The trapezoidal rule along {@code dim} with sample points {@code x}, as {@code torch.trapezoid(y, x, dim=)}. */
    public Tensor trapezoid(Tensor x, int dim) {
        Args.require(x, "trapezoid", "x", 2, "Tensor");
        return LinalgMore.trapezoid(this, x, dim);
    }

    /** The trapezoidal rule along {@code dim} with constant spacing, as {@code torch.trapezoid(y, dx=, dim=)}. */
    public Tensor trapezoid(double dx, int dim) {
        return LinalgMore.trapezoid(this, dx, dim);
    }

    /** {@code torch.trapezoid(y)}: spacing 1 along the last dimension. */
    public Tensor trapezoid() {
        return LinalgMore.trapezoid(this, 1.0, -1);
    }

    /** {@code torch.trapz(y, x, dim=)}: an alias of {@link #trapezoid(Tensor, int)}. */
    public Tensor trapz(Tensor x, int dim) {
        return trapezoid(x, dim);
    }

    /** {@code torch.trapz(y, dx=, dim=)}: an alias of {@link #trapezoid(double, int)}. */
    public Tensor trapz(double dx, int dim) {
        return trapezoid(dx, dim);
    }

    /** The running trapezoidal rule along {@code dim} with sample points {@code x}, as {@code torch.cumulative_trapezoid}. */
    public Tensor cumulativeTrapezoid(Tensor x, int dim) {
        Args.require(x, "cumulative_trapezoid", "x", 2, "Tensor");
        return LinalgMore.cumulativeTrapezoid(this, x, dim);
    }

    /** The running trapezoidal rule with constant spacing, as {@code torch.cumulative_trapezoid(y, dx=, dim=)}. */
    public Tensor cumulativeTrapezoid(double dx, int dim) {
        return LinalgMore.cumulativeTrapezoid(this, dx, dim);
    }

    /** {@code torch.cumulative_trapezoid(y)}: spacing 1 along the last dimension. */
    public Tensor cumulativeTrapezoid() {
        return LinalgMore.cumulativeTrapezoid(this, 1.0, -1);
    }

    // ------------------------------------------------------------------ convolution and pooling

    /**
     * 2-D convolution of an NCHW (or CHW) input, as {@code torch.nn.functional.conv2d}; {@code bias} may be
     * null; stride, padding and dilation are one int or a pair.
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                                int groups) {
        return NNOps.conv2d(input, weight, bias, NNOps.pair(stride, "stride"), NNOps.pair(padding, "padding"),
                NNOps.pair(dilation, "dilation"), groups);
    }

    /**
     * 2-D max pooling, the values only ({@code F.max_pool2d}); an input that needs no gradient skips the indices.
     */
    public static Tensor maxPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation,
                                   boolean ceilMode) {
        return QuantizedActivations.follow(input, NNOps.maxPool2dValues(input, NNOps.pair(kernel, "kernel_size"),
                NNOps.pair(stride, "stride"), NNOps.pair(padding, "padding"), NNOps.pair(dilation, "dilation"), ceilMode));
    }

    /** 2-D max pooling returning the values and the flat index of each maximum within its plane. */
    public static ValuesIndices maxPool2dWithIndices(Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation,
                                                     boolean ceilMode) {
        return NNOps.maxPool2d(input, NNOps.pair(kernel, "kernel_size"), NNOps.pair(stride, "stride"),
                NNOps.pair(padding, "padding"), NNOps.pair(dilation, "dilation"), ceilMode);
    }

    /** 2-D average pooling. */
    public static Tensor avgPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, boolean ceilMode,
                                   boolean countIncludePad) {
        return NNOps.avgPool2d(input, NNOps.pair(kernel, "kernel_size"), NNOps.pair(stride, "stride"),
                NNOps.pair(padding, "padding"), ceilMode, countIncludePad);
    }

    // ------------------------------------------------------------------ convolution, resampling and recurrent layers (issue 15)

    /**
     * {@code torch.conv1d}: 1-D convolution of an {@code [N, C, L]} (or {@code [C, L]}) input with an
     * {@code [O, C / groups, K]} weight; {@code bias} may be null; stride, padding and dilation are one int. One node,
     * ConvolutionBackward0 (PyTorch's CPU runs it as a 2-D convolution of unit height, and so does Ember).
     */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                                int groups) {
        Args.require(input, "conv1d", "input", 1, "Tensor");
        Args.require(weight, "conv1d", "weight", 2, "Tensor");
        Args.require(stride, "conv1d", "stride", 4, "tuple of ints");
        Args.require(padding, "conv1d", "padding", 5, "tuple of ints");
        Args.require(dilation, "conv1d", "dilation", 6, "tuple of ints");
        return NNOps.conv1d(input, weight, bias, stride, padding, dilation, groups);
    }

    /**
     * {@code torch.conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation)}: the
     * transposed 2-D convolution of an NCHW (or CHW) input with an {@code [C_in, C_out / groups, kh, kw]} weight;
     * {@code bias} may be null; each of stride, padding, output_padding and dilation one int or a pair. One node,
     * ConvolutionBackward0.
     */
    public static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding,
                                         int[] outputPadding, int groups, int[] dilation) {
        Args.require(input, "conv_transpose2d", "input", 1, "Tensor");
        Args.require(weight, "conv_transpose2d", "weight", 2, "Tensor");
        Args.require(stride, "conv_transpose2d", "stride", 4, "tuple of ints");
        Args.require(padding, "conv_transpose2d", "padding", 5, "tuple of ints");
        Args.require(outputPadding, "conv_transpose2d", "output_padding", 6, "tuple of ints");
        Args.require(dilation, "conv_transpose2d", "dilation", 8, "tuple of ints");
        return NNOps.convTranspose2d(input, weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    /**
     * {@code torch.conv_transpose1d(input, weight, bias, stride, padding, output_padding, groups, dilation)}: the
     * transposed 1-D convolution of an {@code [N, C_in, L]} (or {@code [C_in, L]}) input with a
     * {@code [C_in, C_out / groups, K]} weight; {@code bias} may be null; stride, padding, output_padding and dilation
     * one int each. One node, ConvolutionBackward0 (PyTorch's CPU runs it as a 2-D transposed convolution of unit
     * height, and so does Ember).
     */
    public static Tensor convTranspose1d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding,
                                         int[] outputPadding, int groups, int[] dilation) {
        Args.require(input, "conv_transpose1d", "input", 1, "Tensor");
        Args.require(weight, "conv_transpose1d", "weight", 2, "Tensor");
        Args.require(stride, "conv_transpose1d", "stride", 4, "tuple of ints");
        Args.require(padding, "conv_transpose1d", "padding", 5, "tuple of ints");
        Args.require(outputPadding, "conv_transpose1d", "output_padding", 6, "tuple of ints");
        Args.require(dilation, "conv_transpose1d", "dilation", 8, "tuple of ints");
        return NNOps.convTranspose1d(input, weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    /** {@code torch.pixel_shuffle}: {@code [*, C r^2, H, W]} to {@code [*, C, H r, W r]}, one node PixelShuffleBackward0. */
    public static Tensor pixelShuffle(Tensor input, int upscaleFactor) {
        Args.require(input, "pixel_shuffle", "input", 1, "Tensor");
        return NNOps.pixelShuffle(input, upscaleFactor);
    }

    /** {@code torch.pixel_unshuffle}: {@code [*, C, H r, W r]} to {@code [*, C r^2, H, W]}, one node PixelUnshuffleBackward0. */
    public static Tensor pixelUnshuffle(Tensor input, int downscaleFactor) {
        Args.require(input, "pixel_unshuffle", "input", 1, "Tensor");
        return NNOps.pixelUnshuffle(input, downscaleFactor);
    }

    /**
     * {@code torch.lstm(input, (h0, c0), params, has_biases, num_layers, dropout, train, bidirectional, batch_first)}:
     * a multi-layer LSTM over a 3-D input, as PyTorch 2.x's CPU computes it: a recorded float32 LSTM without
     * projection through its oneDNN path, one MkldnnRnnLayerBackward0 node per layer and direction (the output's node
     * that, CatBackward0 when bidirectional, TransposeBackward0 batch first; h_n and c_n StackBackward0), every other
     * call composed as {@code _rnn_impl} composes it (the output's node StackBackward0, CatBackward0 when
     * bidirectional, TransposeBackward0 batch first); {@code params} holds, per layer and direction,
     * {@code w_ih, w_hh[, b_ih, b_hh][, w_hr]}.
     */
    public static RnnOutput lstm(Tensor input, Tensor h0, Tensor c0, List<Tensor> params, boolean hasBiases, int numLayers,
                                 double dropout, boolean train, boolean bidirectional, boolean batchFirst) {
        Args.require(input, "lstm", "input", 1, "Tensor");
        Args.require(h0, "lstm", "hx", 2, "tuple of Tensors");
        Args.require(c0, "lstm", "hx", 2, "tuple of Tensors");
        Tensor[] ps = Args.tensors(params, "lstm", "params", 3);
        return RecurrentOps.lstm(input, h0, c0, ps, hasBiases, numLayers, dropout, train, bidirectional, batchFirst);
    }

    /**
     * {@code torch.gru(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)}: a
     * multi-layer GRU over a 3-D input, as PyTorch's CPU composes it (TransposeBackward1 batch first); {@code params}
     * holds, per layer and direction, {@code w_ih, w_hh[, b_ih, b_hh]}; the result's {@code c} is null.
     */
    public static RnnOutput gru(Tensor input, Tensor hx, List<Tensor> params, boolean hasBiases, int numLayers,
                                double dropout, boolean train, boolean bidirectional, boolean batchFirst) {
        Args.require(input, "gru", "input", 1, "Tensor");
        Args.require(hx, "gru", "hx", 2, "Tensor");
        Tensor[] ps = Args.tensors(params, "gru", "params", 3);
        return RecurrentOps.gru(input, hx, ps, hasBiases, numLayers, dropout, train, bidirectional, batchFirst);
    }

    /**
     * {@code torch.lstm(data, batch_sizes, (h0, c0), params, has_biases, num_layers, dropout, train, bidirectional)},
     * the overload {@code nn.LSTM} calls for a {@link dev.ember.nn.utils.PackedSequence}: a multi-layer LSTM over packed
     * data {@code [sum(batch_sizes), input_size]}, step {@code t} running on the first {@code batch_sizes[t]} rows of the
     * state (PyTorch's CPU {@code PackedLayer}; the reverse direction starts at each sequence's own last step).
     * {@code h0}/{@code c0} are in the packed (sorted) batch order, {@code [D * num_layers, batch_sizes[0], *]}; the
     * result's output is the packed data of the last layer (CatBackward0) and {@code h}/{@code c} each sequence's state
     * at its last real step, in the packed order.
     */
    public static RnnOutput lstm(Tensor data, Tensor batchSizes, Tensor h0, Tensor c0, List<Tensor> params,
                                 boolean hasBiases, int numLayers, double dropout, boolean train, boolean bidirectional) {
        Args.require(data, "lstm", "data", 1, "Tensor");
        Args.require(batchSizes, "lstm", "batch_sizes", 2, "Tensor");
        Args.require(h0, "lstm", "hx", 3, "tuple of Tensors");
        Args.require(c0, "lstm", "hx", 3, "tuple of Tensors");
        Tensor[] ps = Args.tensors(params, "lstm", "params", 4);
        return RecurrentOps.lstmPacked(data, batchSizes, h0, c0, ps, hasBiases, numLayers, dropout, train, bidirectional);
    }

    /**
     * {@code torch.gru(data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional)}: the packed
     * overload, as {@link #lstm(Tensor, Tensor, Tensor, Tensor, List, boolean, int, double, boolean, boolean)} with one
     * state; the result's {@code c} is null.
     */
    public static RnnOutput gru(Tensor data, Tensor batchSizes, Tensor hx, List<Tensor> params, boolean hasBiases,
                                int numLayers, double dropout, boolean train, boolean bidirectional) {
        return oneHiddenPacked("GRU", "gru", data, batchSizes, hx, params, hasBiases, numLayers, dropout, train,
                bidirectional);
    }

    /** {@code torch.rnn_tanh(data, batch_sizes, hx, ...)}: the packed overload of {@link #rnnTanh}, as the packed {@link #gru}. */
    public static RnnOutput rnnTanh(Tensor data, Tensor batchSizes, Tensor hx, List<Tensor> params, boolean hasBiases,
                                    int numLayers, double dropout, boolean train, boolean bidirectional) {
        return oneHiddenPacked("RNN_TANH", "rnn_tanh", data, batchSizes, hx, params, hasBiases, numLayers, dropout, train,
                bidirectional);
    }

    /** {@code torch.rnn_relu(data, batch_sizes, hx, ...)}: the packed overload of {@link #rnnRelu}, as the packed {@link #gru}. */
    public static RnnOutput rnnRelu(Tensor data, Tensor batchSizes, Tensor hx, List<Tensor> params, boolean hasBiases,
                                    int numLayers, double dropout, boolean train, boolean bidirectional) {
        return oneHiddenPacked("RNN_RELU", "rnn_relu", data, batchSizes, hx, params, hasBiases, numLayers, dropout, train,
                bidirectional);
    }

    private static RnnOutput oneHiddenPacked(String mode, String op, Tensor data, Tensor batchSizes, Tensor hx,
                                             List<Tensor> params, boolean hasBiases, int numLayers, double dropout,
                                             boolean train, boolean bidirectional) {
        Args.require(data, op, "data", 1, "Tensor");
        Args.require(batchSizes, op, "batch_sizes", 2, "Tensor");
        Args.require(hx, op, "hx", 3, "Tensor");
        Tensor[] ps = Args.tensors(params, op, "params", 4);
        return RecurrentOps.oneHiddenPacked(mode, data, batchSizes, hx, ps, hasBiases, numLayers, dropout, train,
                bidirectional);
    }

    /**
     * {@code torch.lstm_cell(input, (hx, cx), w_ih, w_hh, b_ih, b_hh)}: one LSTM step of an {@code [N, I]} input; the
     * biases may be null. The new {@code h}'s node is MulBackward0, {@code c}'s AddBackward0.
     */
    public static LstmState lstmCell(Tensor input, Tensor hx, Tensor cx, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {
        Args.require(input, "lstm_cell", "input", 1, "Tensor");
        Args.require(hx, "lstm_cell", "hx", 2, "tuple of Tensors");
        Args.require(cx, "lstm_cell", "hx", 2, "tuple of Tensors");
        Args.require(wIh, "lstm_cell", "w_ih", 3, "Tensor");
        Args.require(wHh, "lstm_cell", "w_hh", 4, "Tensor");
        return RecurrentOps.lstmCell(input, hx, cx, wIh, wHh, bIh, bHh);
    }

    /**
     * {@code torch.gru_cell(input, hx, w_ih, w_hh, b_ih, b_hh)}: one GRU step of an {@code [N, I]} input; the biases may
     * be null. The new state's node is AddBackward0.
     */
    public static Tensor gruCell(Tensor input, Tensor hx, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {
        Args.require(input, "gru_cell", "input", 1, "Tensor");
        Args.require(hx, "gru_cell", "hx", 2, "Tensor");
        Args.require(wIh, "gru_cell", "w_ih", 3, "Tensor");
        Args.require(wHh, "gru_cell", "w_hh", 4, "Tensor");
        return RecurrentOps.gruCell(input, hx, wIh, wHh, bIh, bHh);
    }

    /**
     * {@code torch.rnn_tanh(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)}: a
     * multi-layer Elman RNN with {@code tanh} over a 3-D input, as PyTorch's CPU composes it (StackBackward0,
     * CatBackward0 when bidirectional, TransposeBackward1 batch first); {@code params} holds, per layer and direction,
     * {@code w_ih, w_hh[, b_ih, b_hh]}; the result's {@code c} is null.
     */
    public static RnnOutput rnnTanh(Tensor input, Tensor hx, List<Tensor> params, boolean hasBiases, int numLayers,
                                    double dropout, boolean train, boolean bidirectional, boolean batchFirst) {
        Args.require(input, "rnn_tanh", "input", 1, "Tensor");
        Args.require(hx, "rnn_tanh", "hx", 2, "Tensor");
        Tensor[] ps = Args.tensors(params, "rnn_tanh", "params", 3);
        return RecurrentOps.rnn(true, input, hx, ps, hasBiases, numLayers, dropout, train, bidirectional, batchFirst);
    }

    /** {@code torch.rnn_relu(...)}: {@link #rnnTanh} with {@code relu} in place of {@code tanh}. */
    public static RnnOutput rnnRelu(Tensor input, Tensor hx, List<Tensor> params, boolean hasBiases, int numLayers,
                                    double dropout, boolean train, boolean bidirectional, boolean batchFirst) {
        Args.require(input, "rnn_relu", "input", 1, "Tensor");
        Args.require(hx, "rnn_relu", "hx", 2, "Tensor");
        Tensor[] ps = Args.tensors(params, "rnn_relu", "params", 3);
        return RecurrentOps.rnn(false, input, hx, ps, hasBiases, numLayers, dropout, train, bidirectional, batchFirst);
    }

    /**
     * {@code torch.rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih, b_hh)}: one step {@code tanh(linear(hx, w_hh, b_hh) +
     * linear(input, w_ih, b_ih))} of an {@code [N, I]} input; the biases may be null. The new state's node is
     * TanhBackward0.
     */
    public static Tensor rnnTanhCell(Tensor input, Tensor hx, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {
        Args.require(input, "rnn_tanh_cell", "input", 1, "Tensor");
        Args.require(hx, "rnn_tanh_cell", "hx", 2, "Tensor");
        Args.require(wIh, "rnn_tanh_cell", "w_ih", 3, "Tensor");
        Args.require(wHh, "rnn_tanh_cell", "w_hh", 4, "Tensor");
        return RecurrentOps.rnnCell(true, input, hx, wIh, wHh, bIh, bHh);
    }

    /** {@code torch.rnn_relu_cell(...)}: {@link #rnnTanhCell} with {@code relu} (ReluBackward0). */
    public static Tensor rnnReluCell(Tensor input, Tensor hx, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {
        Args.require(input, "rnn_relu_cell", "input", 1, "Tensor");
        Args.require(hx, "rnn_relu_cell", "hx", 2, "Tensor");
        Args.require(wIh, "rnn_relu_cell", "w_ih", 3, "Tensor");
        Args.require(wHh, "rnn_relu_cell", "w_hh", 4, "Tensor");
        return RecurrentOps.rnnCell(false, input, hx, wIh, wHh, bIh, bHh);
    }

    // ------------------------------------------------------------------ losses with their own backward node

    /**
     * Negative log-likelihood of log-probabilities, as {@code F.nll_loss}: input {@code [C]} with a 0-d int64
     * target, {@code [N, C]} with {@code [N]}, or {@code [N, C, d1, ...]} with {@code [N, d1, ...]}; {@code weight}
     * ({@code [C]}) may be null; targets equal to {@code ignoreIndex} contribute nothing. One node,
     * {@code NllLossBackward0} ({@code NllLoss2DBackward0} from three dimensions up). {@link dev.ember.nn.Functional}
     * has the usual overloads.
     *
     * @throws IndexOutOfBoundsException for a target outside [0, C) (on a GPU, at the next synchronization)
     */
    public static Tensor nllLoss(Tensor input, Tensor target, Tensor weight, String reduction, long ignoreIndex) {
        return LossOps.nllLoss(input, target, weight, reduction, ignoreIndex);
    }

    /**
     * Binary cross entropy of probabilities in [0, 1], as {@code F.binary_cross_entropy}: logs clamped at -100,
     * gradients finite at 0 and 1, one {@code BinaryCrossEntropyBackward0} node; {@code weight} may be null.
     */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, Tensor weight, String reduction) {
        return LossOps.binaryCrossEntropy(input, target, weight, reduction);
    }

    /**
     * Binary cross entropy of logits, as {@code F.binary_cross_entropy_with_logits}, computed stably; {@code weight} and
     * {@code posWeight} may be null. One {@code BinaryCrossEntropyWithLogitsBackward0} node.
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor weight, Tensor posWeight,
                                                      String reduction) {
        return LossOps.binaryCrossEntropyWithLogits(input, target, weight, posWeight, reduction);
    }

    /**
     * Marks this leaf as a module parameter: it requires grad and prints as {@code Parameter containing:}.
     * Returns this tensor.
     *
     * @throws IllegalArgumentException for a non-leaf, or a tensor that is not floating point or complex (PyTorch's
     *     {@code nn.Parameter(t)}: {@code Only Tensors of floating point and complex dtype can require gradients})
     */
    public Tensor asParameter() {
        if (gradNode() != null) {
            throw new IllegalArgumentException("a parameter must be a leaf tensor; detach() it first");
        }
        if (!dtype.isFloatingPoint() && !dtype.isComplex()) {
            throw new IllegalArgumentException("Only Tensors of floating point and complex dtype can require gradients");
        }
        setRequiresGrad(true); // nn.Parameter's constructor, not the checked requires_grad_()
        isParameter = true;
        return this;
    }

    /**
     * The tensor {@code load_state_dict} swaps into this one, as PyTorch 2.3's {@code Tensor.module_load(other,
     * assign)}: {@code other.detach()} with {@code assign}, else {@code this.copy_(other).detach()} (see
     * {@link SwapTensors}).
     *
     * @param other the state dict's tensor
     * @param assign whether the result is {@code other}'s storage
     * @return a new tensor object
     */
    public Tensor moduleLoad(Tensor other, boolean assign) {
        return SwapTensors.moduleLoad(this, other, assign);
    }

    /** Whether this tensor is a module parameter. */
    public boolean isParameter() {
        return isParameter;
    }

    // ------------------------------------------------------------------ layers: activations, normalization, embeddings (issue 15)

    /** {@code torch.selu(input)}: PyTorch's {@code elu} with SELU's constants, one node EluBackward0. */
    public static Tensor selu(Tensor input) {
        Args.require(input, "selu", "input", 1, "Tensor");
        return ActivationOps.selu(input);
    }

    /** {@code torch.celu(input, alpha)}: {@code elu(x, alpha, 1, 1 / alpha)}, one node CeluBackward0. */
    public static Tensor celu(Tensor input, double alpha) {
        Args.require(input, "celu", "input", 1, "Tensor");
        return ActivationOps.celu(input, alpha);
    }

    /**
     * {@code torch.dropout(input, p, train)}: in training each element is dropped with probability {@code p} (default
     * generator) and the rest scaled by {@code 1 / (1 - p)}, one node NativeDropoutBackward0; otherwise the input.
     */
    public static Tensor dropout(Tensor input, double p, boolean train) {
        Args.require(input, "dropout", "input", 1, "Tensor");
        return ActivationOps.dropout(input, p, train);
    }

    /**
     * {@code torch.layer_norm}: normalizes over the last dimensions ({@code normalizedShape}) with elementwise
     * {@code weight} and {@code bias} (each may be null), one node NativeLayerNormBackward0.
     */
    public static Tensor layerNorm(Tensor input, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        Args.require(input, "layer_norm", "input", 1, "Tensor");
        Args.require(normalizedShape, "layer_norm", "normalized_shape", 2, "tuple of ints");
        return NormOps.layerNorm(input, normalizedShape, weight, bias, eps);
    }

    /** {@code torch.native_layer_norm}: the output with the mean and rstd of each row (ones in the normalized dimensions). */
    public static NormResult nativeLayerNorm(Tensor input, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        Args.require(input, "native_layer_norm", "input", 1, "Tensor");
        Args.require(normalizedShape, "native_layer_norm", "normalized_shape", 2, "tuple of ints");
        return NormOps.nativeLayerNorm(input, normalizedShape, weight, bias, eps);
    }

    /**
     * {@code torch._weight_norm(v, g, dim)}: {@code v * (g / ||v||)}, the norm over every dimension of {@code v} but
     * {@code dim} ({@code -1}: all of them), as weight normalization computes its weight. Dim 0 or the last without a
     * float16 operand is one node WeightNormInterfaceBackward0, as PyTorch 2.x on CPU and CUDA; other dims the
     * composition {@code v * (g / norm_except_dim(v, 2, dim))}.
     */
    public static Tensor weightNorm(Tensor v, Tensor g, int dim) {
        Args.require(v, "_weight_norm", "v", 1, "Tensor");
        Args.require(g, "_weight_norm", "g", 2, "Tensor");
        return WeightNormOps.weightNorm(v, g, dim);
    }

    /**
     * {@code torch.norm_except_dim(v, pow, dim)}: the {@code pow}-norm of {@code v} over every dimension but {@code dim},
     * kept as size-1 dimensions ({@code dim} -1: the norm of all elements, 0-dim).
     */
    public static Tensor normExceptDim(Tensor v, double pow, int dim) {
        Args.require(v, "norm_except_dim", "v", 1, "Tensor");
        return WeightNormOps.normExceptDim(v, pow, dim);
    }

    /**
     * {@code torch.rms_norm}: {@code x / sqrt(mean(x^2) + eps) * weight} over the last dimensions; {@code weight} may be
     * null and {@code eps} null means the type's machine epsilon. One node FusedRmsNormBackward0.
     */
    public static Tensor rmsNorm(Tensor input, int[] normalizedShape, Tensor weight, Double eps) {
        Args.require(input, "rms_norm", "input", 1, "Tensor");
        Args.require(normalizedShape, "rms_norm", "normalized_shape", 2, "tuple of ints");
        return NormOps.rmsNorm(input, normalizedShape, weight, eps);
    }

    /** {@code torch.group_norm}: normalizes an {@code [N, C, *]} input in {@code numGroups} groups of channels, NativeGroupNormBackward0. */
    public static Tensor groupNorm(Tensor input, int numGroups, Tensor weight, Tensor bias, double eps) {
        Args.require(input, "group_norm", "input", 1, "Tensor");
        return NormOps.groupNorm(input, numGroups, weight, bias, eps);
    }

    /** {@code torch.native_group_norm} of an {@code [N, C, *]} input: the output with each (sample, group)'s mean and rstd, {@code [N, groups]}. */
    public static NormResult nativeGroupNorm(Tensor input, Tensor weight, Tensor bias, int groups, double eps) {
        Args.require(input, "native_group_norm", "input", 1, "Tensor");
        return NormOps.nativeGroupNorm(input, weight, bias, groups, eps);
    }

    /**
     * {@code torch.batch_norm} over dimension 1: batch statistics in training (updating the running statistics given,
     * in place), the running statistics otherwise; every tensor but the input may be null (the running ones only in
     * training). One node NativeBatchNormBackward0.
     */
    public static Tensor batchNorm(Tensor input, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
                                   boolean training, double momentum, double eps) {
        Args.require(input, "batch_norm", "input", 1, "Tensor");
        return NormOps.batchNorm(input, weight, bias, runningMean, runningVar, training, momentum, eps);
    }

    /** {@code torch.native_batch_norm}: the output with the batch mean and invstd (empty outside training). */
    public static NormResult nativeBatchNorm(Tensor input, Tensor weight, Tensor bias, Tensor runningMean,
                                             Tensor runningVar, boolean training, double momentum, double eps) {
        Args.require(input, "native_batch_norm", "input", 1, "Tensor");
        return NormOps.nativeBatchNorm(input, weight, bias, runningMean, runningVar, training, momentum, eps);
    }

    /**
     * {@code torch.instance_norm}: per sample and channel, PyTorch's composition over batch norm (the output's node is
     * ViewBackward0 over NativeBatchNormBackward0); every tensor but the input may be null.
     */
    public static Tensor instanceNorm(Tensor input, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
                                      boolean useInputStats, double momentum, double eps) {
        Args.require(input, "instance_norm", "input", 1, "Tensor");
        return NormOps.instanceNorm(input, weight, bias, runningMean, runningVar, useInputStats, momentum, eps);
    }

    /**
     * {@code torch.embedding(weight, indices, padding_idx, scale_grad_by_freq)}: the rows of the 2-D weight at the int64
     * indices, one node EmbeddingBackward0 (dense gradient; none for the row {@code paddingIdx}, negative for none).
     */
    public static Tensor embedding(Tensor weight, Tensor indices, long paddingIdx, boolean scaleGradByFreq) {
        Args.require(weight, "embedding", "weight", 1, "Tensor");
        Args.require(indices, "embedding", "indices", 2, "Tensor");
        return NNOps.embedding(weight, indices, paddingIdx, scaleGradByFreq);
    }

    /**
     * {@code torch.embedding(weight, indices, padding_idx, scale_grad_by_freq, sparse)}: with {@code sparse} the
     * weight's gradient is sparse ({@link #sparseGrad()}), as {@code nn.Embedding(..., sparse=True)}'s.
     */
    public static Tensor embedding(Tensor weight, Tensor indices, long paddingIdx, boolean scaleGradByFreq,
                                   boolean sparse) {
        Args.require(weight, "embedding", "weight", 1, "Tensor");
        Args.require(indices, "embedding", "indices", 2, "Tensor");
        return NNOps.embedding(weight, indices, paddingIdx, scaleGradByFreq, sparse);
    }

    /** {@code torch.embedding_renorm_}: rescales in place the rows named by indices whose norm exceeds maxNorm; returns weight. */
    public static Tensor embeddingRenorm_(Tensor weight, Tensor indices, double maxNorm, double normType) {
        Args.require(weight, "embedding_renorm_", "self", 1, "Tensor");
        Args.require(indices, "embedding_renorm_", "indices", 2, "Tensor");
        return NNOps.embeddingRenorm_(weight, indices, maxNorm, normType);
    }

    /**
     * {@code torch.embedding_bag} of 1-D indices in bags starting at {@code offsets} (mode 0 sum, 1 mean, 2 max), the
     * output alone; {@code perSampleWeights} (sum only) may be null. One node EmbeddingBagBackward0.
     */
    public static Tensor embeddingBag(Tensor weight, Tensor indices, Tensor offsets, boolean scaleGradByFreq, int mode,
                                      Tensor perSampleWeights, boolean includeLastOffset, long paddingIdx) {
        Args.require(weight, "embedding_bag", "weight", 1, "Tensor");
        Args.require(indices, "embedding_bag", "indices", 2, "Tensor");
        Args.require(offsets, "embedding_bag", "offsets", 3, "Tensor");
        return NNOps.embeddingBag(weight, indices, offsets, scaleGradByFreq, mode, perSampleWeights, includeLastOffset,
                paddingIdx);
    }

    /**
     * {@code torch.embedding_bag(..., sparse)}: as {@link #embeddingBag(Tensor, Tensor, Tensor, boolean, int, Tensor,
     * boolean, long)}; with {@code sparse} (modes sum and mean) the weight's gradient is sparse ({@link #sparseGrad()}).
     */
    public static Tensor embeddingBag(Tensor weight, Tensor indices, Tensor offsets, boolean scaleGradByFreq, int mode,
                                      Tensor perSampleWeights, boolean includeLastOffset, long paddingIdx,
                                      boolean sparse) {
        Args.require(weight, "embedding_bag", "weight", 1, "Tensor");
        Args.require(indices, "embedding_bag", "indices", 2, "Tensor");
        Args.require(offsets, "embedding_bag", "offsets", 3, "Tensor");
        return NNOps.embeddingBag(weight, indices, offsets, scaleGradByFreq, mode, perSampleWeights, includeLastOffset,
                paddingIdx, sparse);
    }

    // ------------------------------------------------------------------ views and shape

    /** A view with a new shape (one size may be -1); fails when the strides do not allow it. */
    public Tensor view(int... shape) {
        Args.require(shape, "view", "shape", 1, "tuple of ints");
        return ViewOps.view(this, shape);
    }

    /** A view with a new shape when possible, otherwise a copy. */
    public Tensor reshape(int... shape) {
        Args.require(shape, "reshape", "shape", 1, "tuple of ints");
        // a copying reshape of a quantized activation is one too (PyTorch's reshape of a quantized tensor copies it as
        // quantized); a viewing one already is, sharing the storage
        return QuantizedActivations.follow(this, ViewOps.reshape(this, shape));
    }

    /** A view of {@code other}'s shape. */
    public Tensor viewAs(Tensor other) {
        Args.require(other, "view_as", "other", 1, "Tensor");
        return view(other.shape);
    }

    /** Flattens to 1-D. */
    public Tensor flatten() {
        return flatten(0, -1);
    }

    /** Flattens dimensions {@code startDim..endDim} into one. */
    public Tensor flatten(int startDim, int endDim) {
        return QuantizedActivations.follow(this, ViewOps.flatten(this, startDim, endDim));
    }

    /** Flattens dimensions {@code startDim} to the last into one, as {@code torch.flatten(x, start_dim)}. */
    public Tensor flatten(int startDim) {
        return flatten(startDim, -1);
    }

    /** Swaps two dimensions (a view). */
    public Tensor transpose(int dim0, int dim1) {
        return ViewOps.transpose(this, dim0, dim1, "TransposeBackward0");
    }

    /** {@code torch.swapaxes}: the same as {@link #transpose} ({@code TransposeBackward0}). */
    public Tensor swapaxes(int axis0, int axis1) {
        return transpose(axis0, axis1);
    }

    /** {@code torch.swapdims}: the same as {@link #transpose} ({@code TransposeBackward0}). */
    public Tensor swapdims(int dim0, int dim1) {
        return transpose(dim0, dim1);
    }

    /** Transpose of a tensor of at most 2 dimensions (a view). */
    public Tensor t() {
        if (shape.length > 2) {
            throw new IllegalArgumentException("t() expects a tensor with <= 2 dimensions, but self is " + shape.length + "D");
        }
        return shape.length < 2 ? ViewOps.alias(this, "TBackward0") : ViewOps.transpose(this, 0, 1, "TBackward0");
    }

    /**
     * All dimensions reversed, as {@code tensor.T}; as PyTorch 2.x's {@code numpy_T}, a tensor of neither 0 nor 2
     * dimensions logs its deprecation warning once per process, and so does a 0-D one (2.0's, the identity).
     */
    public Tensor T() {
        if (shape.length != 2 && shape.length != 0) {
            WarnOnce.warn(WarnOnce.T_NOT_MATRIX);
        }
        if (shape.length == 0) {
            WarnOnce.warn(WarnOnce.T_SCALAR);
        }
        int[] order = new int[shape.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = order.length - 1 - i;
        }
        return permute(order);
    }

    /**
     * The last two dimensions swapped, as {@code tensor.mT}; a 0-D tensor is returned itself after PyTorch 2.0's one-time
     * deprecation warning (its {@code _adjoint}: the identity, as in 1.13), a 1-D tensor is refused.
     */
    public Tensor mT() {
        if (shape.length == 0) {
            WarnOnce.warn(WarnOnce.MT_SCALAR);
            return this;
        }
        if (shape.length == 1) {
            throw new IllegalArgumentException("tensor.mT is only supported on matrices or batches of matrices. Got "
                    + "1-D tensor.");
        }
        return transpose(-2, -1);
    }

    /**
     * The conjugate transpose of a matrix, as {@code tensor.H}: {@link #mH()} of a 2-D tensor; a 0-D tensor's conjugate
     * (itself when real) after PyTorch 2.0's one-time deprecation warning; any other rank is refused in PyTorch's words.
     *
     * @return the matrix's adjoint
     */
    public Tensor H() {
        if (shape.length == 0) {
            WarnOnce.warn(WarnOnce.H_SCALAR);
            return dtype.isComplex() ? conj() : this;
        }
        if (shape.length != 2) {
            throw new IllegalArgumentException("tensor.H is only supported on matrices (2-D tensors). Got "
                    + shape.length + "-D tensor." + (shape.length > 2
                            ? " For batches of matrices, consider using tensor.mH" : ""));
        }
        return dtype.isComplex() ? transpose(-2, -1).conj() : transpose(-2, -1);
    }

    /**
     * The conjugate transpose of the last two dimensions (for real tensors {@link #mT()}; a 0-dim tensor itself), as
     * {@code Tensor.adjoint()}; a 1-D tensor is refused, as PyTorch's. A complex tensor's is conjugated into a new tensor
     * (PyTorch's is a view with the conjugate bit, which Ember does not have).
     */
    public Tensor adjoint() {
        if (shape.length == 0) {
            WarnOnce.warn(WarnOnce.ADJOINT_SCALAR); // PyTorch 2.0's one-time deprecation warning
            return dtype.isComplex() ? conj() : this; // PyTorch's _adjoint: a 0-dim tensor's is its conjugate
        }
        if (shape.length == 1) {
            throw new IllegalArgumentException("tensor.adjoint() is only supported on matrices or batches of matrices. Got "
                    + shape.length + "-D tensor.");
        }
        return dtype.isComplex() ? transpose(-2, -1).conj() : transpose(-2, -1);
    }

    /**
     * The conjugate transpose of the last two dimensions, as {@code tensor.mH}: {@link #mT()} for real tensors, its
     * conjugate for complex ones (a new tensor: Ember has no lazy conjugate bit). A 0-D tensor gives its conjugate (itself
     * when real) after PyTorch 2.0's one-time deprecation warning, as its {@code _adjoint}; a 1-D tensor is refused.
     *
     * @return the matrices' adjoints
     */
    public Tensor mH() {
        if (shape.length == 0) {
            WarnOnce.warn(WarnOnce.MH_SCALAR);
            return dtype.isComplex() ? conj() : this;
        }
        if (shape.length == 1) {
            throw new IllegalArgumentException("tensor.mH is only supported on matrices or batches of matrices. Got "
                    + "1-D tensor.");
        }
        return dtype.isComplex() ? transpose(-2, -1).conj() : transpose(-2, -1);
    }

    /** Reorders the dimensions (a view). */
    public Tensor permute(int... dims) {
        Args.require(dims, "permute", "dims", 1, "tuple of ints");
        return ViewOps.permute(this, dims);
    }

    /** Removes all size-1 dimensions (a view). */
    public Tensor squeeze() {
        return ViewOps.squeeze(this, null);
    }

    /** Removes a dimension if its size is 1 (a view). */
    public Tensor squeeze(int dim) {
        return ViewOps.squeeze(this, dim);
    }

    /**
     * Removes each listed dimension whose size is 1 (a view), as PyTorch 2.x's {@code squeeze(dims)}: the others stay,
     * and a dimension listed twice is an error ({@code SqueezeBackward2}).
     */
    public Tensor squeeze(int... dims) {
        Args.require(dims, "squeeze", "dim", 1, "tuple of ints");
        return ViewOps.squeezeDims(this, dims);
    }

    /** Inserts a size-1 dimension (a view). */
    public Tensor unsqueeze(int dim) {
        return ViewOps.unsqueeze(this, dim);
    }

    /** Broadcasts to a larger shape without copying; -1 keeps a size. */
    public Tensor expand(int... sizes) {
        Args.require(sizes, "expand", "sizes", 1, "tuple of ints");
        return ViewOps.expandPublic(this, sizes);
    }

    /** Broadcasts to {@code other}'s shape. */
    public Tensor expandAs(Tensor other) {
        Args.require(other, "expand_as", "other", 1, "Tensor");
        return expand(other.shape);
    }

    /** Elements {@code start..start+length-1} along a dimension (a view). */
    public Tensor narrow(int dim, int start, int length) {
        return ViewOps.narrow(this, dim, start, length);
    }

    /**
     * {@code length} elements from {@code start} along {@code dim} in a new contiguous tensor (not a view), as
     * {@code Tensor.narrow_copy(dim, start, length)}.
     */
    public Tensor narrowCopy(int dim, int start, int length) {
        return ViewOps.narrowCopy(this, dim, start, length);
    }

    /** Elements {@code start, start+step, ...} below {@code end} along a dimension, as Python slicing (a view). */
    public Tensor slice(int dim, int start, int end, int step) {
        return ViewOps.slice(this, dim, start, end, step);
    }

    /** The sub-tensor at {@code index} along a dimension, removing it (a view). */
    public Tensor select(int dim, int index) {
        return ViewOps.select(this, dim, index);
    }

    /** Indexing by leading dimensions, as {@code tensor[i, j]} (a view). */
    public Tensor get(int... indices) {
        Args.require(indices, "get", "indices", 1, "tuple of ints");
        if (indices.length > 0 && shape.length == 0) {
            throw new IndexOutOfBoundsException("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                    + "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number");
        }
        if (indices.length > shape.length) {
            throw new IndexOutOfBoundsException("too many indices for tensor of dimension " + shape.length);
        }
        for (int k = 0; k < indices.length; k++) {
            if (indices[k] < -shape[k] || indices[k] >= shape[k]) {
                throw new IndexOutOfBoundsException("index " + indices[k] + " is out of bounds for dimension " + k
                        + " with size " + shape[k]);
            }
        }
        Tensor t = this;
        for (int index : indices) {
            t = t.select(0, index);
        }
        return t;
    }

    /** This tensor if contiguous, otherwise a contiguous copy ({@code CloneBackward0}). */
    public Tensor contiguous() {
        return isContiguous() ? this : QuantizedActivations.follow(this, ViewOps.cloneContiguous(this));
    }

    /**
     * A copy with its own storage, differentiable ({@code CloneBackward0}), in PyTorch's {@code preserve_format}: the
     * copy keeps this tensor's strides where they are non-overlapping and dense (a transposed, permuted or channels-last
     * tensor stays so), and otherwise takes dense strides in the same order of dimensions (a sliced or expanded
     * tensor's copy is dense, its dimensions ordered as in memory). {@link #contiguous()} gives a row-major copy.
     */
    @Override
    public Tensor clone() {
        return QuantizedActivations.follow(this, ViewOps.clone(this));
    }

    /**
     * A copy in {@code memoryFormat}, as {@code clone(memory_format=...)}: row-major for
     * {@link MemoryFormat#CONTIGUOUS_FORMAT}, channels-last strides for {@link MemoryFormat#CHANNELS_LAST} (-3d), this
     * tensor's own for {@link MemoryFormat#PRESERVE_FORMAT} ({@link #clone()}); differentiable ({@code CloneBackward0}).
     *
     * @throws IllegalArgumentException for channels-last on a tensor not 4-D (5-D for -3d), PyTorch's "required rank 4
     *     tensor to use channels_last format"
     */
    public Tensor clone(MemoryFormat memoryFormat) {
        Args.require(memoryFormat, "clone", "memory_format", 1, "torch.memory_format");
        return MemoryFormatOps.clone(this, memoryFormat);
    }

    /**
     * This tensor when it is contiguous in {@code memoryFormat}, else {@link #clone(MemoryFormat)}, as
     * {@code contiguous(memory_format=...)} ({@code x.contiguous(memory_format=torch.channels_last)}).
     *
     * @throws IllegalArgumentException for {@link MemoryFormat#PRESERVE_FORMAT} on a tensor that is not contiguous
     *     (PyTorch's "preserve memory format is unsupported by the contiguous operator"), or the rank
     *     {@link #clone(MemoryFormat)} refuses
     */
    public Tensor contiguous(MemoryFormat memoryFormat) {
        Args.require(memoryFormat, "contiguous", "memory_format", 1, "torch.memory_format");
        return MemoryFormatOps.contiguous(this, memoryFormat);
    }

    /**
     * Whether the elements are dense in {@code memoryFormat}'s order, as {@code is_contiguous(memory_format=...)}:
     * c10's channels-last contiguity for a 4-D tensor (-3d: 5-D; false for other ranks), row-major contiguity for
     * {@link MemoryFormat#CONTIGUOUS_FORMAT} and {@link MemoryFormat#PRESERVE_FORMAT}.
     */
    public boolean isContiguous(MemoryFormat memoryFormat) {
        Args.require(memoryFormat, "is_contiguous", "memory_format", 1, "torch.memory_format");
        return MemoryFormatOps.isContiguous(this, memoryFormat);
    }

    /**
     * This tensor in {@code memoryFormat}, as {@code to(memory_format=...)}: itself when it is already contiguous in
     * it (and for {@link MemoryFormat#PRESERVE_FORMAT}), else a copy ({@code ToCopyBackward0}).
     *
     * @throws IllegalArgumentException for the rank {@link #clone(MemoryFormat)} refuses
     */
    public Tensor to(MemoryFormat memoryFormat) {
        Args.require(memoryFormat, "to", "memory_format", 1, "torch.memory_format");
        return MemoryFormatOps.to(this, memoryFormat);
    }

    /** Concatenates tensors along an existing dimension. */
    public static Tensor cat(List<Tensor> tensors, int dim) {
        Args.require(tensors, "cat", "tensors", 1, "tuple of Tensors");
        return ViewOps.cat(tensors, dim);
    }

    /** Stacks tensors along a new dimension. */
    public static Tensor stack(List<Tensor> tensors, int dim) {
        Args.require(tensors, "stack", "tensors", 1, "tuple of Tensors");
        return ViewOps.stack(tensors, dim);
    }

    // ------------------------------------------------------------------ indexing

    /** {@code x[indices]}: a view for ints, slices, None and ellipsis ({@link Index}), else a copy ({@code IndexBackward0}). */
    public Tensor index(Index... indices) {
        Args.require(indices, "index", "indices", 1, "tuple of Index");
        return IndexingOps.index(this, indices);
    }

    /** {@code x[indices] = values} in place ({@code index_put_}); with {@code accumulate}, values at repeated indices add up. */
    public Tensor indexPut_(Index[] indices, Tensor values, boolean accumulate) {
        Args.require(indices, "index_put_", "indices", 1, "tuple of Index");
        Args.require(values, "index_put_", "values", 2, "Tensor");
        return IndexingOps.indexPut_(this, indices, values, accumulate);
    }

    /**
     * PyTorch's {@code index_put_(indices, values, accumulate)}: {@code indices} holds a tensor per dimension from the
     * first (int64, int32, or a bool / uint8 mask), null for a whole dimension (Python's None); the values are taken
     * as given, where {@code x[indices] = values} ({@link #indexPut_(Index[], Tensor, boolean)}) first drops their
     * leading size-1 dimensions, so values of shape {@code [1, 5]} for a one-element result are refused here.
     */
    public Tensor indexPut_(Tensor[] indices, Tensor values, boolean accumulate) {
        Args.require(indices, "index_put_", "indices", 1, "tuple of Tensors");
        Args.require(values, "index_put_", "values", 2, "Tensor");
        return IndexingOps.indexPutTensors_(this, indices, values, accumulate);
    }

    /** {@code x[indices] = value} in place, the number converted to this tensor's type. */
    public Tensor indexPut_(Index[] indices, double value, boolean accumulate) {
        Args.require(indices, "index_put_", "indices", 1, "tuple of Index");
        return IndexingOps.indexPut_(this, indices, IndexingOps.valueOf(this, value), accumulate);
    }

    /** {@code x[indices] = value} in place with a Python int: exact for an int64 tensor however large. */
    public Tensor indexPut_(Index[] indices, long value, boolean accumulate) {
        Args.require(indices, "index_put_", "indices", 1, "tuple of Index");
        return IndexingOps.indexPut_(this, indices, IndexingOps.valueOf(this, value), accumulate);
    }

    /** A copy with {@code values} put at {@code indices}, as {@code torch.index_put} ({@code IndexPutBackward0}). */
    public Tensor indexPut(Index[] indices, Tensor values, boolean accumulate) {
        Args.require(indices, "index_put", "indices", 1, "tuple of Index");
        Args.require(values, "index_put", "values", 2, "Tensor");
        return IndexingOps.indexPut(this, indices, values, accumulate);
    }

    /** A copy with {@code value} put at {@code indices}, the number converted to this tensor's type. */
    public Tensor indexPut(Index[] indices, double value, boolean accumulate) {
        Args.require(indices, "index_put", "indices", 1, "tuple of Index");
        return IndexingOps.indexPut(this, indices, IndexingOps.valueOf(this, value), accumulate);
    }

    /** {@link #indexPut(Index[], double, boolean)} with a Python int: exact for an int64 tensor however large. */
    public Tensor indexPut(Index[] indices, long value, boolean accumulate) {
        Args.require(indices, "index_put", "indices", 1, "tuple of Index");
        return IndexingOps.indexPut(this, indices, IndexingOps.valueOf(this, value), accumulate);
    }

    /** The slices at the int64 vector {@code index} along {@code dim}, as {@code torch.index_select}. */
    public Tensor indexSelect(int dim, Tensor index) {
        Args.require(index, "index_select", "index", 2, "Tensor");
        return IndexingOps.indexSelect(this, dim, index);
    }

    /** The elements at {@code index} along {@code dim} ({@code out[i][j] = self[index[i][j]][j]} for dim 0), {@code gather}. */
    public Tensor gather(int dim, Tensor index) {
        Args.require(index, "gather", "index", 2, "Tensor");
        return IndexingOps.gather(this, dim, index);
    }

    /** A copy with {@code src}'s elements written at {@code index} along {@code dim}, as {@code torch.scatter}. */
    public Tensor scatter(int dim, Tensor index, Tensor src) {
        Args.require(index, "scatter", "index", 2, "Tensor");
        Args.require(src, "scatter", "src", 3, "Tensor");
        return IndexingOps.scatter(this, dim, index, src);
    }

    /** A copy with {@code value} written at {@code index} along {@code dim}, as {@code torch.scatter} with a number. */
    public Tensor scatter(int dim, Tensor index, double value) {
        Args.require(index, "scatter", "index", 2, "Tensor");
        return IndexingOps.scatter(this, dim, index, value);
    }

    /**
     * {@code scatter} with a complex number (PyTorch's {@code scatter(dim, index, 1 + 2j)}); a real tensor takes only a
     * number with a zero imaginary part.
     */
    public Tensor scatter(int dim, Tensor index, Complex value) {
        Args.require(index, "scatter", "index", 2, "Tensor");
        Args.require(value, "scatter", "value", 3, "complex");
        return ComplexIndexing.scatter(this, dim, index, value);
    }

    /** {@code scatter} with a Python int: exact for an int64 tensor however large. */
    public Tensor scatter(int dim, Tensor index, long value) {
        Args.require(index, "scatter", "index", 2, "Tensor");
        return IndexingOps.scatter(this, dim, index, value);
    }

    /** {@code scatter} in place. */
    public Tensor scatter_(int dim, Tensor index, Tensor src) {
        Args.require(index, "scatter_", "index", 2, "Tensor");
        Args.require(src, "scatter_", "src", 3, "Tensor");
        return IndexingOps.scatter_(this, dim, index, src);
    }

    /** {@code scatter} of a number, in place. */
    public Tensor scatter_(int dim, Tensor index, double value) {
        Args.require(index, "scatter_", "index", 2, "Tensor");
        return IndexingOps.scatter_(this, dim, index, value);
    }

    /** {@code scatter_} with a Python int: exact for an int64 tensor however large. */
    public Tensor scatter_(int dim, Tensor index, long value) {
        Args.require(index, "scatter_", "index", 2, "Tensor");
        return IndexingOps.scatter_(this, dim, index, value);
    }

    /** A copy with {@code src}'s elements added at {@code index} along {@code dim} (repeats summed), {@code scatter_add}. */
    public Tensor scatterAdd(int dim, Tensor index, Tensor src) {
        Args.require(index, "scatter_add", "index", 2, "Tensor");
        Args.require(src, "scatter_add", "src", 3, "Tensor");
        return IndexingOps.scatterAdd(this, dim, index, src);
    }

    /** {@code scatterAdd} in place. */
    public Tensor scatterAdd_(int dim, Tensor index, Tensor src) {
        Args.require(index, "scatter_add_", "index", 2, "Tensor");
        Args.require(src, "scatter_add_", "src", 3, "Tensor");
        return IndexingOps.scatterAdd_(this, dim, index, src);
    }

    /** {@code scatterReduce} including this tensor's own elements ({@code include_self=True}). */
    public Tensor scatterReduce(int dim, Tensor index, Tensor src, String reduce) {
        Args.require(index, "scatter_reduce", "index", 2, "Tensor");
        Args.require(src, "scatter_reduce", "src", 3, "Tensor");
        Args.require(reduce, "scatter_reduce", "reduce", 4, "str");
        return IndexingOps.scatterReduce(this, dim, index, src, reduce, true);
    }

    /** A copy with {@code src} reduced in at {@code index} along {@code dim} (sum, prod, mean, amax, amin), {@code scatter_reduce}. */
    public Tensor scatterReduce(int dim, Tensor index, Tensor src, String reduce, boolean includeSelf) {
        Args.require(index, "scatter_reduce", "index", 2, "Tensor");
        Args.require(src, "scatter_reduce", "src", 3, "Tensor");
        Args.require(reduce, "scatter_reduce", "reduce", 4, "str");
        return IndexingOps.scatterReduce(this, dim, index, src, reduce, includeSelf);
    }

    /** {@code scatterReduce} in place. */
    public Tensor scatterReduce_(int dim, Tensor index, Tensor src, String reduce, boolean includeSelf) {
        Args.require(index, "scatter_reduce_", "index", 2, "Tensor");
        Args.require(src, "scatter_reduce_", "src", 3, "Tensor");
        Args.require(reduce, "scatter_reduce_", "reduce", 4, "str");
        return IndexingOps.scatterReduce_(this, dim, index, src, reduce, includeSelf);
    }

    /** A copy with {@code source}'s slices added at {@code index} along {@code dim}, as {@code torch.index_add}. */
    public Tensor indexAdd(int dim, Tensor index, Tensor source) {
        Args.require(index, "index_add", "index", 2, "Tensor");
        Args.require(source, "index_add", "source", 3, "Tensor");
        return IndexingOps.indexAdd(this, dim, index, source, 1);
    }

    /** {@code indexAdd} of {@code alpha * source}. */
    public Tensor indexAdd(int dim, Tensor index, Tensor source, double alpha) {
        Args.require(index, "index_add", "index", 2, "Tensor");
        Args.require(source, "index_add", "source", 3, "Tensor");
        return IndexingOps.indexAdd(this, dim, index, source, alpha);
    }

    /** {@code indexAdd} in place. */
    public Tensor indexAdd_(int dim, Tensor index, Tensor source) {
        Args.require(index, "index_add_", "index", 2, "Tensor");
        Args.require(source, "index_add_", "source", 3, "Tensor");
        return IndexingOps.indexAdd_(this, dim, index, source, 1);
    }

    /** {@code indexAdd} of {@code alpha * source}, in place. */
    public Tensor indexAdd_(int dim, Tensor index, Tensor source, double alpha) {
        Args.require(index, "index_add_", "index", 2, "Tensor");
        Args.require(source, "index_add_", "source", 3, "Tensor");
        return IndexingOps.indexAdd_(this, dim, index, source, alpha);
    }

    /** A copy with {@code source}'s slices copied to {@code index} along {@code dim}, as {@code torch.index_copy}. */
    public Tensor indexCopy(int dim, Tensor index, Tensor source) {
        Args.require(index, "index_copy", "index", 2, "Tensor");
        Args.require(source, "index_copy", "source", 3, "Tensor");
        return IndexingOps.indexCopy(this, dim, index, source);
    }

    /** {@code indexCopy} in place. */
    public Tensor indexCopy_(int dim, Tensor index, Tensor source) {
        Args.require(index, "index_copy_", "index", 2, "Tensor");
        Args.require(source, "index_copy_", "source", 3, "Tensor");
        return IndexingOps.indexCopy_(this, dim, index, source);
    }

    /** A copy with the slices at {@code index} along {@code dim} set to {@code value}, as {@code torch.index_fill}. */
    public Tensor indexFill(int dim, Tensor index, double value) {
        Args.require(index, "index_fill", "index", 2, "Tensor");
        return IndexingOps.indexFill(this, dim, index, value);
    }

    /** {@code indexFill} with a Python int: exact for an int64 tensor however large. */
    public Tensor indexFill(int dim, Tensor index, long value) {
        Args.require(index, "index_fill", "index", 2, "Tensor");
        Tensor v = ArithmeticOps.exactScalar(this, value);
        if (v == null) {
            return indexFill(dim, index, ArithmeticOps.fillValue(value, dtype));
        }
        try (v) {
            return IndexingOps.indexFill(this, dim, index, v);
        }
    }

    /** {@code indexFill} with a Python bool: true 1, false 0 in a numeric tensor, true/false in a bool one. */
    public Tensor indexFill(int dim, Tensor index, boolean value) {
        return indexFill(dim, index, value ? 1L : 0L);
    }

    /**
     * {@code indexFill} with a complex number (PyTorch's {@code index_fill(dim, index, 1 - 2j)}); a real tensor takes only
     * a number with a zero imaginary part.
     */
    public Tensor indexFill(int dim, Tensor index, Complex value) {
        Args.require(index, "index_fill", "index", 2, "Tensor");
        Args.require(value, "index_fill", "value", 3, "complex");
        return ComplexIndexing.indexFill(this, dim, index, value);
    }

    /** {@code indexFill} with a 0-dim tensor's value (differentiable in it). */
    public Tensor indexFill(int dim, Tensor index, Tensor value) {
        Args.require(index, "index_fill", "index", 2, "Tensor");
        Args.require(value, "index_fill", "value", 3, "Tensor");
        return IndexingOps.indexFill(this, dim, index, value);
    }

    /** {@code indexFill} in place. */
    public Tensor indexFill_(int dim, Tensor index, double value) {
        Args.require(index, "index_fill_", "index", 2, "Tensor");
        return IndexingOps.indexFill_(this, dim, index, value);
    }

    /** {@code indexFill_} with a Python int: exact for an int64 tensor however large. */
    public Tensor indexFill_(int dim, Tensor index, long value) {
        Args.require(index, "index_fill_", "index", 2, "Tensor");
        Tensor v = ArithmeticOps.exactScalar(this, value);
        if (v == null) {
            return indexFill_(dim, index, ArithmeticOps.fillValue(value, dtype));
        }
        try (v) {
            return IndexingOps.indexFill_(this, dim, index, v);
        }
    }

    /** {@code indexFill_} with a Python bool: true 1, false 0 in a numeric tensor, true/false in a bool one. */
    public Tensor indexFill_(int dim, Tensor index, boolean value) {
        return indexFill_(dim, index, value ? 1L : 0L);
    }

    /** {@code indexFill} with a 0-dim tensor's value, in place. */
    public Tensor indexFill_(int dim, Tensor index, Tensor value) {
        Args.require(index, "index_fill_", "index", 2, "Tensor");
        Args.require(value, "index_fill_", "value", 3, "Tensor");
        return IndexingOps.indexFill_(this, dim, index, value);
    }

    /** The elements at {@code index} of the flattened tensor (negative counting from the end), as {@code torch.take}. */
    public Tensor take(Tensor index) {
        Args.require(index, "take", "index", 1, "Tensor");
        return IndexingOps.take(this, index);
    }

    /**
     * Writes {@code source}'s elements at {@code index} of this tensor seen as 1-D (in its logical order, negative
     * indices counting from the end), as {@code Tensor.put_(index, source)}; the last write wins at a repeated index.
     *
     * @throws IndexOutOfBoundsException for an index out of range or a count differing from {@code source}'s
     * @throws IllegalArgumentException for an index that is not int64 or a source of another type
     */
    public Tensor put_(Tensor index, Tensor source) {
        return put_(index, source, false);
    }

    /** {@link #put_(Tensor, Tensor)}; with {@code accumulate} the elements are added, repeats summed. */
    public Tensor put_(Tensor index, Tensor source, boolean accumulate) {
        Args.require(index, "put_", "index", 1, "Tensor");
        Args.require(source, "put_", "source", 2, "Tensor");
        return IndexingOps.put_(this, index, source, accumulate);
    }

    /** {@link #put_(Tensor, Tensor, boolean)} on a copy, as {@code torch.put(input, index, source, accumulate)}. */
    public Tensor put(Tensor index, Tensor source, boolean accumulate) {
        Args.require(index, "put", "index", 1, "Tensor");
        Args.require(source, "put", "source", 2, "Tensor");
        return IndexingOps.put(this, index, source, accumulate);
    }

    /** {@link #put(Tensor, Tensor, boolean)} without accumulating. */
    public Tensor put(Tensor index, Tensor source) {
        return put(index, source, false);
    }

    /** The elements at {@code indices} along {@code dim}, both broadcast, as {@code torch.take_along_dim}. */
    public Tensor takeAlongDim(Tensor indices, int dim) {
        Args.require(indices, "take_along_dim", "indices", 1, "Tensor");
        return IndexingOps.takeAlongDim(this, indices, dim);
    }

    /** {@code takeAlongDim} over the flattened tensor. */
    public Tensor takeAlongDim(Tensor indices) {
        Args.require(indices, "take_along_dim", "indices", 1, "Tensor");
        return IndexingOps.takeAlongDim(this, indices);
    }

    /** A copy with {@code value} where the bool {@code mask} (broadcast) is true, as {@code torch.masked_fill}. */
    public Tensor maskedFill(Tensor mask, double value) {
        Args.require(mask, "masked_fill", "mask", 1, "Tensor");
        return IndexingOps.maskedFill(this, mask, value);
    }

    /** {@code maskedFill} with a Python int: exact for an int64 tensor however large. */
    public Tensor maskedFill(Tensor mask, long value) {
        Args.require(mask, "masked_fill", "mask", 1, "Tensor");
        Tensor v = ArithmeticOps.exactScalar(this, value);
        if (v == null) {
            return maskedFill(mask, ArithmeticOps.fillValue(value, dtype));
        }
        try (v) {
            return IndexingOps.maskedFill(this, mask, v);
        }
    }

    /**
     * {@code maskedFill} with a Python bool, as {@code masked_fill(mask, True)}: true is 1 and false 0 in a numeric
     * tensor, true/false in a bool one; the result keeps this tensor's dtype.
     */
    public Tensor maskedFill(Tensor mask, boolean value) {
        return maskedFill(mask, value ? 1L : 0L);
    }

    /**
     * {@code maskedFill} with a complex number (PyTorch's {@code masked_fill(mask, 1.5 + 2j)}); a real tensor takes only
     * a number with a zero imaginary part.
     */
    public Tensor maskedFill(Tensor mask, Complex value) {
        Args.require(mask, "masked_fill", "mask", 1, "Tensor");
        Args.require(value, "masked_fill", "value", 2, "complex");
        return ComplexIndexing.maskedFill(this, mask, value);
    }

    /** {@code maskedFill} with a 0-dim tensor's value (differentiable in it). */
    public Tensor maskedFill(Tensor mask, Tensor value) {
        Args.require(mask, "masked_fill", "mask", 1, "Tensor");
        Args.require(value, "masked_fill", "value", 2, "Tensor");
        return IndexingOps.maskedFill(this, mask, value);
    }

    /** {@code maskedFill} in place. */
    public Tensor maskedFill_(Tensor mask, double value) {
        Args.require(mask, "masked_fill_", "mask", 1, "Tensor");
        return IndexingOps.maskedFill_(this, mask, value);
    }

    /** {@code maskedFill_} with a Python int: exact for an int64 tensor however large. */
    public Tensor maskedFill_(Tensor mask, long value) {
        Args.require(mask, "masked_fill_", "mask", 1, "Tensor");
        Tensor v = ArithmeticOps.exactScalar(this, value);
        if (v == null) {
            return maskedFill_(mask, ArithmeticOps.fillValue(value, dtype));
        }
        try (v) {
            return IndexingOps.maskedFill_(this, mask, v);
        }
    }

    /** {@code maskedFill_} with a Python bool: true is 1 and false 0 in a numeric tensor, true/false in a bool one. */
    public Tensor maskedFill_(Tensor mask, boolean value) {
        return maskedFill_(mask, value ? 1L : 0L);
    }

    /** {@code maskedFill} with a 0-dim tensor's value, in place. */
    public Tensor maskedFill_(Tensor mask, Tensor value) {
        Args.require(mask, "masked_fill_", "mask", 1, "Tensor");
        Args.require(value, "masked_fill_", "value", 2, "Tensor");
        return IndexingOps.maskedFill_(this, mask, value);
    }

    /** The elements where the bool {@code mask} (broadcast) is true, in a 1-D tensor, as {@code torch.masked_select}. */
    public Tensor maskedSelect(Tensor mask) {
        Args.require(mask, "masked_select", "mask", 1, "Tensor");
        return IndexingOps.maskedSelect(this, mask);
    }

    /** A copy with {@code source}'s first elements written where {@code mask} is true, in order, {@code masked_scatter}. */
    public Tensor maskedScatter(Tensor mask, Tensor source) {
        Args.require(mask, "masked_scatter", "mask", 1, "Tensor");
        Args.require(source, "masked_scatter", "source", 2, "Tensor");
        return IndexingOps.maskedScatter(this, mask, source);
    }

    /** {@code maskedScatter} in place. */
    public Tensor maskedScatter_(Tensor mask, Tensor source) {
        Args.require(mask, "masked_scatter_", "mask", 1, "Tensor");
        Args.require(source, "masked_scatter_", "source", 2, "Tensor");
        return IndexingOps.maskedScatter_(this, mask, source);
    }

    /**
     * This tensor as a sparse COO tensor over all its dims, as {@code to_sparse()}: the nonzero elements, coalesced,
     * differentiable ({@code ToSparseBackward0}); see {@link dev.ember.sparse.SparseTensor}.
     */
    public dev.ember.sparse.SparseTensor toSparse() {
        return dev.ember.sparse.Sparse.fromDense(this, dim(), false);
    }

    /**
     * This tensor as a hybrid sparse COO tensor, as {@code to_sparse(sparse_dim)}: its first {@code sparseDim} dims
     * sparse (the positions whose dense slice has a nonzero element), the rest dense ({@code ToSparseBackward1}).
     */
    public dev.ember.sparse.SparseTensor toSparse(int sparseDim) {
        return dev.ember.sparse.Sparse.fromDense(this, sparseDim, true);
    }

    /**
     * This matrix as a CSR tensor, as {@code to_sparse_csr()}: its nonzero elements row by row
     * ({@link dev.ember.sparse.Sparse#toSparseCsr}).
     */
    public dev.ember.sparse.SparseCsrTensor toSparseCsr() {
        return dev.ember.sparse.Sparse.toSparseCsr(this);
    }

    /** This matrix as a CSC tensor, as {@code to_sparse_csc()} ({@link dev.ember.sparse.Sparse#toSparseCsc}). */
    public dev.ember.sparse.SparseCsrTensor toSparseCsc() {
        return dev.ember.sparse.Sparse.toSparseCsc(this);
    }

    /** {@code this + sparse}, a dense tensor, as {@code torch.add(dense, sparse)} ({@link dev.ember.sparse.Sparse#add}). */
    public Tensor add(dev.ember.sparse.SparseTensor sparse) {
        return dev.ember.sparse.Sparse.add(this, sparse, 1);
    }

    /** This tensor's elements at the entries of a sparse {@code mask}, as {@code sparse_mask} ({@link dev.ember.sparse.Sparse#sparseMask}). */
    public dev.ember.sparse.SparseTensor sparseMask(dev.ember.sparse.SparseTensor mask) {
        return dev.ember.sparse.Sparse.sparseMask(this, mask);
    }

    /** The int64 coordinates {@code [n, dim]} of the nonzero elements in row-major order, as {@code torch.nonzero}. */
    public Tensor nonzero() {
        return IndexingOps.nonzero(this);
    }

    /** The coordinates of the nonzero elements, one int64 vector per dimension, as {@code nonzero(as_tuple=True)}. */
    public List<Tensor> nonzeroAsTuple() {
        return TensorTuple.of(IndexingOps.nonzeroAsTuple(this));
    }

    /** {@code torch.where(condition)} with one argument: {@code condition.nonzeroAsTuple()}. */
    public static List<Tensor> where(Tensor condition) {
        Args.require(condition, "where", "condition", 1, "Tensor");
        return TensorTuple.of(IndexingOps.nonzeroAsTuple(condition));
    }

    /** The coordinates of the nonzero elements, as {@code torch.argwhere} (the same as {@link #nonzero()}). */
    public Tensor argwhere() {
        return IndexingOps.nonzero(this);
    }

    /** The flattened elements each repeated {@code repeats[i]} times (int64 repeats), as {@code torch.repeat_interleave}. */
    public Tensor repeatInterleave(Tensor repeats) {
        Args.require(repeats, "repeat_interleave", "repeats", 1, "Tensor");
        return IndexingOps.repeatInterleave(this, repeats, null, null);
    }

    /** The slices along {@code dim} each repeated {@code repeats[i]} times. */
    public Tensor repeatInterleave(Tensor repeats, int dim) {
        Args.require(repeats, "repeat_interleave", "repeats", 1, "Tensor");
        return IndexingOps.repeatInterleave(this, repeats, dim, null);
    }

    /** {@code repeatInterleave} with {@code dim} (null: flattened) and the known {@code outputSize} (null: computed). */
    public Tensor repeatInterleave(Tensor repeats, Integer dim, Long outputSize) {
        Args.require(repeats, "repeat_interleave", "repeats", 1, "Tensor");
        return IndexingOps.repeatInterleave(this, repeats, dim, outputSize);
    }

    // ------------------------------------------------------------------ conversion

    /** This tensor converted to a type (itself when it already has it). */
    public Tensor to(DType dtype) {
        Args.require(dtype, "to", "dtype", 1, "torch.dtype");
        return ViewOps.toType(this, dtype);
    }

    /** This tensor converted to {@code other}'s type, as {@code Tensor.type_as} (itself when the types match). */
    public Tensor typeAs(Tensor other) {
        Args.require(other, "type_as", "other", 1, "Tensor");
        return to(other.dtype);
    }

    /**
     * A new tensor of zeros with this tensor's type and device, as {@code Tensor.new_zeros} (it never requires grad).
     */
    public Tensor newZeros(int... size) {
        return newZeros(size, dtype);
    }

    /**
     * A new tensor of zeros of type {@code dtype} on this tensor's device, as {@code Tensor.new_zeros(size, dtype=dtype)};
     * the {@code new*(..., DType)} factories below all take this form.
     */
    public Tensor newZeros(int[] size, DType dtype) {
        Args.require(size, "new_zeros", "size", 1, "tuple of ints");
        Args.require(dtype, "new_zeros", "dtype", 2, "torch.dtype");
        return Creation.zeros(Shapes.checkSizes(size), dtype, device);
    }

    /**
     * {@code fullLike} with a Python bool, as {@code torch.full_like(x, True)}: this tensor's dtype (true 1, false 0 in a
     * numeric one, true/false in a bool one).
     */
    public Tensor fullLike(boolean value) {
        return fullLike(value ? 1L : 0L);
    }

    /** {@code fullLike(value, dtype)} with a Python bool: true 1, false 0 in a numeric {@code dtype}. */
    public Tensor fullLike(boolean value, DType dtype) {
        return fullLike(value ? 1L : 0L, dtype);
    }

    /** A new tensor of ones with this tensor's type and device, as {@code Tensor.new_ones}. */
    public Tensor newOnes(int... size) {
        return newOnes(size, dtype);
    }

    /** A new tensor of ones of type {@code dtype} on this tensor's device, as {@code Tensor.new_ones(size, dtype=)}. */
    public Tensor newOnes(int[] size, DType dtype) {
        Args.require(size, "new_ones", "size", 1, "tuple of ints");
        return newFull(size, 1.0, dtype);
    }

    /** A new tensor filled with {@code value}, with this tensor's type and device, as {@code Tensor.new_full}. */
    public Tensor newFull(int[] size, double value) {
        return newFull(size, value, dtype);
    }

    /** {@code new_full(size, value, dtype=dtype)}: a value the type cannot hold refused in PyTorch's words. */
    public Tensor newFull(int[] size, double value, DType dtype) {
        Args.require(size, "new_full", "size", 1, "tuple of ints");
        Args.require(dtype, "new_full", "dtype", 3, "torch.dtype");
        ArithmeticOps.checkScalarFits(value, dtype);
        Tensor t = Creation.empty(Shapes.checkSizes(size), dtype, device);
        ComplexOps.fill(t, value);
        return t;
    }

    /**
     * {@code new_full} with a Python int: exact for an int64 tensor however large, PyTorch's checked conversion for the
     * narrow integer types.
     */
    public Tensor newFull(int[] size, long value) {
        return newFull(size, value, dtype);
    }

    /** {@code new_full(size, value, dtype=dtype)} with a Python int (exact for int64, checked for narrow types). */
    public Tensor newFull(int[] size, long value, DType dtype) {
        Args.require(size, "new_full", "size", 1, "tuple of ints");
        Args.require(dtype, "new_full", "dtype", 3, "torch.dtype");
        if (dtype != DType.INT64) {
            return newFull(size, ArithmeticOps.fillValue(value, dtype), dtype);
        }
        Tensor t = Creation.zeros(Shapes.checkSizes(size), dtype, device);
        return value == 0 ? t : t.fill_(value);
    }

    /** {@code new_full} with a Python bool: this tensor's dtype (true 1, false 0 in a numeric one). */
    public Tensor newFull(int[] size, boolean value) {
        return newFull(size, value ? 1L : 0L);
    }

    /** {@code new_full(size, value, dtype=dtype)} with a Python bool (true 1, false 0 in a numeric type). */
    public Tensor newFull(int[] size, boolean value, DType dtype) {
        return newFull(size, value ? 1L : 0L, dtype);
    }

    /** A new uninitialized tensor with this tensor's type and device, as {@code Tensor.new_empty}. */
    public Tensor newEmpty(int... size) {
        return newEmpty(size, dtype);
    }

    /** A new uninitialized tensor of type {@code dtype} on this tensor's device, as {@code new_empty(size, dtype=)}. */
    public Tensor newEmpty(int[] size, DType dtype) {
        Args.require(size, "new_empty", "size", 1, "tuple of ints");
        Args.require(dtype, "new_empty", "dtype", 2, "torch.dtype");
        return Creation.empty(Shapes.checkSizes(size), dtype, device);
    }

    /**
     * A new tensor holding Java data (numbers, arrays, nested arrays) with this tensor's type and device, as
     * {@code Tensor.new_tensor}.
     */
    public Tensor newTensor(Object data) {
        return Creation.fromData(data, dtype, device);
    }

    /** {@code Tensor.new_tensor(data, dtype=dtype)}: Java data stored as type {@code dtype} on this tensor's device. */
    public Tensor newTensor(Object data, DType dtype) {
        Args.require(dtype, "new_tensor", "dtype", 2, "torch.dtype");
        return Creation.fromData(data, dtype, device);
    }

    /** This tensor on a device (itself when it is already there). */
    public Tensor to(Device device) {
        Args.require(device, "to", "device", 1, "torch.device");
        return ViewOps.toDevice(this, device);
    }

    /** This tensor on a device given as {@code "cpu"}, {@code "cuda"}, {@code "cuda:1"}. */
    public Tensor to(String device) {
        Args.require(device, "to", "device", 1, "str");
        return to(Device.of(device));
    }

    /**
     * This tensor on a device, as {@code to(device, non_blocking=nonBlocking)}: from a pinned CPU tensor with
     * {@code nonBlocking} the copy is queued and this returns at once (see {@link #pinMemory()}); otherwise
     * {@link #to(Device)}.
     */
    public Tensor to(Device device, boolean nonBlocking) {
        Args.require(device, "to", "device", 1, "torch.device");
        return PinnedMemory.to(this, device, nonBlocking);
    }

    /**
     * A copy of this CPU tensor in pinned memory ({@code pin_memory}; itself when already pinned), from which
     * {@code to(cuda, true)} uploads without the host waiting.
     */
    public Tensor pinMemory() {
        return PinnedMemory.pin(this);
    }

    /** Whether this is a CPU tensor in pinned memory ({@code is_pinned}; false without an accelerator). */
    public boolean isPinned() {
        return PinnedMemory.isPinned(this);
    }

    /** On the CPU. */
    public Tensor cpu() {
        return to(Device.CPU);
    }

    /** A copy on the first CUDA device (this tensor when it is there), as {@code Tensor.cuda()}. */
    public Tensor cuda() {
        return to(Device.cuda(0));
    }

    /** A copy on CUDA device {@code index} (this tensor when it is there), as {@code Tensor.cuda(index)}. */
    public Tensor cuda(int index) {
        return to(Device.cuda(index));
    }

    /** The CUDA device index, -1 on the CPU, as {@code Tensor.get_device()}. */
    public int getDevice() {
        return device.isCpu() ? -1 : device.index();
    }

    /** The elements as nested lists of Double, Long or Boolean (a 0-dim tensor: the element), as {@code tolist()}. */
    public Object toList() {
        return MoreTensorOps.toList(this);
    }

    /**
     * Each element replaced by {@code fn} of it, in place, as {@code Tensor.apply_(callable)}: CPU tensors that do not
     * require grad only (PyTorch's errors); integer results truncate.
     */
    public Tensor apply_(java.util.function.DoubleUnaryOperator fn) {
        Args.require(fn, "apply_", "callable", 1, "callable");
        return MoreTensorOps.apply_(this, fn);
    }

    /**
     * Each element replaced by {@code fn(element, other's element)}, other broadcast to this shape and of this type, in
     * place, as {@code Tensor.map_(other, callable)}; {@link #apply_}'s rules.
     */
    public Tensor map_(Tensor other, java.util.function.DoubleBinaryOperator fn) {
        Args.require(other, "map_", "tensor", 1, "Tensor");
        Args.require(fn, "map_", "callable", 2, "callable");
        return MoreTensorOps.map_(this, other, fn);
    }

    /**
     * Each element replaced by {@code fn(element, x's element, y's element)}, x and y broadcast to this shape and of this
     * type, in place, as {@code Tensor.map2_(x, y, callable)}; {@link #apply_}'s rules.
     */
    public Tensor map2_(Tensor x, Tensor y, DoubleTernaryOperator fn) {
        Args.require(x, "map2_", "x", 1, "Tensor");
        Args.require(y, "map2_", "y", 2, "Tensor");
        Args.require(fn, "map2_", "callable", 3, "callable");
        return MoreTensorOps.map2_(this, x, y, fn);
    }

    /** This tensor itself, as {@code Tensor.conj_physical_()} of a real tensor (nothing to conjugate). */
    public Tensor conjPhysical_() {
        FuncCaptures.checkInplace(this); // a write even where it changes nothing, as functorch's transforms see it
        return dtype.isComplex() ? InplaceOps.inplace(this, List.of(), Tensor::conj) : this;
    }

    /**
     * The complex conjugate (imaginary parts negated), as {@code Tensor.conj()}; a real tensor itself. Ember conjugates
     * at once into a new tensor (node ConjBackward0), where PyTorch returns a lazy view with the conjugate bit: writes
     * into the result do not reach this tensor, and {@link #isConj()} stays false.
     */
    public Tensor conj() {
        return ComplexOps.conj(this);
    }

    /** The complex conjugate in a new tensor, as {@code Tensor.conj_physical()}; a real tensor itself. */
    public Tensor conjPhysical() {
        return ComplexOps.conjPhysical(this);
    }

    /** This tensor itself (no lazy conjugation to resolve), as {@code Tensor.resolve_conj()} of a real tensor. */
    public Tensor resolveConj() {
        return this;
    }

    /** This tensor itself (no lazy negation to resolve), as {@code Tensor.resolve_neg()}. */
    public Tensor resolveNeg() {
        return this;
    }

    /** False: Ember has no lazily conjugated tensors, as {@code Tensor.is_conj()} of a real tensor. */
    public boolean isConj() {
        return false;
    }

    /** False: Ember has no lazily negated tensors, as {@code Tensor.is_neg()}. */
    public boolean isNeg() {
        return false;
    }

    /**
     * The argument of each element as a complex number, as {@code torch.angle} of a real tensor: pi for negative
     * elements, 0 otherwise, NaN kept (integers give the default float type; the gradient is zero).
     */
    public Tensor angle() {
        return MoreTensorOps.angle(this);
    }

    /** float32. */
    public Tensor toFloat() {
        return to(DType.FLOAT32);
    }

    /** float64. */
    public Tensor toDouble() {
        return to(DType.FLOAT64);
    }

    /** int64. */
    public Tensor toLong() {
        return to(DType.INT64);
    }

    /** The value of a one-element tensor as a double. */
    public double item() {
        if (device.isMeta()) {
            throw new IllegalStateException(dev.ember.backend.MetaBackend.ITEM);
        }
        if (numel() != 1) {
            throw new IllegalArgumentException("a Tensor with " + numel() + " elements cannot be converted to Scalar");
        }
        if (dtype.isComplex()) {
            throw new IllegalArgumentException("the value of a " + dtype.torchName() + " tensor is a complex number: "
                    + "use itemComplex()");
        }
        return toDoubleArray()[0];
    }

    /**
     * The value of a one-element tensor as a {@link Complex} (a real tensor's with imaginary part 0), as {@code item()} of
     * a complex tensor.
     */
    public Complex itemComplex() {
        if (numel() != 1) {
            throw new IllegalArgumentException("a Tensor with " + numel() + " elements cannot be converted to Scalar");
        }
        if (!dtype.isComplex()) {
            return new Complex(toDoubleArray()[0], 0);
        }
        double[] v = ComplexOps.parts(this).toDoubleArray();
        return new Complex(v[0], v[1]);
    }

    /** {@code this + value} for a complex number (PyTorch's {@code x + 1j}: a real tensor becomes complex). */
    public Tensor add(Complex value) {
        Args.require(value, "add", "other", 1, "complex");
        return ArithmeticOps.add(this, Creation.wrap(value), 1);
    }

    /** {@code this - value} for a complex number. */
    public Tensor sub(Complex value) {
        Args.require(value, "sub", "other", 1, "complex");
        return ArithmeticOps.sub(this, Creation.wrap(value), 1);
    }

    /** {@code this * value} for a complex number (PyTorch's {@code x * 1j}). */
    public Tensor mul(Complex value) {
        Args.require(value, "mul", "other", 1, "complex");
        return ArithmeticOps.mul(this, Creation.wrap(value));
    }

    /** {@code this / value} for a complex number. */
    public Tensor div(Complex value) {
        Args.require(value, "div", "other", 1, "complex");
        return ArithmeticOps.div(this, Creation.wrap(value));
    }

    /**
     * The value of a one-element tensor as a long (a uint64 tensor's bits: read them with
     * {@link Long#toUnsignedString(long)}).
     */
    public long longItem() {
        if (numel() != 1) {
            throw new IllegalArgumentException("a Tensor with " + numel() + " elements cannot be converted to Scalar");
        }
        return toLongArray()[0];
    }

    /** The elements in row-major order as floats. */
    public float[] toFloatArray() {
        return (float[]) to(DType.FLOAT32).hostArray();
    }

    /** The elements in row-major order as doubles. */
    public double[] toDoubleArray() {
        return (double[]) to(DType.FLOAT64).hostArray();
    }

    /**
     * The elements in row-major order as {@link Complex} numbers (a real tensor's with imaginary part 0), as
     * {@code tensor.tolist()} gives Python complex numbers.
     */
    public Complex[] toComplexArray() {
        double[] parts = dtype.isComplex() ? ComplexOps.parts(this).toDoubleArray() : null;
        double[] real = parts == null ? toDoubleArray() : null;
        Complex[] out = new Complex[Math.toIntExact(numel())];
        for (int i = 0; i < out.length; i++) {
            out[i] = parts == null ? new Complex(real[i], 0) : new Complex(parts[2 * i], parts[2 * i + 1]);
        }
        return out;
    }

    /**
     * Checks that this int64 tensor of indices lies in {@code [0, bound)}, else throws an
     * {@link IndexOutOfBoundsException} whose message is {@code messageFormat} with the first offending value for
     * {@code %d}. On the CPU the check is immediate; on CUDA it runs on the device and the exception comes at the
     * next synchronization (reading a value, {@code synchronize}), as PyTorch reports device-side asserts, so a
     * training step need not wait for the GPU.
     */
    public void checkIndices(long bound, String messageFormat) {
        Args.require(messageFormat, "check_indices", "messageFormat", 2, "str");
        if (dtype != DType.INT64) {
            throw new IllegalArgumentException("expected scalar type Long but found " + dtype);
        }
        backend.checkIndices(storage(), layout, bound, messageFormat);
    }

    /** The elements in row-major order as longs. */
    public long[] toLongArray() { // (uint64: the bits, read as unsigned; uint16 and uint32: their values)
        return (long[]) to(DType.INT64).hostArray();
    }

    /** The elements in row-major order as booleans. */
    public boolean[] toBooleanArray() {
        return (boolean[]) to(DType.BOOL).hostArray();
    }

    /** The elements in row-major order in a Java array of this tensor's type. */
    Object hostArray() {
        return backend.toArray(storage(), layout);
    }

    // ---- shape

    /** Views of {@code splitSize} elements along dimension 0 (the last may be shorter), as {@code torch.split}. */
    public List<Tensor> split(int splitSize) {
        return TensorTuple.of(ShapeOps.split(this, splitSize, 0));
    }

    /** Views of {@code splitSize} elements along a dimension (the last may be shorter), as {@code torch.split}. */
    public List<Tensor> split(int splitSize, int dim) {
        return TensorTuple.of(ShapeOps.split(this, splitSize, dim));
    }

    /** Views of the given sizes along a dimension, as {@code torch.split} with a list of sizes. */
    public List<Tensor> split(int[] splitSizes, int dim) {
        Args.require(splitSizes, "split", "split_size", 1, "tuple of ints");
        return TensorTuple.of(ShapeOps.splitWithSizes(this, splitSizes, dim));
    }

    /** At most {@code chunks} views of equal size along dimension 0, as {@code torch.chunk}. */
    public List<Tensor> chunk(int chunks) {
        return TensorTuple.of(ShapeOps.chunk(this, chunks, 0));
    }

    /** At most {@code chunks} views of equal size along a dimension, as {@code torch.chunk}. */
    public List<Tensor> chunk(int chunks, int dim) {
        return TensorTuple.of(ShapeOps.chunk(this, chunks, dim));
    }

    /** The views along dimension 0 with that dimension removed, as {@code torch.unbind}. */
    public List<Tensor> unbind() {
        return TensorTuple.of(ShapeOps.unbind(this, 0));
    }

    /** The views along a dimension with that dimension removed, as {@code torch.unbind}. */
    public List<Tensor> unbind(int dim) {
        return TensorTuple.of(ShapeOps.unbind(this, dim));
    }

    /** {@code sections} nearly equal views along dimension 0, as {@code torch.tensor_split}. */
    public List<Tensor> tensorSplit(int sections) {
        return TensorTuple.of(ShapeOps.tensorSplit(this, sections, 0));
    }

    /** {@code sections} nearly equal views along a dimension, as {@code torch.tensor_split}. */
    public List<Tensor> tensorSplit(int sections, int dim) {
        return TensorTuple.of(ShapeOps.tensorSplit(this, sections, dim));
    }

    /** Views between the given indices along a dimension, as {@code torch.tensor_split} with indices. */
    public List<Tensor> tensorSplit(int[] indices, int dim) {
        Args.require(indices, "tensor_split", "indices", 1, "tuple of ints");
        return TensorTuple.of(ShapeOps.tensorSplit(this, indices, dim));
    }

    /** The tensor repeated along each dimension (new leading dimensions for extra counts), as {@code Tensor.repeat}. */
    public Tensor repeat(int... repeats) {
        Args.require(repeats, "repeat", "repeats", 1, "tuple of ints");
        return ShapeOps.repeat(this, repeats);
    }

    /** The tensor repeated as {@code torch.tile} (counts shorter than the rank get leading 1s). */
    public Tensor tile(int... reps) {
        Args.require(reps, "tile", "dims", 1, "tuple of ints");
        return ShapeOps.tile(this, reps);
    }

    /** Each element repeated {@code repeats} times along {@code dim} (null: flattened), as {@code torch.repeat_interleave}. */
    public Tensor repeatInterleave(int repeats, Integer dim) {
        return ShapeOps.repeatInterleave(this, repeats, dim);
    }

    /** A copy reversed along the given dimensions, as {@code torch.flip}. */
    public Tensor flip(int... dims) {
        Args.require(dims, "flip", "dims", 1, "tuple of ints");
        return ShapeOps.flip(this, dims);
    }

    /** The flattened elements rolled by {@code shift} places, reshaped back, as {@code torch.roll} without dims. */
    public Tensor roll(int shift) {
        return ShapeOps.roll(this, new int[] {shift}, new int[0]);
    }

    /** The elements rolled by {@code shift} places along a dimension, as {@code torch.roll}. */
    public Tensor roll(int shift, int dim) {
        return ShapeOps.roll(this, new int[] {shift}, new int[] {dim});
    }

    /** The elements rolled along several dimensions (no dims: the flattened tensor), as {@code torch.roll}. */
    public Tensor roll(int[] shifts, int[] dims) {
        Args.require(shifts, "roll", "shifts", 1, "tuple of ints");
        Args.require(dims, "roll", "dims", 2, "tuple of ints");
        return ShapeOps.roll(this, shifts, dims);
    }

    /** Dimension {@code source} moved to {@code destination}, as {@code torch.movedim} (a view). */
    public Tensor movedim(int source, int destination) {
        return ShapeOps.movedim(this, new int[] {source}, new int[] {destination});
    }

    /** Dimensions moved to new positions, the others keeping their order, as {@code torch.movedim} (a view). */
    public Tensor movedim(int[] source, int[] destination) {
        Args.require(source, "movedim", "source", 1, "tuple of ints");
        Args.require(destination, "movedim", "destination", 2, "tuple of ints");
        return ShapeOps.movedim(this, source, destination);
    }

    /** {@code torch.moveaxis}: the same as {@link #movedim(int, int)}. */
    public Tensor moveaxis(int source, int destination) {
        return movedim(source, destination);
    }

    /** {@code torch.moveaxis}: the same as {@link #movedim(int[], int[])}. */
    public Tensor moveaxis(int[] source, int[] destination) {
        return movedim(source, destination);
    }

    /**
     * Every window of {@code size} elements along {@code dimension}, {@code step} apart, as a new last dimension: a view,
     * as {@code Tensor.unfold} ({@code UnfoldBackward0}; overlapping windows add their gradients). Not to be confused
     * with {@code nn.functional.unfold}, the sliding blocks of a convolution.
     *
     * @throws IllegalArgumentException with PyTorch's words when {@code size} is negative or larger than the dimension,
     *         or {@code step} is not positive
     */
    public Tensor unfold(int dimension, int size, int step) {
        return ViewOps.unfold(this, dimension, size, step);
    }

    /**
     * A view of this tensor's storage with the given sizes and strides, starting where this tensor starts, as
     * {@code torch.as_strided} ({@code AsStridedBackward0}).
     */
    public Tensor asStrided(int[] size, int[] stride) {
        return asStrided(size, stride, storageOffset());
    }

    /**
     * A view of this tensor's storage with the given sizes, strides and storage offset, as {@code torch.as_strided}
     * ({@code AsStridedBackward0}; elements the view reaches through several indices add their gradients, and where this
     * tensor's own elements share storage the gradient is shared between them, as PyTorch's
     * {@code as_strided_backward}).
     *
     * @throws IllegalArgumentException with PyTorch's words when the ranks differ, a stride is negative, or the view
     *         reaches past the storage
     */
    public Tensor asStrided(int[] size, int[] stride, int storageOffset) {
        Args.require(size, "as_strided", "size", 1, "tuple of ints");
        Args.require(stride, "as_strided", "stride", 2, "tuple of ints");
        return ViewOps.asStrided(this, size, stride, storageOffset);
    }

    /**
     * Restrides this tensor in place over its storage, starting where it starts, as {@code Tensor.as_strided_(size,
     * stride)} (see {@link #asStrided_(int[], int[], int)}).
     */
    public Tensor asStrided_(int[] size, int[] stride) {
        return asStrided_(size, stride, storageOffset());
    }

    /**
     * Restrides this tensor in place: the same storage under the given sizes, strides and storage offset, as
     * {@code Tensor.as_strided_} ({@code AsStridedBackward1}, the backward of {@link #asStrided(int[], int[], int)} from
     * this tensor's layout before the call; version bumped). An inference tensor outside inference mode is refused
     * before anything changes (PyTorch restrides it, then refuses the version bump).
     *
     * @throws IllegalArgumentException with {@code as_strided}'s checks and messages, changing nothing
     * @throws IllegalStateException for an in-place write PyTorch refuses (a leaf that requires grad, an inference
     *         tensor outside inference mode), changing nothing
     */
    public Tensor asStrided_(int[] size, int[] stride, int storageOffset) {
        Args.require(size, "as_strided_", "size", 1, "tuple of ints");
        Args.require(stride, "as_strided_", "stride", 2, "tuple of ints");
        return ViewOps.asStrided_(this, size.clone(), stride.clone(), storageOffset);
    }

    /**
     * Rotated by 90 degrees {@code k} times in the plane of {@code dims} (from the first towards the second), as
     * {@code torch.rot90} ({@code Rot90Backward0}).
     */
    public Tensor rot90(int k, int... dims) {
        Args.require(dims, "rot90", "dims", 2, "tuple of ints");
        return ShapeOps.rot90(this, k, dims);
    }

    /** Rotated by 90 degrees once in the plane of dimensions 0 and 1, as {@code torch.rot90(x)}. */
    public Tensor rot90() {
        return rot90(1, 0, 1);
    }

    /** Flipped left to right ({@code torch.fliplr}: dimension 1 reversed; at least 2-D). */
    public Tensor fliplr() {
        return ShapeOps.flipSide(this, 1);
    }

    /** Flipped upside down ({@code torch.flipud}: dimension 0 reversed; at least 1-D). */
    public Tensor flipud() {
        return ShapeOps.flipSide(this, 0);
    }

    /** The first difference along the last dimension, as {@code torch.diff(x)}. */
    public Tensor diff() {
        return diff(1, -1, null, null);
    }

    /**
     * The {@code n}-th forward difference along {@code dim} ({@code out[i] = in[i + 1] - in[i]}, applied {@code n} times;
     * logical xor for bool), with {@code prepend} and {@code append} (either may be null) concatenated first, as
     * {@code torch.diff}.
     */
    public Tensor diff(int n, int dim, Tensor prepend, Tensor append) {
        return ShapeOps.diff(this, n, dim, prepend, append);
    }

    /**
     * {@code torch.gradient(input)}: the derivative of sampled values along every dimension, spacing 1, by central
     * differences inside and one-sided first-order differences at the ends; one tensor per dimension.
     */
    public static List<Tensor> gradient(Tensor input) {
        Args.require(input, "gradient", "input", 0, "Tensor");
        return TensorTuple.of(NumericGradient.gradient(input, new double[] {1.0}, null, 1));
    }

    /**
     * {@code torch.gradient(input, spacing=spacing, dim=dims, edge_order=edgeOrder)} with uniform spacing: one value
     * for every dimension in {@code dims} (all dimensions when null), or a single value for all of them;
     * {@code edgeOrder} 1 or 2 is the order of the differences at the ends.
     *
     * @throws IllegalArgumentException for a count of spacings that fits neither, an edge order other than 1 or 2, a
     *     dimension listed twice or shorter than {@code edgeOrder + 1}, or uint8 input, with PyTorch's messages
     */
    public static List<Tensor> gradient(Tensor input, double[] spacing, int[] dims, int edgeOrder) {
        Args.require(input, "gradient", "input", 0, "Tensor");
        Args.require(spacing, "gradient", "spacing", 1, "tuple of floats");
        return TensorTuple.of(NumericGradient.gradient(input, spacing, dims, edgeOrder));
    }

    /**
     * {@code torch.gradient(input, spacing=coordinates, dim=dims, edge_order=edgeOrder)}: the sample coordinates along
     * each dimension in {@code dims} (all dimensions when null), one 1-D tensor each (non-uniform spacing).
     */
    public static List<Tensor> gradient(Tensor input, List<Tensor> coordinates, int[] dims, int edgeOrder) {
        Args.require(input, "gradient", "input", 0, "Tensor");
        Args.tensors(coordinates, "gradient", "spacing", 1);
        return TensorTuple.of(NumericGradient.gradient(input, coordinates, dims, edgeOrder));
    }

    /**
     * The coordinates of the upper triangle of a {@code row x col} matrix, from the {@code offset}-th diagonal, as a
     * {@code [2, N]} int64 tensor in row-major order ({@code torch.triu_indices}).
     */
    public static Tensor triuIndices(int row, int col, int offset) {
        return ShapeOps.triangleIndices(row, col, offset, true, Device.CPU);
    }

    /**
     * The coordinates of the lower triangle of a {@code row x col} matrix, up to the {@code offset}-th diagonal, as a
     * {@code [2, N]} int64 tensor in row-major order ({@code torch.tril_indices}).
     */
    public static Tensor trilIndices(int row, int col, int offset) {
        return ShapeOps.triangleIndices(row, col, offset, false, Device.CPU);
    }

    /**
     * The tensors (at most 2-D; a 0-D one as 1x1, a 1-D one as a row) along the diagonal of a zero matrix of their
     * promoted type, as {@code torch.block_diag} ({@code BlockDiagBackward0}); no tensors give shape {@code [1, 0]}.
     */
    public static Tensor blockDiag(List<Tensor> tensors) {
        Args.require(tensors, "block_diag", "tensors", 1, "tuple of Tensors");
        return ShapeOps.blockDiag(tensors);
    }

    /** Every tuple of one element from each 1-D tensor, as rows ({@code torch.cartesian_prod}). */
    public static Tensor cartesianProd(List<Tensor> tensors) {
        Args.require(tensors, "cartesian_prod", "tensors", 1, "tuple of Tensors");
        return ShapeOps.cartesianProd(tensors);
    }

    /**
     * Every combination of {@code r} elements of this 1-D tensor in order, as rows ({@code torch.combinations}); with
     * replacement an element may repeat.
     */
    public Tensor combinations(int r, boolean withReplacement) {
        return ShapeOps.combinations(this, r, withReplacement);
    }

    /** The tensor with at least one dimension ({@code torch.atleast_1d}): a 0-dim tensor becomes shape {@code [1]}. */
    public Tensor atleast1d() {
        return ShapeOps.atleast(this, 1);
    }

    /** The tensor with at least two dimensions ({@code torch.atleast_2d}): 1-D {@code [n]} becomes {@code [1, n]}. */
    public Tensor atleast2d() {
        return ShapeOps.atleast(this, 2);
    }

    /**
     * The tensor with at least three dimensions ({@code torch.atleast_3d}): 1-D {@code [n]} becomes {@code [1, n, 1]},
     * 2-D {@code [m, n]} becomes {@code [m, n, 1]}.
     */
    public Tensor atleast3d() {
        return ShapeOps.atleast(this, 3);
    }

    /** Concatenates column-wise ({@code torch.hstack}): along dimension 1, or 0 for 1-D tensors. */
    public static Tensor hstack(List<Tensor> tensors) {
        Args.require(tensors, "hstack", "tensors", 1, "tuple of Tensors");
        return ShapeOps.stackAlong(tensors, "hstack");
    }

    /** Concatenates row-wise ({@code torch.vstack}): along dimension 0 of each tensor made at least 2-D. */
    public static Tensor vstack(List<Tensor> tensors) {
        Args.require(tensors, "vstack", "tensors", 1, "tuple of Tensors");
        return ShapeOps.stackAlong(tensors, "vstack");
    }

    /** {@code torch.row_stack}: the same as {@link #vstack}. */
    public static Tensor rowStack(List<Tensor> tensors) {
        Args.require(tensors, "row_stack", "tensors", 1, "tuple of Tensors");
        return ShapeOps.stackAlong(tensors, "vstack");
    }

    /** Concatenates depth-wise ({@code torch.dstack}): along dimension 2 of each tensor made at least 3-D. */
    public static Tensor dstack(List<Tensor> tensors) {
        Args.require(tensors, "dstack", "tensors", 1, "tuple of Tensors");
        return ShapeOps.stackAlong(tensors, "dstack");
    }

    /**
     * Stacks as columns ({@code torch.column_stack}): 0-dim and 1-D tensors become columns {@code [n, 1]}, then
     * {@link #hstack}.
     */
    public static Tensor columnStack(List<Tensor> tensors) {
        Args.require(tensors, "column_stack", "tensors", 1, "tuple of Tensors");
        return ShapeOps.stackAlong(tensors, "column_stack");
    }

    /** Dimension {@code dim} expanded into {@code sizes} (one may be -1), as {@code torch.unflatten} (a view). */
    public Tensor unflatten(int dim, int... sizes) {
        Args.require(sizes, "unflatten", "sizes", 2, "tuple of ints");
        return ShapeOps.unflatten(this, dim, sizes);
    }

    /** The lower triangle of the last two dimensions, as {@code torch.tril}. */
    public Tensor tril() {
        return ShapeOps.triangle(this, 0, false);
    }

    /** The elements on and below the {@code diagonal}-th diagonal, as {@code torch.tril}. */
    public Tensor tril(int diagonal) {
        return ShapeOps.triangle(this, diagonal, false);
    }

    /** The upper triangle of the last two dimensions, as {@code torch.triu}. */
    public Tensor triu() {
        return ShapeOps.triangle(this, 0, true);
    }

    /** The elements on and above the {@code diagonal}-th diagonal, as {@code torch.triu}. */
    public Tensor triu(int diagonal) {
        return ShapeOps.triangle(this, diagonal, true);
    }

    /** A 1-D tensor's diagonal matrix, or a copy of a matrix's diagonal, as {@code torch.diag}. */
    public Tensor diag() {
        return ShapeOps.diag(this, 0);
    }

    /** {@code torch.diag} with an offset from the main diagonal. */
    public Tensor diag(int diagonal) {
        return ShapeOps.diag(this, diagonal);
    }

    /** The main diagonal of the first two dimensions, as {@code torch.diagonal} (a view). */
    public Tensor diagonal() {
        return ViewOps.diagonal(this, 0, 0, 1);
    }

    /** A diagonal over two dimensions, appended as the last dimension, as {@code torch.diagonal} (a view). */
    public Tensor diagonal(int offset, int dim1, int dim2) {
        return ViewOps.diagonal(this, offset, dim1, dim2);
    }

    /** The last dimension placed on the diagonal of two new last dimensions, as {@code torch.diag_embed}. */
    public Tensor diagEmbed() {
        return ShapeOps.diagEmbed(this, 0, -2, -1);
    }

    /** The last dimension placed on a diagonal of two new dimensions, as {@code torch.diag_embed}. */
    public Tensor diagEmbed(int offset, int dim1, int dim2) {
        return ShapeOps.diagEmbed(this, offset, dim1, dim2);
    }

    /** The sum of a matrix's main diagonal, as {@code torch.trace}. */
    public Tensor trace() {
        return ShapeOps.trace(this);
    }

    /** The outer product of two 1-D tensors, as {@code torch.outer}. */
    public Tensor outer(Tensor vec2) {
        Args.require(vec2, "outer", "vec2", 1, "Tensor");
        return ShapeOps.outer(this, vec2);
    }

    /** The Kronecker product, as {@code torch.kron}. */
    public Tensor kron(Tensor other) {
        Args.require(other, "kron", "other", 1, "Tensor");
        return ShapeOps.kron(this, other);
    }

    /**
     * The coordinates of flat (row-major) indices in a tensor of {@code shape}, one int64 tensor per dimension shaped as
     * {@code indices}, as {@code torch.unravel_index} (PyTorch 2.2+): Python's floor semantics, so {@code -1} is the
     * last element and indices past the end wrap.
     *
     * @param indices integer indices
     * @param shape the sizes (none negative)
     * @return the coordinates, a tuple
     * @throws IllegalArgumentException for indices that are not integers, a negative size (PyTorch's messages)
     */
    public static List<Tensor> unravelIndex(Tensor indices, int... shape) {
        Args.require(indices, "unravel_index", "indices", 1, "Tensor");
        Args.require(shape, "unravel_index", "shape", 2, "tuple of ints");
        return TensorTuple.of(IndexingOps.unravelIndex(indices, shape.clone()));
    }

    /**
     * Coordinate grids of 0-D or 1-D tensors with {@code "ij"} (matrix) indexing, as {@code torch.meshgrid} without
     * {@code indexing}: as PyTorch 2.x, a warning once that the argument will be required.
     */
    public static List<Tensor> meshgrid(List<Tensor> tensors) {
        Args.require(tensors, "meshgrid", "tensors", 1, "tuple of Tensors");
        WarnOnce.warn(WarnOnce.MESHGRID_INDEXING);
        return TensorTuple.of(ShapeOps.meshgrid(tensors, "ij"));
    }

    /** Coordinate grids with {@code "ij"} or {@code "xy"} (Cartesian) indexing, as {@code torch.meshgrid}. */
    public static List<Tensor> meshgrid(List<Tensor> tensors, String indexing) {
        Args.require(tensors, "meshgrid", "tensors", 1, "tuple of Tensors");
        Args.require(indexing, "meshgrid", "indexing", 2, "str");
        return TensorTuple.of(ShapeOps.meshgrid(tensors, indexing));
    }

    /** This tensor broadcast to a shape (a view), as {@code torch.broadcast_to}. */
    public Tensor broadcastTo(int... shape) {
        Args.require(shape, "broadcast_to", "size", 1, "tuple of ints");
        return ViewOps.expandPublic(this, shape);
    }

    /** The tensors broadcast to their common shape (views), as {@code torch.broadcast_tensors}. */
    public static List<Tensor> broadcastTensors(List<Tensor> tensors) {
        Args.require(tensors, "broadcast_tensors", "tensors", 1, "tuple of Tensors");
        return TensorTuple.of(ShapeOps.broadcastTensors(tensors));
    }

    /** The shape the given shapes broadcast to, as {@code torch.broadcast_shapes}. */
    public static int[] broadcastShapes(int[]... shapes) {
        Args.require(shapes, "broadcast_shapes", "shapes", 1, "tuple of ints");
        for (int i = 0; i < shapes.length; i++) {
            Args.require(shapes[i], "broadcast_shapes", "shapes[" + i + "]", 1, "tuple of ints");
        }
        return ShapeOps.broadcastShapes(shapes);
    }

    /** Zero padding of the last dimensions ({@code pad}: left, right of the last, then the one before...), as {@code F.pad}. */
    public Tensor padNd(int[] pad) {
        Args.require(pad, "pad", "pad", 1, "tuple of ints");
        return ShapeOps.pad(this, pad, "constant", 0);
    }

    /** Padding as {@code F.pad}: {@code "constant"} (with value), {@code "reflect"}, {@code "replicate"} or {@code "circular"}. */
    public Tensor padNd(int[] pad, String mode, double value) {
        Args.require(pad, "pad", "pad", 1, "tuple of ints");
        Args.require(mode, "pad", "mode", 2, "str");
        return ShapeOps.pad(this, pad, mode, value);
    }

    // ---- sorting and scans

    /** Sorted along the last dimension with the original indices, as {@code torch.sort} (stable; NaN sorts last). */
    public ValuesIndices sort() {
        return ReturnTypes.named(SortOps.sort(this, -1, false, "SortBackward0"), "torch.return_types.sort");
    }

    /** Sorted along a dimension, as {@code torch.sort(dim, descending)} (stable; NaN counts as the largest). */
    public ValuesIndices sort(int dim, boolean descending) {
        return ReturnTypes.named(SortOps.sort(this, dim, descending, "SortBackward0"), "torch.return_types.sort");
    }

    /**
     * Sorted along a dimension, as {@code torch.sort(stable=..., dim, descending)}; Ember's sort is always stable (the
     * node is {@code SortBackward1}, as PyTorch's with {@code stable} given).
     *
     * <p>With {@code stable=false} PyTorch documents no order among equal elements, and its CPU order is the
     * algorithm's: 1.13's {@code std::sort} (an introsort, whose insertion sort keeps ties in order up to 16 elements
     * and not beyond: measured with 1.13 on float32, float64 and int64, ascending and descending, along either
     * dimension), 2.x's x86-simd-sort {@code keyvalue_qsort} on AVX2/AVX512 builds for int32, int64, float32 and
     * float64 ({@code SortingKernel.cpp}), {@code std::sort} elsewhere, so it changes with the build and the machine.
     * Ember gives the stable order for both values of {@code stable}: an order PyTorch's contract allows, the same on
     * every run and device, and 1.13's own up to 16 elements.
     */
    public ValuesIndices sort(int dim, boolean descending, boolean stable) {
        return ReturnTypes.named(SortOps.sort(this, dim, descending, "SortBackward1"), "torch.return_types.sort");
    }

    /** The indices that sort the last dimension, as {@code torch.argsort}. */
    public Tensor argsort() {
        return SortOps.argsort(this, -1, false);
    }

    /** The indices that sort a dimension, as {@code torch.argsort} (stable). */
    public Tensor argsort(int dim, boolean descending) {
        return SortOps.argsort(this, dim, descending);
    }

    /**
     * The indices that sort a dimension, as {@code torch.argsort(stable=...)}: always the stable order, which
     * {@code stable=false} allows (see {@link #sort(int, boolean, boolean)} for PyTorch's unstable orders).
     */
    public Tensor argsort(int dim, boolean descending, boolean stable) {
        return SortOps.argsort(this, dim, descending);
    }

    /** The k largest elements of the last dimension, sorted, with their indices, as {@code torch.topk}. */
    public ValuesIndices topk(int k) {
        return ReturnTypes.named(SortOps.topk(this, k, -1, true, true), "torch.return_types.topk");
    }

    /** The k largest elements along {@code dim}, sorted, with their indices: {@code x.topk(k, dim=d)}. */
    public ValuesIndices topk(int k, int dim) {
        return ReturnTypes.named(SortOps.topk(this, k, dim, true, true), "torch.return_types.topk");
    }

    /** The k largest (or smallest) elements along a dimension with their indices, as {@code torch.topk}. */
    public ValuesIndices topk(int k, int dim, boolean largest, boolean sorted) {
        return ReturnTypes.named(SortOps.topk(this, k, dim, largest, sorted), "torch.return_types.topk");
    }

    /** The k-th smallest element of the last dimension and its index, as {@code torch.kthvalue}. */
    public ValuesIndices kthvalue(int k) {
        return ReturnTypes.named(SortOps.kthvalue(this, k, -1, false), "torch.return_types.kthvalue");
    }

    /** The k-th smallest element along a dimension and its index, as {@code torch.kthvalue}. */
    public ValuesIndices kthvalue(int k, int dim, boolean keepdim) {
        return ReturnTypes.named(SortOps.kthvalue(this, k, dim, keepdim), "torch.return_types.kthvalue");
    }

    /**
     * The lower median of all elements (NaN if any is NaN), as {@code torch.median}: on the CPU, where -0.0 and 0.0 are
     * both there, the one PyTorch's nth_element leaves; an empty tensor gives NaN converted to its type.
     */
    public Tensor median() {
        return SortOps.medianAll(this, false);
    }

    /** The lower median along a dimension and its index, as {@code torch.median(dim)}. */
    public ValuesIndices median(int dim, boolean keepdim) {
        return ReturnTypes.named(SortOps.median(this, dim, keepdim, false), "torch.return_types.median");
    }

    /** The lower median of the elements that are not NaN, as {@code torch.nanmedian}. */
    public Tensor nanmedian() {
        return SortOps.medianAll(this, true);
    }

    /** The lower median along a dimension ignoring NaN, and its index, as {@code torch.nanmedian(dim)}. */
    public ValuesIndices nanmedian(int dim, boolean keepdim) {
        return ReturnTypes.named(SortOps.median(this, dim, keepdim, true), "torch.return_types.nanmedian");
    }

    /** The most frequent value of the last dimension and an index of it, as {@code torch.mode}. */
    public ValuesIndices mode() {
        return ReturnTypes.named(SortOps.mode(this, -1, false), "torch.return_types.mode");
    }

    /** The most frequent value along a dimension and an index of it, as {@code torch.mode}. */
    public ValuesIndices mode(int dim, boolean keepdim) {
        return ReturnTypes.named(SortOps.mode(this, dim, keepdim), "torch.return_types.mode");
    }

    /** The sorted unique elements, as {@code torch.unique}. */
    public Tensor unique() {
        return SortOps.unique(this, false, false, false, null).values();
    }

    /** The unique elements (always sorted) with, when asked, the inverse indices and the counts, as {@code torch.unique}. */
    public UniqueResult unique(boolean sorted, boolean returnInverse, boolean returnCounts) {
        return SortOps.unique(this, false, returnInverse, returnCounts, null);
    }

    /**
     * The unique slices along a dimension (sorted), inverse indices and counts when asked, as {@code torch.unique(dim=)}:
     * on the CPU the slices' order is PyTorch's CPU kernel's (libstdc++'s std::sort with a lexicographic comparator, by
     * which a NaN element, neither below nor above, passes to the next one), so slices holding NaN land where PyTorch's
     * do; a slice holding NaN is unequal to every other.
     */
    public UniqueResult unique(boolean sorted, boolean returnInverse, boolean returnCounts, int dim) {
        return SortOps.unique(this, false, returnInverse, returnCounts, dim);
    }

    /** The elements with consecutive repeats collapsed, as {@code torch.unique_consecutive}. */
    public Tensor uniqueConsecutive() {
        return SortOps.unique(this, true, false, false, null).values();
    }

    /** {@code torch.unique_consecutive} with inverse indices and counts when asked. */
    public UniqueResult uniqueConsecutive(boolean returnInverse, boolean returnCounts) {
        return SortOps.unique(this, true, returnInverse, returnCounts, null);
    }

    /** {@code torch.unique_consecutive} of slices along a dimension. */
    public UniqueResult uniqueConsecutive(boolean returnInverse, boolean returnCounts, int dim) {
        return SortOps.unique(this, true, returnInverse, returnCounts, dim);
    }

    /** Cumulative sum along a dimension (integers and bool give int64), as {@code torch.cumsum}. */
    public Tensor cumsum(int dim) {
        return SortOps.cumsum(this, dim);
    }

    /** Cumulative product along a dimension (integers and bool give int64), as {@code torch.cumprod}. */
    public Tensor cumprod(int dim) {
        return SortOps.cumprod(this, dim);
    }

    /** Running maximum along a dimension and where it came from, as {@code torch.cummax}. */
    public ValuesIndices cummax(int dim) {
        return ReturnTypes.named(SortOps.cummaxmin(this, dim, true), "torch.return_types.cummax");
    }

    /** Running minimum along a dimension and where it came from, as {@code torch.cummin}. */
    public ValuesIndices cummin(int dim) {
        return ReturnTypes.named(SortOps.cummaxmin(this, dim, false), "torch.return_types.cummin");
    }

    /**
     * {@code log(cumsum(exp(x)))} along a dimension, computed stably, as {@code torch.logcumsumexp} (complex inputs as
     * PyTorch 2.x's CPU kernel scans them, in order; 1.13 refuses them).
     */
    public Tensor logcumsumexp(int dim) {
        return SortOps.logcumsumexp(this, dim);
    }

    /**
     * Whether each element equals some element of {@code testElements} (compared in their promoted type), as
     * {@code torch.isin}; with {@code invert}, whether it equals none. A bool tensor of this tensor's shape.
     */
    public Tensor isin(Tensor testElements, boolean invert) {
        Args.require(testElements, "isin", "test_elements", 1, "Tensor");
        return SortOps.isin(this, testElements, invert);
    }

    /** Whether each element equals some element of {@code testElements}, as {@code torch.isin(elements, test_elements)}. */
    public Tensor isin(Tensor testElements) {
        return isin(testElements, false);
    }

    /** Where each value would be inserted into the sorted last dimension (left side), as {@code torch.searchsorted}. */
    public static Tensor searchsorted(Tensor sortedSequence, Tensor values) {
        Args.require(sortedSequence, "searchsorted", "sorted_sequence", 1, "Tensor");
        Args.require(values, "searchsorted", "input", 2, "Tensor");
        return SortOps.searchsorted(sortedSequence, values, false, null);
    }

    /** {@code torch.searchsorted}; {@code right} takes the position after equal elements. */
    public static Tensor searchsorted(Tensor sortedSequence, Tensor values, boolean right) {
        Args.require(sortedSequence, "searchsorted", "sorted_sequence", 1, "Tensor");
        Args.require(values, "searchsorted", "input", 2, "Tensor");
        return SortOps.searchsorted(sortedSequence, values, right, null);
    }

    /** {@code torch.searchsorted} in a sequence that {@code sorter} (int64 indices) sorts. */
    public static Tensor searchsorted(Tensor sortedSequence, Tensor values, boolean right, Tensor sorter) {
        Args.require(sortedSequence, "searchsorted", "sorted_sequence", 1, "Tensor");
        Args.require(values, "searchsorted", "input", 2, "Tensor");
        Args.require(sorter, "searchsorted", "sorter", 4, "Tensor");
        return SortOps.searchsorted(sortedSequence, values, right, sorter);
    }

    /**
     * {@code torch.searchsorted(sorted_sequence, input, *, out_int32, right, side, sorter)}: {@code side} ("left",
     * "right" or null) names the side as {@code right} does, and may not contradict {@code right = true} (PyTorch's
     * "side and right can't be set to opposites"); the positions are int32 when {@code outInt32}, else int64;
     * {@code sorter} (int64 indices that sort the last dimension) may be null.
     */
    public static Tensor searchsorted(Tensor sortedSequence, Tensor values, boolean outInt32, boolean right, String side,
            Tensor sorter) {
        Args.require(sortedSequence, "searchsorted", "sorted_sequence", 1, "Tensor");
        Args.require(values, "searchsorted", "input", 2, "Tensor");
        return SortOps.searchsorted(sortedSequence, values, outInt32, right, side, sorter);
    }

    /** The bucket of each element among 1-D sorted boundaries, as {@code torch.bucketize}. */
    public Tensor bucketize(Tensor boundaries) {
        Args.require(boundaries, "bucketize", "boundaries", 1, "Tensor");
        return SortOps.bucketize(this, boundaries, false, false);
    }

    /** {@code torch.bucketize}; {@code right} puts elements equal to a boundary in the bucket after it. */
    public Tensor bucketize(Tensor boundaries, boolean right) {
        Args.require(boundaries, "bucketize", "boundaries", 1, "Tensor");
        return SortOps.bucketize(this, boundaries, false, right);
    }

    /** {@code torch.bucketize(input, boundaries, *, out_int32, right)}: the buckets as int32 when {@code outInt32}. */
    public Tensor bucketize(Tensor boundaries, boolean outInt32, boolean right) {
        Args.require(boundaries, "bucketize", "boundaries", 1, "Tensor");
        return SortOps.bucketize(this, boundaries, outInt32, right);
    }

    /** A histogram of {@code bins} equal bins over the data's range, as {@code torch.histc}. */
    public Tensor histc(int bins) {
        return SortOps.histc(this, bins, 0, 0);
    }

    /**
     * A histogram of {@code bins} bins over {@code [min, max]} (equal bounds: the data's range), as {@code torch.histc}.
     *
     * <p>The counts are exact, rounded once to this tensor's type. PyTorch's CPU kernel ({@code HistogramKernel.cpp},
     * 2.x as 1.13) counts in the input's type, in one histogram per thread ({@code at::get_num_threads()}), summed at the
     * end, so its answer depends on its thread count once one thread's count in a bin passes the type's last exact
     * integer (2<sup>24</sup> for float32, 2048 for float16, 256 for bfloat16): 2<sup>24</sup> + 2 float32 zeros in one
     * bin count 16777216 on one thread and 16777218 on two (measured with 1.13). Ember does not follow it (there is no
     * one answer to follow); the two agree wherever no bin's count passes that limit.
     *
     * <p>An element's bin is PyTorch 2.x's: {@code (x - min) * bins / (max - min)}, truncated, in float for float32 and
     * in the type's own arithmetic for bfloat16 and float16 (each operation in float, rounded to the type, as c10's
     * BFloat16 and Half operators; {@code min} and {@code max} rounded to the type, the ends of its bin edges), in double
     * for float64. PyTorch 1.13 divides first ({@code (x - min) / (max - min) * bins}), which puts some bfloat16
     * elements one bin away (of 600 normal samples in 300 bins over [-2, 3], 146); Ember follows 2.x.
     */
    public Tensor histc(int bins, double min, double max) {
        return SortOps.histc(this, bins, min, max);
    }

    /** How often each value of a 1-D int64 tensor occurs, as {@code torch.bincount}. */
    public Tensor bincount() {
        return SortOps.bincount(this, null, 0);
    }

    /** {@code torch.bincount} with at least {@code minlength} bins. */
    public Tensor bincount(int minlength) {
        return SortOps.bincount(this, null, minlength);
    }

    /** The sum of {@code weights} at each value of a 1-D int64 tensor, as {@code torch.bincount(weights=...)}. */
    public Tensor bincount(Tensor weights, int minlength) {
        Args.require(weights, "bincount", "weights", 1, "Tensor");
        return SortOps.bincount(this, weights, minlength);
    }

    // ---- the narrow integer types (int32, int16, int8, uint8)

    /**
     * Integers uniform on [low, high) of an integer or floating type, as {@code torch.randint(low, high, size,
     * dtype=)}.
     */
    public static Tensor randint(long low, long high, DType dtype, int... shape) {
        Args.require(dtype, "randint", "dtype", 3, "torch.dtype");
        Args.require(shape, "randint", "shape", 4, "tuple of ints");
        return Creation.randint(low, high, dtype, shape);
    }

    /** int32, as {@code Tensor.int()}. */
    public Tensor toInt() {
        return to(DType.INT32);
    }

    /** int16, as {@code Tensor.short()}. */
    public Tensor toShort() {
        return to(DType.INT16);
    }

    /** int8, as {@code Tensor.char()}. */
    public Tensor toChar() {
        return to(DType.INT8);
    }

    /** uint8, as {@code Tensor.byte()}. */
    public Tensor toByte() {
        return to(DType.UINT8);
    }

    /** bool, as {@code Tensor.bool()}: nonzero elements become true. */
    public Tensor toBool() {
        return to(DType.BOOL);
    }

    /** The elements in row-major order as ints (converted to int32). */
    public int[] toIntArray() {
        return (int[]) to(DType.INT32).hostArray();
    }

    /** The elements in row-major order as shorts (converted to int16). */
    public short[] toShortArray() {
        return (short[]) to(DType.INT16).hostArray();
    }

    /**
     * The elements in row-major order as bytes: a uint8 tensor's as they are (read them with {@code b & 0xFF}), any
     * other converted to int8.
     */
    public byte[] toByteArray() {
        return (byte[]) (dtype == DType.UINT8 ? this : to(DType.INT8)).hostArray();
    }

    /**
     * The elements' bits read as {@code dtype}, a view of this tensor, as {@code Tensor.view(dtype)}; not differentiable.
     * Ember reinterprets between torch.uint8 and the 8-bit float types ({@code x.view(torch.uint8)} gives an fp8
     * tensor's bits, {@code bits.view(torch.float8_e4m3fn)} makes one from them) and between a signed integer type and
     * the unsigned type of its width ({@code x.view(torch.uint16)} reads int16 bits as unsigned).
     *
     * @throws IllegalArgumentException for another pair of types
     */
    public Tensor view(DType dtype) {
        Args.require(dtype, "view", "dtype", 1, "torch.dtype");
        return Float8.view(this, dtype);
    }

    // ---- the reduced floating types (float16, bfloat16)

    /** float16, as {@code Tensor.half()}. */
    public Tensor toHalf() {
        return to(DType.FLOAT16);
    }

    /** bfloat16, as {@code Tensor.bfloat16()}. */
    public Tensor toBFloat16() {
        return to(DType.BFLOAT16);
    }

    /**
     * The bits of a float16 or bfloat16 tensor's elements in row-major order, as {@code t.view(torch.int16)} reads
     * them (what safetensors' F16 and BF16 hold); see {@link Half} and {@link BFloat16} for their values.
     */
    public short[] toHalfBits() {
        if (!dtype.isReducedFloatingPoint()) {
            throw new IllegalArgumentException("toHalfBits() expects a float16 or bfloat16 tensor, got " + dtype);
        }
        return (short[]) hostArray();
    }

    /**
     * A float16 or bfloat16 tensor of {@code shape} holding a copy of the given bits (row-major), as
     * {@code torch.tensor(bits, dtype=torch.int16).view(dtype)}, on the CPU.
     */
    public static Tensor fromHalfBits(short[] bits, DType dtype, int... shape) {
        Args.require(bits, "fromHalfBits", "bits", 1, "short[]");
        Args.require(dtype, "fromHalfBits", "dtype", 2, "torch.dtype");
        Args.require(shape, "fromHalfBits", "shape", 3, "tuple of ints");
        return Creation.fromHalfBits(bits, dtype, shape);
    }

    // ------------------------------------------------------------------ printing

    /** Prints as PyTorch does: {@code tensor([[1., 2.]], requires_grad=True)}. */
    @Override
    public String toString() {
        if (uninitialized != null) {
            return "<" + uninitialized + ">"; // PyTorch's UninitializedTensorMixin.__repr__
        }
        if (isClosed()) { // a debugger or a log line must not throw
            return "tensor(<closed>, size=" + Shapes.str(shape) + ", dtype=" + dtype.torchName() + ")";
        }
        return TensorFormatter.format(this);
    }

    static Backend backendFor(Device device) {
        return Backends.forDevice(device);
    }

    // ---- in-place variants and aliases (session 20) ----

    /** {@code acos} in place, as {@code Tensor.acos_} (AcosBackward0); an integer tensor is refused (its result is floating). */
    public Tensor acos_() {
        return InplaceOps.inplace(this, List.of(), Tensor::acos);
    }

    /**
     * {@code acosh} in place, as {@code Tensor.acosh_}: node AcoshBackward1, whose backward fails as PyTorch's ("the
     * derivative for 'inplace version of acosh' is not implemented.").
     */
    public Tensor acosh_() {
        return InplaceOps.notDifferentiated_(this, List.of(), Tensor::acosh, "AcoshBackward1",
                "the derivative for 'inplace version of acosh' is not implemented.");
    }

    /** {@code asin} in place, as {@code Tensor.asin_} (AsinBackward0). */
    public Tensor asin_() {
        return InplaceOps.inplace(this, List.of(), Tensor::asin);
    }

    /**
     * {@code asinh} in place, as {@code Tensor.asinh_}: node AsinhBackward1, whose backward fails as PyTorch's ("the
     * derivative for 'inplace version of asinh' is not implemented.").
     */
    public Tensor asinh_() {
        return InplaceOps.notDifferentiated_(this, List.of(), Tensor::asinh, "AsinhBackward1",
                "the derivative for 'inplace version of asinh' is not implemented.");
    }

    /** {@code atan} in place, as {@code Tensor.atan_} (AtanBackward0). */
    public Tensor atan_() {
        return InplaceOps.inplace(this, List.of(), Tensor::atan);
    }

    /**
     * {@code atanh} in place, as {@code Tensor.atanh_}: node AtanhBackward1, whose backward fails as PyTorch's ("the
     * derivative for 'inplace version of atanh' is not implemented.").
     */
    public Tensor atanh_() {
        return InplaceOps.notDifferentiated_(this, List.of(), Tensor::atanh, "AtanhBackward1",
                "the derivative for 'inplace version of atanh' is not implemented.");
    }

    /** {@code atan2(this, other)} in place, as {@code Tensor.atan2_} (Atan2Backward0; {@code other} broadcasts to this). */
    public Tensor atan2_(Tensor other) {
        Args.require(other, "atan2_", "other", 1, "Tensor");
        return InplaceOps.inplace(this, List.of(other), t -> {
            InplaceOps.checkFloatingResultBeforeKernel(this, other);
            return t.atan2(other);
        });
    }

    /** {@code ceil} in place, as {@code Tensor.ceil_} (CeilBackward0). */
    public Tensor ceil_() {
        return InplaceOps.unary_(this, Tensor::ceil, ArithmeticOps.Fn.CEIL);
    }

    /** {@code floor} in place, as {@code Tensor.floor_} (FloorBackward0). */
    public Tensor floor_() {
        return InplaceOps.unary_(this, Tensor::floor, ArithmeticOps.Fn.FLOOR);
    }

    /** {@code round} (half to even) in place, as {@code Tensor.round_} (RoundBackward0). */
    public Tensor round_() {
        return InplaceOps.unary_(this, Tensor::round, ArithmeticOps.Fn.ROUND);
    }

    /** {@code trunc} in place, as {@code Tensor.trunc_} (TruncBackward0). */
    public Tensor trunc_() {
        return InplaceOps.unary_(this, Tensor::trunc, ArithmeticOps.Fn.TRUNC);
    }

    /** {@code frac} in place, as {@code Tensor.frac_} (FracBackward0). */
    public Tensor frac_() {
        return InplaceOps.unary_(this, Tensor::frac, ArithmeticOps.Fn.FRAC);
    }

    /** An alias of {@link #trunc_}, as {@code Tensor.fix_} (TruncBackward0). */
    public Tensor fix_() {
        return trunc_();
    }

    /** {@code cos} in place, as {@code Tensor.cos_} (CosBackward0). */
    public Tensor cos_() {
        return InplaceOps.inplace(this, List.of(), Tensor::cos);
    }

    /** {@code cosh} in place, as {@code Tensor.cosh_} (CoshBackward0). */
    public Tensor cosh_() {
        return InplaceOps.inplace(this, List.of(), Tensor::cosh);
    }

    /** {@code sin} in place, as {@code Tensor.sin_} (SinBackward0). */
    public Tensor sin_() {
        return InplaceOps.inplace(this, List.of(), Tensor::sin);
    }

    /** {@code sinh} in place, as {@code Tensor.sinh_} (SinhBackward0). */
    public Tensor sinh_() {
        return InplaceOps.inplace(this, List.of(), Tensor::sinh);
    }

    /** {@code tan} in place, as {@code Tensor.tan_} (TanBackward0). */
    public Tensor tan_() {
        return InplaceOps.unary_(this, Tensor::tan, ArithmeticOps.Fn.TAN);
    }

    /** {@code sinc} in place, as {@code Tensor.sinc_} (SincBackward0). */
    public Tensor sinc_() {
        return InplaceOps.inplace(this, List.of(), Tensor::sinc);
    }

    /** {@code erf} in place, as {@code Tensor.erf_} (ErfBackward0). */
    public Tensor erf_() {
        return InplaceOps.inplace(this, List.of(), Tensor::erf);
    }

    /** {@code erfc} in place, as {@code Tensor.erfc_} (ErfcBackward0). */
    public Tensor erfc_() {
        return InplaceOps.inplace(this, List.of(), Tensor::erfc);
    }

    /** {@code erfinv} in place, as {@code Tensor.erfinv_} (ErfinvBackward0). */
    public Tensor erfinv_() {
        return InplaceOps.inplace(this, List.of(), Tensor::erfinv);
    }

    /** {@code 2^this} in place, as {@code Tensor.exp2_} (Exp2Backward0). */
    public Tensor exp2_() {
        return InplaceOps.unary_(this, Tensor::exp2, ArithmeticOps.Fn.EXP2);
    }

    /** {@code exp(this) - 1} in place, as {@code Tensor.expm1_} (Expm1Backward0). */
    public Tensor expm1_() {
        return InplaceOps.unary_(this, Tensor::expm1, ArithmeticOps.Fn.EXPM1);
    }

    /** {@code log10} in place, as {@code Tensor.log10_} (Log10Backward0). */
    public Tensor log10_() {
        return InplaceOps.inplace(this, List.of(), Tensor::log10);
    }

    /** {@code log(1 + this)} in place, as {@code Tensor.log1p_} (Log1PBackward0). */
    public Tensor log1p_() {
        return InplaceOps.inplace(this, List.of(), Tensor::log1p);
    }

    /** {@code log2} in place, as {@code Tensor.log2_} (Log2Backward0). */
    public Tensor log2_() {
        return InplaceOps.inplace(this, List.of(), Tensor::log2);
    }

    /** {@code logit} in place, as {@code Tensor.logit_} (LogitBackward0). */
    public Tensor logit_() {
        return InplaceOps.inplace(this, List.of(), Tensor::logit);
    }

    /** {@code logit} with inputs clamped to {@code [eps, 1 - eps]}, in place, as {@code Tensor.logit_(eps)}. */
    public Tensor logit_(double eps) {
        return InplaceOps.inplace(this, List.of(), t -> t.logit(eps));
    }

    /** {@code lgamma} in place, as {@code Tensor.lgamma_} (LgammaBackward0). */
    public Tensor lgamma_() {
        return InplaceOps.inplace(this, List.of(), Tensor::lgamma);
    }

    /** {@code digamma} in place, as {@code Tensor.digamma_} (DigammaBackward0). */
    public Tensor digamma_() {
        return InplaceOps.inplace(this, List.of(), Tensor::digamma);
    }

    /** The {@code n}-th derivative of digamma in place, as {@code Tensor.polygamma_(n)} (PolygammaBackward1). */
    public Tensor polygamma_(int n) {
        return InplaceOps.polygamma_(this, n);
    }

    /**
     * The multivariate log-gamma of dimension {@code p}, as {@code Tensor.mvlgamma} ({@link Special#multigammaln};
     * MvlgammaBackward0).
     */
    public Tensor mvlgamma(int p) {
        return Special.multigammaln(this, p);
    }

    /** {@link #mvlgamma} in place, as {@code Tensor.mvlgamma_} (MvlgammaBackward0). */
    public Tensor mvlgamma_(int p) {
        return SpecialOps.multigammaln_(this, p);
    }

    /** The modified Bessel function {@code i0} in place, as {@code Tensor.i0_} (I0Backward0). */
    public Tensor i0_() {
        return InplaceOps.inplace(this, List.of(), Tensor::i0);
    }

    /** {@code 1 / this} in place, as {@code Tensor.reciprocal_} (ReciprocalBackward0). */
    public Tensor reciprocal_() {
        return InplaceOps.unary_(this, Tensor::reciprocal, ArithmeticOps.Fn.RECIPROCAL);
    }

    /** {@code 1 / sqrt(this)} in place, as {@code Tensor.rsqrt_} (RsqrtBackward0). */
    public Tensor rsqrt_() {
        return InplaceOps.unary_(this, Tensor::rsqrt, ArithmeticOps.Fn.RSQRT);
    }

    /** The sign (-1, 0, 1) in place, as {@code Tensor.sign_} (SignBackward0). */
    public Tensor sign_() {
        return InplaceOps.inplace(this, List.of(), Tensor::sign);
    }

    /** {@code sgn} in place, as {@code Tensor.sgn_} (SgnBackward0). */
    public Tensor sgn_() {
        return InplaceOps.inplace(this, List.of(), Tensor::sgn);
    }

    /** {@link #nanToNum()} in place, as {@code Tensor.nan_to_num_()} (NanToNumBackward0). */
    public Tensor nanToNum_() {
        return InplaceOps.nanToNum_(this, Tensor::nanToNum);
    }

    /**
     * {@link #nanToNum(double, Double, Double)} in place, as {@code Tensor.nan_to_num_(nan, posinf, neginf)}
     * ({@code posinf} and {@code neginf} may be null: the type's largest and lowest finite values).
     */
    public Tensor nanToNum_(double nan, Double posinf, Double neginf) {
        return InplaceOps.nanToNum_(this, t -> t.nanToNum(nan, posinf, neginf));
    }

    /** {@code this ** exponent} in place, as {@code Tensor.pow_} (PowBackward0). */
    public Tensor pow_(double exponent) {
        return InplaceOps.powScalar_(this, t -> t.pow(exponent),
                (old, out) -> ArithmeticOps.powScalar(old, Creation.wrap(exponent), out));
    }

    /** {@code this ** exponent} with an integral exponent in place (an int64 tensor stays int64; PowBackward0). */
    public Tensor pow_(long exponent) {
        return InplaceOps.powScalar_(this, t -> t.pow(exponent),
                (old, out) -> ArithmeticOps.powScalar(old, Creation.wrap(exponent), out));
    }

    /** {@code this ** exponent} elementwise in place, as {@code Tensor.pow_(Tensor)} (PowBackward1). */
    public Tensor pow_(Tensor exponent) {
        Args.require(exponent, "pow_", "exponent", 1, "Tensor");
        return InplaceOps.inplaceFromOld(this, List.of(exponent), t -> t.pow(exponent),
                (old, out) -> ArithmeticOps.pow(old, exponent, out), false);
    }

    /** Python's modulus (sign of the divisor) in place, as {@code Tensor.remainder_} (RemainderBackward1). */
    public Tensor remainder_(Tensor other) {
        Args.require(other, "remainder_", "other", 1, "Tensor");
        return InplaceOps.shapeBeforeKernel_(this, other, t -> t.remainder(other));
    }

    /** {@code remainder_} by a Java number (RemainderBackward0). */
    public Tensor remainder_(double other) {
        return InplaceOps.typeBeforeKernel_(this, Creation.wrap(other), t -> t.remainder(other));
    }

    /** {@code remainder_} by an integral Java number (an int64 tensor stays int64). */
    public Tensor remainder_(long other) {
        return InplaceOps.typeBeforeKernel_(this, Creation.wrap(other), t -> t.remainder(other));
    }

    /** C's fmod (sign of the dividend) in place, as {@code Tensor.fmod_} (FmodBackward1). */
    public Tensor fmod_(Tensor other) {
        Args.require(other, "fmod_", "other", 1, "Tensor");
        return InplaceOps.shapeBeforeKernel_(this, other, t -> t.fmod(other));
    }

    /** {@code fmod_} by a Java number (FmodBackward0). */
    public Tensor fmod_(double other) {
        return InplaceOps.typeBeforeKernel_(this, Creation.wrap(other), t -> t.fmod(other));
    }

    /** {@code fmod_} by an integral Java number (an int64 tensor stays int64). */
    public Tensor fmod_(long other) {
        return InplaceOps.typeBeforeKernel_(this, Creation.wrap(other), t -> t.fmod(other));
    }

    /** {@code this + weight * (end - this)} in place, as {@code Tensor.lerp_} with a number weight (LerpBackward0). */
    public Tensor lerp_(Tensor end, double weight) {
        Args.require(end, "lerp_", "end", 1, "Tensor");
        // lerp's meta check of the type comes after autograd's checks and before the iterator's overlap check
        InplaceOps.checkInplace(this, List.of(end), false);
        ArithmeticOps.checkLerpType(this, end, "end");
        InplaceOps.checkShapesBeforeKernel(this, end); // the iterator's shape checks before the kernel's type
        return InplaceOps.inplace(this, List.of(end), t -> t.lerp(end, weight));
    }

    /** {@code lerp_} with a tensor of weights (LerpBackward1). */
    public Tensor lerp_(Tensor end, Tensor weight) {
        Args.require(end, "lerp_", "end", 1, "Tensor");
        Args.require(weight, "lerp_", "weight", 2, "Tensor");
        // lerp's meta checks of the types come after autograd's checks and before the iterator's overlap check
        InplaceOps.checkInplace(this, List.of(end, weight), false);
        ArithmeticOps.checkLerpType(this, end, "end");
        ArithmeticOps.checkLerpType(this, weight, "weight");
        return InplaceOps.inplace(this, List.of(end, weight), t -> t.lerp(end, weight));
    }

    /** {@code sqrt(this^2 + other^2)} in place, as {@code Tensor.hypot_} (HypotBackward0). */
    public Tensor hypot_(Tensor other) {
        Args.require(other, "hypot_", "other", 1, "Tensor");
        return InplaceOps.inplace(this, List.of(other), t -> {
            InplaceOps.checkBeforeKernel(this, other); // the iterator's shape and cast checks before the kernel's type
            return t.hypot(other);
        });
    }

    /** The magnitude of this with the sign of {@code other}, in place, as {@code Tensor.copysign_} (CopysignBackward0). */
    public Tensor copysign_(Tensor other) {
        Args.require(other, "copysign_", "other", 1, "Tensor");
        // the iterator's shape and cast checks before the kernel's type refusal (a complex other into a real self)
        return InplaceOps.floatOpBeforeKernel_(this, other, t -> t.copysign(other));
    }

    /** {@code copysign_} with a Java number's sign (CopysignBackward1). */
    public Tensor copysign_(double other) {
        return InplaceOps.inplace(this, List.of(), t -> t.copysign(other));
    }

    /** {@code this * log(other)} (0 where this is 0) in place, as {@code Tensor.xlogy_} (XlogyBackward0). */
    public Tensor xlogy_(Tensor other) {
        Args.require(other, "xlogy_", "other", 1, "Tensor");
        return InplaceOps.floatOpBeforeKernel_(this, other, t -> t.xlogy(other));
    }

    /** {@code xlogy_} with a Java number (XlogyBackward2). */
    public Tensor xlogy_(double other) {
        return InplaceOps.inplace(this, List.of(), t -> t.xlogy(other));
    }

    /**
     * {@code this * 2^other} in place, as {@code Tensor.ldexp_}: PyTorch's {@code mul_out(self, self, pow(2, other))},
     * so it records no history and refuses operands that require grad, with PyTorch's message.
     */
    public Tensor ldexp_(Tensor other) {
        Args.require(other, "ldexp_", "other", 1, "Tensor");
        return InplaceOps.ldexp_(this, other);
    }

    /**
     * {@code this ** exponent} in float64 in place, as {@code Tensor.float_power_} (this tensor must be float64, with
     * PyTorch's message; PowBackward1).
     */
    public Tensor floatPower_(Tensor exponent) {
        Args.require(exponent, "float_power_", "exponent", 1, "Tensor");
        InplaceOps.checkFloatPower(this);
        return InplaceOps.inplace(this, List.of(exponent), t -> t.floatPower(exponent));
    }

    /** {@code float_power_} with a number exponent (PowBackward0). */
    public Tensor floatPower_(double exponent) {
        InplaceOps.checkFloatPower(this);
        return InplaceOps.inplace(this, List.of(), t -> t.floatPower(exponent));
    }

    /** {@code this == other} written as 0 or 1 of this tensor's type, as {@code Tensor.eq_} (EqBackward1, zero gradients). */
    public Tensor eq_(Tensor other) {
        Args.require(other, "eq_", "other", 1, "Tensor");
        return InplaceOps.compare_(this, other, false, t -> t.eq(other), "EqBackward1");
    }

    /** {@code this == value} in place (EqBackward0). */
    public Tensor eq_(double value) {
        return InplaceOps.compare_(this, Creation.wrap(value), true, t -> t.eq(value), "EqBackward0");
    }

    /** {@code this == value} in place with a Python int, compared exactly however large (EqBackward0). */
    public Tensor eq_(long value) {
        return InplaceOps.compare_(this, Creation.wrap(value), true, t -> t.eq(value), "EqBackward0");
    }

    /** {@code this != other} in place, as {@code Tensor.ne_} (NeBackward1). */
    public Tensor ne_(Tensor other) {
        Args.require(other, "ne_", "other", 1, "Tensor");
        return InplaceOps.compare_(this, other, false, t -> t.ne(other), "NeBackward1");
    }

    /** {@code this != value} in place (NeBackward0). */
    public Tensor ne_(double value) {
        return InplaceOps.compare_(this, Creation.wrap(value), true, t -> t.ne(value), "NeBackward0");
    }

    /** {@code this != value} in place with a Python int, compared exactly however large (NeBackward0). */
    public Tensor ne_(long value) {
        return InplaceOps.compare_(this, Creation.wrap(value), true, t -> t.ne(value), "NeBackward0");
    }

    /** {@code this < other} in place, as {@code Tensor.lt_} (LtBackward1). */
    public Tensor lt_(Tensor other) {
        Args.require(other, "lt_", "other", 1, "Tensor");
        return InplaceOps.compare_(this, other, false, t -> t.lt(other), "LtBackward1");
    }

    /** {@code this < value} in place (LtBackward0). */
    public Tensor lt_(double value) {
        return InplaceOps.compare_(this, Creation.wrap(value), true, t -> t.lt(value), "LtBackward0");
    }

    /** {@code this &lt; value} in place with a Python int, compared exactly however large (LtBackward0). */
    public Tensor lt_(long value) {
        return InplaceOps.compare_(this, Creation.wrap(value), true, t -> t.lt(value), "LtBackward0");
    }

    /** {@code this <= other} in place, as {@code Tensor.le_} (LeBackward1). */
    public Tensor le_(Tensor other) {
        Args.require(other, "le_", "other", 1, "Tensor");
        return InplaceOps.compare_(this, other, false, t -> t.le(other), "LeBackward1");
    }

    /** {@code this <= value} in place (LeBackward0). */
    public Tensor le_(double value) {
        return InplaceOps.compare_(this, Creation.wrap(value), true, t -> t.le(value), "LeBackward0");
    }

    /** {@code this &lt;= value} in place with a Python int, compared exactly however large (LeBackward0). */
    public Tensor le_(long value) {
        return InplaceOps.compare_(this, Creation.wrap(value), true, t -> t.le(value), "LeBackward0");
    }

    /** {@code this > other} in place, as {@code Tensor.gt_} (GtBackward1). */
    public Tensor gt_(Tensor other) {
        Args.require(other, "gt_", "other", 1, "Tensor");
        return InplaceOps.compare_(this, other, false, t -> t.gt(other), "GtBackward1");
    }

    /** {@code this > value} in place (GtBackward0). */
    public Tensor gt_(double value) {
        return InplaceOps.compare_(this, Creation.wrap(value), true, t -> t.gt(value), "GtBackward0");
    }

    /** {@code this &gt; value} in place with a Python int, compared exactly however large (GtBackward0). */
    public Tensor gt_(long value) {
        return InplaceOps.compare_(this, Creation.wrap(value), true, t -> t.gt(value), "GtBackward0");
    }

    /** {@code this >= other} in place, as {@code Tensor.ge_} (GeBackward1). */
    public Tensor ge_(Tensor other) {
        Args.require(other, "ge_", "other", 1, "Tensor");
        return InplaceOps.compare_(this, other, false, t -> t.ge(other), "GeBackward1");
    }

    /** {@code this >= value} in place (GeBackward0). */
    public Tensor ge_(double value) {
        return InplaceOps.compare_(this, Creation.wrap(value), true, t -> t.ge(value), "GeBackward0");
    }

    /** {@code this &gt;= value} in place with a Python int, compared exactly however large (GeBackward0). */
    public Tensor ge_(long value) {
        return InplaceOps.compare_(this, Creation.wrap(value), true, t -> t.ge(value), "GeBackward0");
    }

    /** An alias of {@link #gt(Tensor)}, as {@code torch.greater}. */
    public Tensor greater(Tensor other) {
        return gt(other);
    }

    /** An alias of {@link #gt(double)}, as {@code torch.greater}. */
    public Tensor greater(double value) {
        return gt(value);
    }

    /** An alias of {@link #gt(long)}, as {@code torch.greater} with a Python int (exact however large). */
    public Tensor greater(long value) {
        return gt(value);
    }

    /** An alias of {@link #gt_(Tensor)}, as {@code Tensor.greater_}. */
    public Tensor greater_(Tensor other) {
        return gt_(other);
    }

    /** An alias of {@link #gt_(double)}, as {@code Tensor.greater_}. */
    public Tensor greater_(double value) {
        return gt_(value);
    }

    /** An alias of {@link #gt_(long)}, as {@code Tensor.greater_} with a Python int (exact however large). */
    public Tensor greater_(long value) {
        return gt_(value);
    }

    /** An alias of {@link #ge(Tensor)}, as {@code torch.greater_equal}. */
    public Tensor greaterEqual(Tensor other) {
        return ge(other);
    }

    /** An alias of {@link #ge(double)}, as {@code torch.greater_equal}. */
    public Tensor greaterEqual(double value) {
        return ge(value);
    }

    /** An alias of {@link #ge(long)}, as {@code torch.greater_equal} with a Python int (exact however large). */
    public Tensor greaterEqual(long value) {
        return ge(value);
    }

    /** An alias of {@link #ge_(Tensor)}, as {@code Tensor.greater_equal_}. */
    public Tensor greaterEqual_(Tensor other) {
        return ge_(other);
    }

    /** An alias of {@link #ge_(double)}, as {@code Tensor.greater_equal_}. */
    public Tensor greaterEqual_(double value) {
        return ge_(value);
    }

    /** An alias of {@link #ge_(long)}, as {@code Tensor.greater_equal_} with a Python int (exact however large). */
    public Tensor greaterEqual_(long value) {
        return ge_(value);
    }

    /** An alias of {@link #lt(Tensor)}, as {@code torch.less}. */
    public Tensor less(Tensor other) {
        return lt(other);
    }

    /** An alias of {@link #lt(double)}, as {@code torch.less}. */
    public Tensor less(double value) {
        return lt(value);
    }

    /** An alias of {@link #lt(long)}, as {@code torch.less} with a Python int (exact however large). */
    public Tensor less(long value) {
        return lt(value);
    }

    /** An alias of {@link #lt_(Tensor)}, as {@code Tensor.less_}. */
    public Tensor less_(Tensor other) {
        return lt_(other);
    }

    /** An alias of {@link #lt_(double)}, as {@code Tensor.less_}. */
    public Tensor less_(double value) {
        return lt_(value);
    }

    /** An alias of {@link #lt_(long)}, as {@code Tensor.less_} with a Python int (exact however large). */
    public Tensor less_(long value) {
        return lt_(value);
    }

    /** An alias of {@link #le(Tensor)}, as {@code torch.less_equal}. */
    public Tensor lessEqual(Tensor other) {
        return le(other);
    }

    /** An alias of {@link #le(double)}, as {@code torch.less_equal}. */
    public Tensor lessEqual(double value) {
        return le(value);
    }

    /** An alias of {@link #le(long)}, as {@code torch.less_equal} with a Python int (exact however large). */
    public Tensor lessEqual(long value) {
        return le(value);
    }

    /** An alias of {@link #le_(Tensor)}, as {@code Tensor.less_equal_}. */
    public Tensor lessEqual_(Tensor other) {
        return le_(other);
    }

    /** An alias of {@link #le_(double)}, as {@code Tensor.less_equal_}. */
    public Tensor lessEqual_(double value) {
        return le_(value);
    }

    /** An alias of {@link #le_(long)}, as {@code Tensor.less_equal_} with a Python int (exact however large). */
    public Tensor lessEqual_(long value) {
        return le_(value);
    }

    /** An alias of {@link #ne(Tensor)}, as {@code torch.not_equal}. */
    public Tensor notEqual(Tensor other) {
        return ne(other);
    }

    /** An alias of {@link #ne(double)}, as {@code torch.not_equal}. */
    public Tensor notEqual(double value) {
        return ne(value);
    }

    /** An alias of {@link #ne(long)}, as {@code torch.not_equal} with a Python int (exact however large). */
    public Tensor notEqual(long value) {
        return ne(value);
    }

    /** An alias of {@link #ne_(Tensor)}, as {@code Tensor.not_equal_}. */
    public Tensor notEqual_(Tensor other) {
        return ne_(other);
    }

    /** An alias of {@link #ne_(double)}, as {@code Tensor.not_equal_}. */
    public Tensor notEqual_(double value) {
        return ne_(value);
    }

    /** An alias of {@link #ne_(long)}, as {@code Tensor.not_equal_} with a Python int (exact however large). */
    public Tensor notEqual_(long value) {
        return ne_(value);
    }

    /**
     * {@code this && other} written as 0 or 1 of this tensor's type, as {@code Tensor.logical_and_} (not differentiable:
     * the history is left as it was, as PyTorch's).
     */
    public Tensor logicalAnd_(Tensor other) {
        Args.require(other, "logical_and_", "other", 1, "Tensor");
        return InplaceOps.nonDifferentiable_(this, List.of(other), false, t -> t.logicalAnd(other));
    }

    /** {@code this || other} in place, as {@code Tensor.logical_or_} (not differentiable). */
    public Tensor logicalOr_(Tensor other) {
        Args.require(other, "logical_or_", "other", 1, "Tensor");
        return InplaceOps.nonDifferentiable_(this, List.of(other), false, t -> t.logicalOr(other));
    }

    /** {@code this != other} as truth values in place, as {@code Tensor.logical_xor_} (not differentiable). */
    public Tensor logicalXor_(Tensor other) {
        Args.require(other, "logical_xor_", "other", 1, "Tensor");
        return InplaceOps.nonDifferentiable_(this, List.of(other), false, t -> t.logicalXor(other));
    }

    /** {@code !this} as 0 or 1 of this tensor's type, in place, as {@code Tensor.logical_not_} (not differentiable). */
    public Tensor logicalNot_() {
        return InplaceOps.nonDifferentiable_(this, List.of(), false, Tensor::logicalNot);
    }

    /** Bitwise and in place, as {@code Tensor.bitwise_and_} (integer and bool tensors). */
    public Tensor bitwiseAnd_(Tensor other) {
        Args.require(other, "bitwise_and_", "other", 1, "Tensor");
        return InplaceOps.nonDifferentiable_(this, List.of(other), true, t -> {
            InplaceOps.checkBeforeKernel(this, other); // the iterator's shape and cast checks before the kernel's type
            return t.bitwiseAnd(other);
        });
    }

    /** Bitwise and with an integral Java number, in place. */
    public Tensor bitwiseAnd_(long other) {
        return InplaceOps.nonDifferentiable_(this, List.of(), true, t -> t.bitwiseAnd(other));
    }

    /** Bitwise or in place, as {@code Tensor.bitwise_or_}. */
    public Tensor bitwiseOr_(Tensor other) {
        Args.require(other, "bitwise_or_", "other", 1, "Tensor");
        return InplaceOps.nonDifferentiable_(this, List.of(other), true, t -> t.bitwiseOr(other));
    }

    /** Bitwise or with an integral Java number, in place. */
    public Tensor bitwiseOr_(long other) {
        return InplaceOps.nonDifferentiable_(this, List.of(), true, t -> t.bitwiseOr(other));
    }

    /** Bitwise xor in place, as {@code Tensor.bitwise_xor_}. */
    public Tensor bitwiseXor_(Tensor other) {
        Args.require(other, "bitwise_xor_", "other", 1, "Tensor");
        return InplaceOps.nonDifferentiable_(this, List.of(other), true, t -> t.bitwiseXor(other));
    }

    /** Bitwise xor with an integral Java number, in place. */
    public Tensor bitwiseXor_(long other) {
        return InplaceOps.nonDifferentiable_(this, List.of(), true, t -> t.bitwiseXor(other));
    }

    /** Bitwise not in place, as {@code Tensor.bitwise_not_}. */
    public Tensor bitwiseNot_() {
        return InplaceOps.nonDifferentiable_(this, List.of(), true, Tensor::bitwiseNot);
    }

    /** Left shift in place, as {@code Tensor.bitwise_left_shift_}. */
    public Tensor bitwiseLeftShift_(Tensor other) {
        Args.require(other, "bitwise_left_shift_", "other", 1, "Tensor");
        return InplaceOps.nonDifferentiable_(this, List.of(other), true, t -> t.bitwiseLeftShift(other));
    }

    /** Left shift by an integral Java number, in place. */
    public Tensor bitwiseLeftShift_(long other) {
        return InplaceOps.nonDifferentiable_(this, List.of(), true, t -> t.bitwiseLeftShift(other));
    }

    /** Right shift in place, as {@code Tensor.bitwise_right_shift_}. */
    public Tensor bitwiseRightShift_(Tensor other) {
        Args.require(other, "bitwise_right_shift_", "other", 1, "Tensor");
        return InplaceOps.nonDifferentiable_(this, List.of(other), true, t -> t.bitwiseRightShift(other));
    }

    /** Right shift by an integral Java number, in place. */
    public Tensor bitwiseRightShift_(long other) {
        return InplaceOps.nonDifferentiable_(this, List.of(), true, t -> t.bitwiseRightShift(other));
    }

    /** The cumulative sum along {@code dim} in place, as {@code Tensor.cumsum_} (CumsumBackward0). */
    public Tensor cumsum_(int dim) {
        return InplaceOps.cumulative_(this, dim, "cumsum_out", Tensor::cumsum);
    }

    /** The cumulative product along {@code dim} in place, as {@code Tensor.cumprod_} (CumprodBackward0). */
    public Tensor cumprod_(int dim) {
        return InplaceOps.cumulative_(this, dim, "cumprod_out", Tensor::cumprod);
    }

    /** The lower triangle in place, as {@code Tensor.tril_()} (TrilBackward0). */
    public Tensor tril_() {
        return tril_(0);
    }

    /** The lower triangle from {@code diagonal} in place, as {@code Tensor.tril_(diagonal)}. */
    public Tensor tril_(int diagonal) {
        return ShapeOps.triangle_(this, diagonal, false);
    }

    /** The upper triangle in place, as {@code Tensor.triu_()} (TriuBackward0). */
    public Tensor triu_() {
        return triu_(0);
    }

    /** The upper triangle from {@code diagonal} in place, as {@code Tensor.triu_(diagonal)}. */
    public Tensor triu_(int diagonal) {
        return ShapeOps.triangle_(this, diagonal, true);
    }

    /** {@code this + mat1 @ mat2} in place, as {@code Tensor.addmm_} (this must have the product's shape; AddmmBackward0). */
    public Tensor addmm_(Tensor mat1, Tensor mat2) {
        return addmm_(mat1, mat2, 1, 1);
    }

    /** {@code beta * this + alpha * mat1 @ mat2} in place, as {@code Tensor.addmm_(mat1, mat2, beta=, alpha=)}. */
    public Tensor addmm_(Tensor mat1, Tensor mat2, double beta, double alpha) {
        Args.require(mat1, "addmm_", "mat1", 1, "Tensor");
        Args.require(mat2, "addmm_", "mat2", 2, "Tensor");
        return LinalgOps.addmm_(this, mat1, mat2, beta, alpha);
    }

    /** {@code this + mat @ vec} in place, as {@code Tensor.addmv_} (AddmvBackward0). */
    public Tensor addmv_(Tensor mat, Tensor vec) {
        return addmv_(mat, vec, 1, 1);
    }

    /** {@code beta * this + alpha * mat @ vec} in place, as {@code Tensor.addmv_(mat, vec, beta=, alpha=)}. */
    public Tensor addmv_(Tensor mat, Tensor vec, double beta, double alpha) {
        Args.require(mat, "addmv_", "mat", 1, "Tensor");
        Args.require(vec, "addmv_", "vec", 2, "Tensor");
        return LinalgOps.addmv_(this, mat, vec, beta, alpha);
    }

    /** {@code this + batch1 @ batch2} per batch in place, as {@code Tensor.baddbmm_} (BaddbmmBackward0). */
    public Tensor baddbmm_(Tensor batch1, Tensor batch2) {
        return baddbmm_(batch1, batch2, 1, 1);
    }

    /** {@code beta * this + alpha * batch1 @ batch2} per batch in place, as {@code Tensor.baddbmm_(..., beta=, alpha=)}. */
    public Tensor baddbmm_(Tensor batch1, Tensor batch2, double beta, double alpha) {
        Args.require(batch1, "baddbmm_", "batch1", 1, "Tensor");
        Args.require(batch2, "baddbmm_", "batch2", 2, "Tensor");
        return LinalgOps.baddbmm_(this, batch1, batch2, beta, alpha);
    }

    /** {@code this + sum_b batch1[b] @ batch2[b]} in place, as {@code Tensor.addbmm_} (AddbmmBackward0). */
    public Tensor addbmm_(Tensor batch1, Tensor batch2) {
        return addbmm_(batch1, batch2, 1, 1);
    }

    /**
     * {@code beta * this + alpha * sum_b batch1[b] @ batch2[b]} in place, as {@code Tensor.addbmm_(..., beta=, alpha=)}
     * (this must have the product's shape, where PyTorch 1.13 resizes a broadcastable one).
     */
    public Tensor addbmm_(Tensor batch1, Tensor batch2, double beta, double alpha) {
        Args.require(batch1, "addbmm_", "batch1", 1, "Tensor");
        Args.require(batch2, "addbmm_", "batch2", 2, "Tensor");
        return LinalgOps.addbmm_(this, batch1, batch2, beta, alpha);
    }

    /**
     * Removes every dimension of size 1 from this tensor's own shape, as {@code Tensor.squeeze_()} (same storage,
     * version bumped; PyTorch 2.x's node SqueezeBackward3, 1.13's SqueezeBackward2).
     */
    public Tensor squeeze_() {
        int[] before = shape.clone();
        return InplaceOps.view_(this, Tensor::squeeze, "SqueezeBackward3", g -> g.reshape(before));
    }

    /** Removes dimension {@code dim} if it has size 1, in place, as {@code Tensor.squeeze_(dim)} (SqueezeBackward4). */
    public Tensor squeeze_(int dim) {
        int[] before = shape.clone();
        return InplaceOps.view_(this, t -> t.squeeze(dim), "SqueezeBackward4", g -> g.reshape(before));
    }

    /** Inserts a dimension of size 1 at {@code dim}, in place, as {@code Tensor.unsqueeze_} (UnsqueezeBackward1). */
    public Tensor unsqueeze_(int dim) {
        int rank = shape.length + 1;
        return InplaceOps.view_(this, t -> t.unsqueeze(dim), "UnsqueezeBackward1",
                g -> g.squeeze(Shapes.wrapDim(dim, rank)));
    }

    /** Transposes this (at most 2-D) tensor in place, as {@code Tensor.t_} (TBackward1). */
    public Tensor t_() {
        return InplaceOps.view_(this, t -> {
            if (t.shape.length > 2) {
                throw new IllegalArgumentException("t_() expects a tensor with <= 2 dimensions, but self is "
                        + t.shape.length + "D");
            }
            return t.t();
        }, "TBackward1", Tensor::t);
    }

    /** Swaps dimensions {@code dim0} and {@code dim1} in place, as {@code Tensor.transpose_} (TransposeBackward1). */
    public Tensor transpose_(int dim0, int dim1) {
        return InplaceOps.view_(this, t -> t.transpose(dim0, dim1), "TransposeBackward1", g -> g.transpose(dim0, dim1));
    }

    /** An alias of {@link #transpose_}, as {@code Tensor.swapaxes_}. */
    public Tensor swapaxes_(int axis0, int axis1) {
        return transpose_(axis0, axis1);
    }

    /** An alias of {@link #transpose_}, as {@code Tensor.swapdims_}. */
    public Tensor swapdims_(int dim0, int dim1) {
        return transpose_(dim0, dim1);
    }

    /** Fills the main diagonal with {@code value}, as {@code Tensor.fill_diagonal_(value)} (wrap false). */
    public Tensor fillDiagonal_(double value) {
        return fillDiagonal_(value, false);
    }

    /**
     * Fills the main diagonal (every dimension the same size beyond 2-D) with {@code value}, as
     * {@code Tensor.fill_diagonal_(value, wrap)}: with {@code wrap} a tall matrix's diagonal restarts every
     * {@code columns + 1} rows. Recorded as fills of views (CopySlices), as PyTorch's.
     */
    public Tensor fillDiagonal_(double value, boolean wrap) {
        return InplaceOps.fillDiagonal_(this, value, wrap);
    }

    /** {@link #fillDiagonal_(double)} with a Python int: exact for an int64 tensor however large. */
    public Tensor fillDiagonal_(long value) {
        return fillDiagonal_(value, false);
    }

    /** {@link #fillDiagonal_(double, boolean)} with a Python int: exact for an int64 tensor however large. */
    public Tensor fillDiagonal_(long value, boolean wrap) {
        return InplaceOps.fillDiagonal_(this, value, wrap);
    }

    /**
     * {@link #fillDiagonal_(long)} with a Python bool, as {@code mask.fill_diagonal_(False)} (a bool tensor's diagonal
     * set; true is 1 and false 0 in a numeric tensor).
     */
    public Tensor fillDiagonal_(boolean value) {
        return fillDiagonal_(value ? 1L : 0L, false);
    }

    /** An alias of {@link #clamp_(double, double)}, as {@code Tensor.clip_} (ClampBackward1). */
    public Tensor clip_(double min, double max) {
        return clamp_(min, max);
    }

    /** An alias of {@link #clamp_(long, long)}, as {@code Tensor.clip_} with Python ints (exact however large). */
    public Tensor clip_(long min, long max) {
        return clamp_(min, max);
    }

    /** An alias of {@link #neg_}, as {@code Tensor.negative_}. */
    public Tensor negative_() {
        return neg_();
    }

    /** An alias of {@link #abs}, as {@code torch.absolute}. */
    public Tensor absolute() {
        return abs();
    }

    /** An alias of {@link #abs_}, as {@code Tensor.absolute_}. */
    public Tensor absolute_() {
        return abs_();
    }

    /** An alias of {@link #acos}, as {@code torch.arccos}. */
    public Tensor arccos() {
        return acos();
    }

    /** An alias of {@link #acos_}, as {@code Tensor.arccos_}. */
    public Tensor arccos_() {
        return acos_();
    }

    /** An alias of {@link #asin}, as {@code torch.arcsin}. */
    public Tensor arcsin() {
        return asin();
    }

    /** An alias of {@link #asin_}, as {@code Tensor.arcsin_}. */
    public Tensor arcsin_() {
        return asin_();
    }

    /** An alias of {@link #atan}, as {@code torch.arctan}. */
    public Tensor arctan() {
        return atan();
    }

    /** An alias of {@link #atan_}, as {@code Tensor.arctan_}. */
    public Tensor arctan_() {
        return atan_();
    }

    /** An alias of {@link #acosh}, as {@code torch.arccosh}. */
    public Tensor arccosh() {
        return acosh();
    }

    /** An alias of {@link #acosh_}, as {@code Tensor.arccosh_}. */
    public Tensor arccosh_() {
        return acosh_();
    }

    /** An alias of {@link #asinh}, as {@code torch.arcsinh}. */
    public Tensor arcsinh() {
        return asinh();
    }

    /** An alias of {@link #asinh_}, as {@code Tensor.arcsinh_}. */
    public Tensor arcsinh_() {
        return asinh_();
    }

    /** An alias of {@link #atanh}, as {@code torch.arctanh}. */
    public Tensor arctanh() {
        return atanh();
    }

    /** An alias of {@link #atanh_}, as {@code Tensor.arctanh_}. */
    public Tensor arctanh_() {
        return atanh_();
    }

    /** An alias of {@link #atan2}, as {@code torch.arctan2}. */
    public Tensor arctan2(Tensor other) {
        return atan2(other);
    }

    /** An alias of {@link #atan2_}, as {@code Tensor.arctan2_}. */
    public Tensor arctan2_(Tensor other) {
        return atan2_(other);
    }

    /** An alias of {@link #div(Tensor)}, as {@code torch.divide}. */
    public Tensor divide(Tensor other) {
        return div(other);
    }

    /** An alias of {@link #div(double)}, as {@code torch.divide} by a number. */
    public Tensor divide(double other) {
        return div(other);
    }

    /** An alias of {@link #div(Tensor, String)}, as {@code torch.divide(a, b, rounding_mode=)} ({@code null}: true division). */
    public Tensor divide(Tensor other, String roundingMode) {
        return div(other, roundingMode);
    }

    /** An alias of {@link #div(double, String)}, as {@code torch.divide} by a number with a rounding mode. */
    public Tensor divide(double other, String roundingMode) {
        return div(other, roundingMode);
    }

    /** An alias of {@link #div_(Tensor)}, as {@code Tensor.divide_}. */
    public Tensor divide_(Tensor other) {
        return div_(other);
    }

    /** An alias of {@link #div_(double)}, as {@code Tensor.divide_} by a number. */
    public Tensor divide_(double other) {
        return div_(other);
    }

    /**
     * Division with a rounding mode in place, as {@code Tensor.div_(other, rounding_mode=)} and {@code divide_}
     * ({@code null}: true division; DivBackward2).
     */
    public Tensor divide_(Tensor other, String roundingMode) {
        Args.require(other, "divide_", "other", 1, "Tensor");
        // the iterator's output-shape check comes before an integer division by zero is refused
        return InplaceOps.shapeBeforeKernel_(this, other, t -> t.div(other, roundingMode));
    }

    /** {@link #divide_(Tensor, String)} by a Java number (DivBackward3). */
    public Tensor divide_(double other, String roundingMode) {
        return InplaceOps.typeBeforeKernel_(this, Creation.wrap(other), t -> t.div(other, roundingMode));
    }

    /** An alias of {@link #divide_(Tensor, String)}, as {@code Tensor.div_(other, rounding_mode=)}. */
    public Tensor div_(Tensor other, String roundingMode) {
        return divide_(other, roundingMode);
    }

    /** An alias of {@link #divide_(double, String)}, as {@code Tensor.div_(number, rounding_mode=)}. */
    public Tensor div_(double other, String roundingMode) {
        return divide_(other, roundingMode);
    }

    /** An alias of {@link #mul(Tensor)}, as {@code torch.multiply}. */
    public Tensor multiply(Tensor other) {
        return mul(other);
    }

    /** An alias of {@link #mul(double)}, as {@code torch.multiply} by a number. */
    public Tensor multiply(double other) {
        return mul(other);
    }

    /** An alias of {@link #mul(long)}, as {@code torch.multiply} by a Python int (exact for int64 however large). */
    public Tensor multiply(long other) {
        return mul(other);
    }

    /** An alias of {@link #mul_(Tensor)}, as {@code Tensor.multiply_}. */
    public Tensor multiply_(Tensor other) {
        return mul_(other);
    }

    /** An alias of {@link #mul_(double)}, as {@code Tensor.multiply_} by a number. */
    public Tensor multiply_(double other) {
        return mul_(other);
    }

    /** An alias of {@link #mul_(long)}, as {@code Tensor.multiply_} by a Python int. */
    public Tensor multiply_(long other) {
        return mul_(other);
    }

    /** An alias of {@link #sub(Tensor)}, as {@code torch.subtract}. */
    public Tensor subtract(Tensor other) {
        return sub(other);
    }

    /** An alias of {@link #sub(Tensor, double)}, as {@code torch.subtract(a, b, alpha=)}. */
    public Tensor subtract(Tensor other, double alpha) {
        return sub(other, alpha);
    }

    /** An alias of {@link #sub(double)}, as {@code torch.subtract} by a number. */
    public Tensor subtract(double other) {
        return sub(other);
    }

    /** An alias of {@link #sub(long)}, as {@code torch.subtract} by a Python int (exact for int64 however large). */
    public Tensor subtract(long other) {
        return sub(other);
    }

    /** An alias of {@link #sub_(Tensor)}, as {@code Tensor.subtract_}. */
    public Tensor subtract_(Tensor other) {
        return sub_(other);
    }

    /** An alias of {@link #sub_(Tensor, double)}, as {@code Tensor.subtract_(other, alpha=)}. */
    public Tensor subtract_(Tensor other, double alpha) {
        return sub_(other, alpha);
    }

    /** An alias of {@link #sub_(double)}, as {@code Tensor.subtract_} by a number. */
    public Tensor subtract_(double other) {
        return sub_(other);
    }

    /** An alias of {@link #sub_(long)}, as {@code Tensor.subtract_} by a Python int. */
    public Tensor subtract_(long other) {
        return sub_(other);
    }

    /** An alias of {@link #div_(Tensor)}, as {@code Tensor.true_divide_}. */
    public Tensor trueDivide_(Tensor other) {
        return div_(other);
    }

    /** An alias of {@link #div_(double)}, as {@code Tensor.true_divide_} by a number. */
    public Tensor trueDivide_(double other) {
        return div_(other);
    }

    /**
     * {@link #floorDivide(Tensor)} in place, as {@code Tensor.floor_divide_} (not differentiable: node NotImplemented,
     * whose backward fails as PyTorch's).
     */
    public Tensor floorDivide_(Tensor other) {
        Args.require(other, "floor_divide_", "other", 1, "Tensor");
        return InplaceOps.notDifferentiated_(this, List.of(other), t -> {
            InplaceOps.checkBeforeKernel(this, other);
            return t.floorDivide(other);
        }, "NotImplemented",
                "derivative for aten::floor_divide_ is not implemented");
    }

    /** {@link #floorDivide(double)} in place. */
    public Tensor floorDivide_(double other) {
        return floorDivide_(Creation.wrap(other));
    }

    /** {@link #floorDivide(long)} in place (an int64 tensor stays int64). */
    public Tensor floorDivide_(long other) {
        return floorDivide_(Creation.wrap(other));
    }

    /**
     * {@link #heaviside(Tensor)} in place, as {@code Tensor.heaviside_} (both of one type; not differentiable: node
     * NotImplemented, whose backward fails as PyTorch's).
     */
    public Tensor heaviside_(Tensor values) {
        Args.require(values, "heaviside_", "values", 1, "Tensor");
        SpecialOps.checkHeavisideTypes(this, values);
        return InplaceOps.notDifferentiated_(this, List.of(values), t -> t.heaviside(values), "NotImplemented",
                "derivative for aten::heaviside_ is not implemented");
    }

    /** An alias of {@link #cat}, as {@code torch.concat}. */
    public static Tensor concat(List<Tensor> tensors, int dim) {
        return cat(tensors, dim);
    }

    /** An alias of {@link #cat}, as {@code torch.concatenate}. */
    public static Tensor concatenate(List<Tensor> tensors, int dim) {
        return cat(tensors, dim);
    }

    /**
     * This tensor flattened to one dimension, as {@code torch.ravel} (PyTorch's {@code contiguous().view(-1)}: a view
     * when contiguous, else a contiguous copy viewed).
     */
    public Tensor ravel() {
        return contiguous().view(-1);
    }

    /** An alias of {@link #outer}, as {@code torch.ger}. */
    public Tensor ger(Tensor vec2) {
        return outer(vec2);
    }

    /** An alias of {@link #dim}, as {@code Tensor.ndimension}. */
    public int ndimension() {
        return dim();
    }

    /** An alias of {@link #numel}, as {@code Tensor.nelement}. */
    public long nelement() {
        return numel();
    }

    /** This tensor reshaped to {@code other}'s shape, as {@code Tensor.reshape_as}. */
    public Tensor reshapeAs(Tensor other) {
        Args.require(other, "reshape_as", "other", 1, "Tensor");
        return reshape(other.shape);
    }

    /** Whether {@code other} has this tensor's shape, as {@code Tensor.is_same_size}. */
    public boolean isSameSize(Tensor other) {
        Args.require(other, "is_same_size", "other", 1, "Tensor");
        return java.util.Arrays.equals(shape, other.shape);
    }

    /**
     * Whether this one-element tensor is not zero, as {@code Tensor.is_nonzero}.
     *
     * @throws IllegalStateException for no element or more than one, with PyTorch's message
     */
    public boolean isNonzero() {
        if (numel() == 0) {
            throw new IllegalStateException("Boolean value of Tensor with no values is ambiguous");
        }
        if (numel() > 1) {
            throw new IllegalStateException("Boolean value of Tensor with more than one value is ambiguous");
        }
        return item() != 0;
    }

    /** Whether this tensor's type is signed (not bool or uint8), as {@code Tensor.is_signed}. */
    public boolean isSigned() {
        return dtype != DType.BOOL && dtype != DType.UINT8;
    }

    /** Whether this tensor's type is complex ({@link DType#COMPLEX64}, {@link DType#COMPLEX128}), as {@code Tensor.is_complex}. */
    public boolean isComplex() {
        return dtype.isComplex();
    }

    // ------------------------------------------------------------------ complex numbers (ComplexOps)

    /**
     * A float view of this complex tensor whose last dimension, of size 2, holds each element's real and imaginary parts,
     * as {@code torch.view_as_real}: it shares the storage (writes through it change this tensor); node
     * ViewAsRealBackward0.
     *
     * @throws IllegalArgumentException for a real tensor ({@code view_as_real is only supported for complex tensors})
     */
    public Tensor viewAsReal() {
        return ComplexOps.viewAsReal(this);
    }

    /**
     * A complex view of this float32 or float64 tensor whose last dimension, of size 2 and stride 1, holds real and
     * imaginary parts, as {@code torch.view_as_complex} (its other strides and offset must be even); node
     * ViewAsComplexBackward0.
     *
     * @throws IllegalArgumentException in PyTorch's words when the type, last dimension or strides do not allow it
     */
    public Tensor viewAsComplex() {
        return ComplexOps.viewAsComplex(this);
    }

    /**
     * The real parts of a complex tensor, as {@code Tensor.real}: a view (writes through it change this tensor), node
     * RealBackward0; a real tensor itself.
     */
    public Tensor real() {
        return ComplexOps.real(this);
    }

    /**
     * The imaginary parts of a complex tensor, as {@code Tensor.imag}: a view, node ImagBackward0.
     *
     * @throws IllegalArgumentException for a real tensor, in PyTorch's words
     */
    public Tensor imag() {
        return ComplexOps.imag(this);
    }

    /**
     * The complex tensor {@code real + i imag}, as {@code torch.complex}: both float32 (complex64) or both float64
     * (complex128), broadcast together; node ComplexBackward0.
     *
     * @throws IllegalArgumentException for other or different types, in PyTorch's words
     */
    public static Tensor complex(Tensor real, Tensor imag) {
        Args.require(real, "complex", "real", 1, "Tensor");
        Args.require(imag, "complex", "imag", 2, "Tensor");
        return ComplexOps.complex(real, imag);
    }

    /**
     * The complex tensor with absolute values {@code abs} and angles {@code angle}, {@code abs * (cos angle + i sin angle)},
     * as {@code torch.polar}; node PolarBackward0.
     */
    public static Tensor polar(Tensor abs, Tensor angle) {
        Args.require(abs, "polar", "abs", 1, "Tensor");
        Args.require(angle, "polar", "angle", 2, "Tensor");
        return ComplexOps.polar(abs, angle);
    }

    // ---- tensor functions (session 20, helper 2) ----

    /** {@code self + outer(vec1, vec2)}, as {@code torch.addr} ({@code AddrBackward0}). */
    public Tensor addr(Tensor vec1, Tensor vec2) {
        return MoreTensorOps.addr(this, vec1, vec2, 1, 1);
    }

    /**
     * {@code beta * self + alpha * outer(vec1, vec2)}, as {@code torch.addr} ({@code AddrBackward0}; self broadcast to
     * the product's shape, the three types promoted; beta 0 ignores self, NaN included; integer results take integral
     * factors only).
     */
    public Tensor addr(Tensor vec1, Tensor vec2, double beta, double alpha) {
        return MoreTensorOps.addr(this, vec1, vec2, beta, alpha);
    }

    /** {@link #addr(Tensor, Tensor, double, double)} in place (AddrBackward0). */
    public Tensor addr_(Tensor vec1, Tensor vec2, double beta, double alpha) {
        Args.require(vec1, "addr_", "vec1", 1, "Tensor");
        Args.require(vec2, "addr_", "vec2", 2, "Tensor");
        return InplaceOps.inplace(this, List.of(vec1, vec2), t -> {
            MoreTensorOps.checkAddrInPlace(this, vec1, vec2);
            return t.addr(vec1, vec2, beta, alpha);
        });
    }

    /** {@link #addr_(Tensor, Tensor, double, double)} with beta and alpha 1. */
    public Tensor addr_(Tensor vec1, Tensor vec2) {
        return addr_(vec1, vec2, 1, 1);
    }

    /** The sum of products over the last dimension of both (a product for a 0-dim operand), as {@code torch.inner}. */
    public Tensor inner(Tensor other) {
        return MoreTensorOps.inner(this, other);
    }

    /** The dot product of two real 1-D tensors of one type, as {@code torch.vdot} ({@code VdotBackward0}). */
    public Tensor vdot(Tensor other) {
        return MoreTensorOps.vdot(this, other);
    }

    /** The 2-norm of {@code this - other} (broadcast), as {@code torch.dist} ({@code DistBackward0}). */
    public Tensor dist(Tensor other) {
        return MoreTensorOps.dist(this, other, 2);
    }

    /** The p-norm of {@code this - other} (broadcast; p 0 counts the non-zeros), as {@code torch.dist(input, other, p)}. */
    public Tensor dist(Tensor other, double p) {
        return MoreTensorOps.dist(this, other, p);
    }

    /**
     * Each slice along {@code dim} whose p-norm exceeds {@code maxnorm} scaled down to it (by
     * {@code maxnorm / (norm + 1e-7)}), as {@code torch.renorm} ({@code RenormBackward0}).
     */
    public Tensor renorm(double p, int dim, double maxnorm) {
        return MoreTensorOps.renorm(this, p, dim, maxnorm);
    }

    /** {@link #renorm(double, int, double)} in place (RenormBackward0). */
    public Tensor renorm_(double p, int dim, double maxnorm) {
        return InplaceOps.inplace(this, List.of(), t -> t.renorm(p, dim, maxnorm));
    }

    /** Whether each element's sign bit is set (true for -0.0), as {@code torch.signbit}; bool, no history. */
    public Tensor signbit() {
        return MoreTensorOps.signbit(this);
    }

    /** The non-negative greatest common divisor of integers (promoted, broadcast), as {@code torch.gcd}. */
    public Tensor gcd(Tensor other) {
        return MoreTensorOps.gcd(this, other);
    }

    /** The least common multiple of integers (promoted, broadcast; wrapping as PyTorch's), as {@code torch.lcm}. */
    public Tensor lcm(Tensor other) {
        return MoreTensorOps.lcm(this, other);
    }

    /** {@link #gcd} in place, as {@code Tensor.gcd_}. */
    public Tensor gcd_(Tensor other) {
        Args.require(other, "gcd_", "other", 1, "Tensor");
        return InplaceOps.inplace(this, List.of(other), t -> t.gcd(other));
    }

    /** {@link #lcm} in place, as {@code Tensor.lcm_}. */
    public Tensor lcm_(Tensor other) {
        Args.require(other, "lcm_", "other", 1, "Tensor");
        return InplaceOps.inplace(this, List.of(other), t -> t.lcm(other));
    }

    /** The flattened tensor on the diagonal of a matrix, as {@code torch.diagflat}. */
    public Tensor diagflat() {
        return MoreTensorOps.diagflat(this, 0);
    }

    /** The flattened tensor on a diagonal ({@code offset} above the main one) of a matrix, as {@code torch.diagflat}. */
    public Tensor diagflat(int offset) {
        return MoreTensorOps.diagflat(this, offset);
    }

    /**
     * {@code sections} equal views along dimension 1 (dimension 0 of a 1-D tensor), as {@code torch.hsplit}: the size
     * must divide evenly.
     */
    public List<Tensor> hsplit(int sections) {
        return TensorTuple.of(MoreTensorOps.directionalSplit(this, "hsplit", 1, dim() == 1 ? 0 : 1, sections));
    }

    /** Views between the given indices along dimension 1 (0 of a 1-D tensor), as {@code torch.hsplit}. */
    public List<Tensor> hsplit(int[] indices) {
        Args.require(indices, "hsplit", "indices", 1, "tuple of ints");
        return TensorTuple.of(MoreTensorOps.directionalSplit(this, "hsplit", 1, dim() == 1 ? 0 : 1, indices));
    }

    /** {@code sections} equal views along dimension 0 of a tensor of at least 2 dimensions, as {@code torch.vsplit}. */
    public List<Tensor> vsplit(int sections) {
        return TensorTuple.of(MoreTensorOps.directionalSplit(this, "vsplit", 2, 0, sections));
    }

    /** Views between the given indices along dimension 0 (at least 2 dimensions), as {@code torch.vsplit}. */
    public List<Tensor> vsplit(int[] indices) {
        Args.require(indices, "vsplit", "indices", 1, "tuple of ints");
        return TensorTuple.of(MoreTensorOps.directionalSplit(this, "vsplit", 2, 0, indices));
    }

    /** {@code sections} equal views along dimension 2 of a tensor of at least 3 dimensions, as {@code torch.dsplit}. */
    public List<Tensor> dsplit(int sections) {
        return TensorTuple.of(MoreTensorOps.directionalSplit(this, "dsplit", 3, 2, sections));
    }

    /** Views between the given indices along dimension 2 (at least 3 dimensions), as {@code torch.dsplit}. */
    public List<Tensor> dsplit(int[] indices) {
        Args.require(indices, "dsplit", "indices", 1, "tuple of ints");
        return TensorTuple.of(MoreTensorOps.directionalSplit(this, "dsplit", 3, 2, indices));
    }

    /** Views of the given sizes along dimension 0, as {@code torch.split_with_sizes} ({@code SplitWithSizesBackward0}). */
    public List<Tensor> splitWithSizes(int[] splitSizes) {
        return splitWithSizes(splitSizes, 0);
    }

    /** Views of the given sizes along a dimension, as {@code torch.split_with_sizes}. */
    public List<Tensor> splitWithSizes(int[] splitSizes, int dim) {
        Args.require(splitSizes, "split_with_sizes", "split_sizes", 1, "tuple of ints");
        return TensorTuple.of(ShapeOps.splitWithSizes(this, splitSizes, dim));
    }

    /**
     * A copy of this tensor with {@code select(dim, index)} replaced by {@code src}, as {@code torch.select_scatter}
     * ({@code SelectScatterBackward0}: this tensor's gradient with the slice zeroed, src's the slice of the gradient).
     */
    public Tensor selectScatter(Tensor src, int dim, int index) {
        return ScatterViewOps.selectScatter(this, src, dim, index);
    }

    /** A copy of this tensor with its leading dimension's elements replaced by {@code src}, as {@code torch.slice_scatter}. */
    public Tensor sliceScatter(Tensor src) {
        return ScatterViewOps.sliceScatter(this, src, 0, 0, Integer.MAX_VALUE, 1);
    }

    /**
     * A copy of this tensor with {@code slice(dim, start, end, step)} replaced by {@code src}, as
     * {@code torch.slice_scatter} ({@code SliceScatterBackward0}); {@code end} past the size is clamped.
     */
    public Tensor sliceScatter(Tensor src, int dim, int start, int end, int step) {
        return ScatterViewOps.sliceScatter(this, src, dim, start, end, step);
    }

    /** A copy of this matrix with its main diagonal replaced by {@code src}, as {@code torch.diagonal_scatter}. */
    public Tensor diagonalScatter(Tensor src) {
        return ScatterViewOps.diagonalScatter(this, src, 0, 0, 1);
    }

    /**
     * A copy of this tensor with {@code diagonal(offset, dim1, dim2)} replaced by {@code src}, as
     * {@code torch.diagonal_scatter} ({@code DiagonalScatterBackward0}).
     */
    public Tensor diagonalScatter(Tensor src, int offset, int dim1, int dim2) {
        return ScatterViewOps.diagonalScatter(this, src, offset, dim1, dim2);
    }

    /**
     * {@link #asStridedScatter(Tensor, int[], int[], int)} at this tensor's own storage offset, PyTorch's
     * {@code storage_offset=None} (2.x's copy keeps this tensor's layout, so its view starts where this tensor does).
     */
    public Tensor asStridedScatter(Tensor src, int[] size, int[] stride) {
        return ScatterViewOps.asStridedScatter(this, src, size, stride, storageOffset());
    }

    /**
     * A copy of this tensor with {@code as_strided(size, stride, storageOffset)} of the copy replaced by {@code src}, as
     * {@code torch.as_strided_scatter} ({@code AsStridedScatterBackward0}); as PyTorch, a non-contiguous tensor that
     * requires grad is refused. As 2.x's {@code clone_preserve_strides}, the copy is of this tensor's whole storage,
     * with this tensor's strides and storage offset, so {@code storageOffset} counts from the storage's start.
     */
    public Tensor asStridedScatter(Tensor src, int[] size, int[] stride, int storageOffset) {
        return ScatterViewOps.asStridedScatter(this, src, size, stride, storageOffset);
    }

    /**
     * {@code self[..., index[i], ...]} reduced with {@code source[..., i, ...]} along {@code dim} ({@code reduce}:
     * "prod", "mean", "amax" or "amin"; this tensor's values included), as {@code torch.index_reduce}
     * ({@code IndexReduceBackward0}).
     */
    public Tensor indexReduce(int dim, Tensor index, Tensor source, String reduce) {
        return IndexReduceOps.indexReduce(this, dim, index, source, reduce, true);
    }

    /**
     * {@code torch.index_reduce(dim, index, source, reduce, include_self)}: without this tensor's values at the indexed
     * positions when {@code includeSelf} is false (positions no index names keep them); integer means round down.
     */
    public Tensor indexReduce(int dim, Tensor index, Tensor source, String reduce, boolean includeSelf) {
        return IndexReduceOps.indexReduce(this, dim, index, source, reduce, includeSelf);
    }

    /** {@link #indexReduce(int, Tensor, Tensor, String)} in place, as {@code Tensor.index_reduce_}. */
    public Tensor indexReduce_(int dim, Tensor index, Tensor source, String reduce) {
        return IndexReduceOps.indexReduce_(this, dim, index, source, reduce, true);
    }

    /** {@link #indexReduce(int, Tensor, Tensor, String, boolean)} in place, as {@code Tensor.index_reduce_}. */
    public Tensor indexReduce_(int dim, Tensor index, Tensor source, String reduce, boolean includeSelf) {
        return IndexReduceOps.indexReduce_(this, dim, index, source, reduce, includeSelf);
    }

    /**
     * A tensor of the default type on the default device, of {@code size} with the given strides over a new storage
     * just large enough for them (contents unspecified), as {@code torch.empty_strided}.
     */
    public static Tensor emptyStrided(int[] size, int[] stride) {
        return emptyStrided(size, stride, Ember.getDefaultDtype(), Ember.defaultDevice());
    }

    /** {@code torch.empty_strided(size, stride, dtype=, device=)}. */
    public static Tensor emptyStrided(int[] size, int[] stride, DType dtype, Device device) {
        Args.require(size, "empty_strided", "size", 1, "tuple of ints");
        Args.require(stride, "empty_strided", "stride", 2, "tuple of ints");
        Args.require(dtype, "empty_strided", "dtype", 3, "torch.dtype");
        Args.require(device, "empty_strided", "device", 4, "torch.device");
        return MoreTensorOps.emptyStrided(size, stride, dtype, device);
    }

    /** {@link #emptyStrided(int[], int[], DType, Device)} of this tensor's type and device, {@code new_empty_strided}. */
    public Tensor newEmptyStrided(int[] size, int[] stride) {
        Args.require(size, "new_empty_strided", "size", 1, "tuple of ints");
        Args.require(stride, "new_empty_strided", "stride", 2, "tuple of ints");
        return MoreTensorOps.emptyStrided(size, stride, dtype, device);
    }

    /** {@code Tensor.new_empty_strided(size, stride, dtype=)} on this tensor's device. */
    public Tensor newEmptyStrided(int[] size, int[] stride, DType dtype) {
        Args.require(size, "new_empty_strided", "size", 1, "tuple of ints");
        Args.require(stride, "new_empty_strided", "stride", 2, "tuple of ints");
        Args.require(dtype, "new_empty_strided", "dtype", 3, "torch.dtype");
        return MoreTensorOps.emptyStrided(size, stride, dtype, device);
    }

    /** The type an op on two tensors computes in (0-dim ones rank below dimensioned ones), as {@code torch.result_type}. */
    public static DType resultType(Tensor tensor, Tensor other) {
        Args.require(tensor, "result_type", "tensor", 1, "Tensor");
        Args.require(other, "result_type", "other", 2, "Tensor");
        return ArithmeticOps.resultType(tensor, other);
    }

    /** {@code torch.result_type(tensor, number)} with a Python float (a floating number promotes integers to float32). */
    public static DType resultType(Tensor tensor, double other) {
        Args.require(tensor, "result_type", "tensor", 1, "Tensor");
        return ArithmeticOps.resultType(tensor, Creation.wrap(other));
    }

    /** {@code torch.result_type(tensor, number)} with a Python int (the tensor's type, bool promoted to int64). */
    public static DType resultType(Tensor tensor, long other) {
        Args.require(tensor, "result_type", "tensor", 1, "Tensor");
        return ArithmeticOps.resultType(tensor, Creation.wrap(other));
    }

    /** The smallest type both types promote to, as {@code torch.promote_types}. */
    public static DType promoteTypes(DType type1, DType type2) {
        return DType.promote(type1, type2);
    }

    /** Whether a value of type {@code from} may be written into a tensor of type {@code to}, as {@code torch.can_cast}. */
    public static boolean canCast(DType from, DType to) {
        return DTypeInfo.canCast(from, to);
    }

    /** The properties of a floating type (eps, max, min, tiny, ...), as {@code torch.finfo}. */
    public static DTypeInfo.FInfo finfo(DType dtype) {
        return DTypeInfo.finfo(dtype);
    }

    /** The properties of the default floating type ({@link Ember#getDefaultDtype}), as {@code torch.finfo()}. */
    public static DTypeInfo.FInfo finfo() {
        return DTypeInfo.finfo(Ember.getDefaultDtype());
    }

    /** The properties of an integer type (bits, max, min), as {@code torch.iinfo}. */
    public static DTypeInfo.IInfo iinfo(DType dtype) {
        return DTypeInfo.iinfo(dtype);
    }

    /** A periodic Hann window of the default type on the default device, as {@code torch.hann_window(length)}. */
    public static Tensor hannWindow(int length) {
        return WindowOps.hamming("hann_window", length, true, 0.5, 0.5, Ember.getDefaultDtype(), Ember.defaultDevice());
    }

    /**
     * The Hann window {@code 0.5 - 0.5 cos(2 pi k / (N - 1))}, as {@code torch.hann_window(length, periodic, dtype=,
     * device=)} (periodic: the symmetric window of {@code length + 1} without its last element).
     */
    public static Tensor hannWindow(int length, boolean periodic, DType dtype, Device device) {
        return WindowOps.hamming("hann_window", length, periodic, 0.5, 0.5, dtype, device);
    }

    /** A periodic Hamming window of the default type on the default device, as {@code torch.hamming_window(length)}. */
    public static Tensor hammingWindow(int length) {
        return WindowOps.hamming("hamming_window", length, true, 0.54, 0.46, Ember.getDefaultDtype(), Ember.defaultDevice());
    }

    /**
     * The generalized Hamming window {@code alpha - beta cos(2 pi k / (N - 1))}, as {@code torch.hamming_window(length,
     * periodic, alpha, beta, dtype=, device=)} (PyTorch's defaults: alpha 0.54, beta 0.46).
     */
    public static Tensor hammingWindow(int length, boolean periodic, double alpha, double beta, DType dtype, Device device) {
        return WindowOps.hamming("hamming_window", length, periodic, alpha, beta, dtype, device);
    }

    /** A periodic Blackman window of the default type on the default device, as {@code torch.blackman_window(length)}. */
    public static Tensor blackmanWindow(int length) {
        return WindowOps.blackman(length, true, Ember.getDefaultDtype(), Ember.defaultDevice());
    }

    /**
     * The Blackman window {@code 0.42 - 0.5 cos(2 pi k / (N - 1)) + 0.08 cos(4 pi k / (N - 1))}, as
     * {@code torch.blackman_window(length, periodic, dtype=, device=)}.
     */
    public static Tensor blackmanWindow(int length, boolean periodic, DType dtype, Device device) {
        return WindowOps.blackman(length, periodic, dtype, device);
    }

    /** A periodic Bartlett (triangular) window of the default type on the default device, as {@code torch.bartlett_window(length)}. */
    public static Tensor bartlettWindow(int length) {
        return WindowOps.bartlett(length, true, Ember.getDefaultDtype(), Ember.defaultDevice());
    }

    /** The Bartlett window {@code 1 - |2k / (N - 1) - 1|}, as {@code torch.bartlett_window(length, periodic, dtype=, device=)}. */
    public static Tensor bartlettWindow(int length, boolean periodic, DType dtype, Device device) {
        return WindowOps.bartlett(length, periodic, dtype, device);
    }

    /** A periodic Kaiser window with beta 12 of the default type on the default device, as {@code torch.kaiser_window(length)}. */
    public static Tensor kaiserWindow(int length) {
        return WindowOps.kaiser(length, true, 12.0, Ember.getDefaultDtype(), Ember.defaultDevice());
    }

    /**
     * The Kaiser window {@code i0(beta sqrt(1 - ((k - a) / a)^2)) / i0(beta)}, {@code a = (N - 1) / 2}, as
     * {@code torch.kaiser_window(length, periodic, beta, dtype=, device=)}.
     */
    public static Tensor kaiserWindow(int length, boolean periodic, double beta, DType dtype, Device device) {
        return WindowOps.kaiser(length, periodic, beta, dtype, device);
    }

    /**
     * This tensor summed down to {@code size} (which must expand to this tensor's shape), as {@code Tensor.sum_to_size};
     * the tensor itself when there is nothing to sum.
     */
    public Tensor sumToSize(int... size) {
        Args.require(size, "sum_to_size", "size", 1, "tuple of ints");
        return MoreTensorOps.sumToSize(this, size);
    }

    /** A histogram of {@code bins} equal bins over the data's range with its bin edges, as {@code torch.histogram}. */
    public HistogramResult histogram(int bins) {
        return HistogramOps.histogram(this, bins, null, null, false);
    }

    /**
     * {@code torch.histogram(input, bins, range=, weight=, density=)} of a float32 or float64 tensor: {@code range}
     * ({@code {min, max}}; null: the data's), {@code weight} (null: each element counts 1; else one weight per element,
     * of the input's type), {@code density} (the counts divided by their sum and the bin widths).
     */
    public HistogramResult histogram(int bins, double[] range, Tensor weight, boolean density) {
        if (range != null && range.length != 2) {
            throw new IllegalArgumentException("histogram(): argument 'range' must be tuple of 2 floats, got " + range.length);
        }
        return HistogramOps.histogram(this, bins, range, weight, density);
    }

    // ---- small API gaps (session 21, helper 3): histogram with bin edges, squeeze_ of several dims ----

    /**
     * {@code torch.histogram(input, bins)} with {@code bins} a 1-D tensor of bin edges (of the input's dtype): each
     * element in {@code [bins[0], bins[-1]]} lands in the bin an upper-bound search of the edges gives, the last bin
     * including its right edge; the edges returned are a copy of {@code bins}.
     */
    public HistogramResult histogram(Tensor bins) {
        return histogram(bins, null, false);
    }

    /**
     * {@code torch.histogram(input, bins, weight=, density=)} with {@code bins} a 1-D tensor of bin edges:
     * {@code weight} (null: each element counts 1; else one weight per element, of the input's type),
     * {@code density} (the counts divided by their sum and the bin widths).
     */
    public HistogramResult histogram(Tensor bins, Tensor weight, boolean density) {
        Args.require(bins, "histogram", "bins", 1, "Tensor");
        return HistogramOps.histogram(this, bins, weight, density);
    }

    /**
     * {@code torch.histogramdd(input, bins, range, weight, density)}: input [..., N] as points of N coordinates,
     * {@code bins[d]} equal bins in dimension d between {@code range} ({@code [min0, max0, min1, max1, ...]}, null for
     * the data's); points with a coordinate outside are left out, each last bin includes its right edge. {@code weight}
     * (null, or the input's shape without its last dimension) weighs the points; {@code density} divides by the total
     * and the bins' volumes.
     *
     * @throws IllegalArgumentException for a count of bins other than N or a non-positive one, a range of the wrong
     *     length or not finite, a weight of another shape or type, an input with fewer than 2 dimensions, with
     *     PyTorch's messages
     */
    public static HistogramddResult histogramdd(Tensor input, int[] bins, double[] range, Tensor weight, boolean density) {
        Args.require(input, "histogramdd", "input", 0, "Tensor");
        Args.require(bins, "histogramdd", "bins", 1, "tuple of ints");
        return HistogramOps.histogramdd(input, bins.clone(), range == null ? null : range.clone(), weight, density);
    }

    /** {@link #histogramdd(Tensor, int[], double[], Tensor, boolean)} with {@code bins} equal bins in every dimension. */
    public static HistogramddResult histogramdd(Tensor input, int bins, double[] range, Tensor weight, boolean density) {
        Args.require(input, "histogramdd", "input", 0, "Tensor");
        int[] counts = new int[input.dim() == 0 ? 0 : input.size(-1)];
        Arrays.fill(counts, bins);
        return histogramdd(input, counts, range, weight, density);
    }

    /** {@code torch.histogramdd(input, bins)}: {@code bins} equal bins in every dimension over the data's range. */
    public static HistogramddResult histogramdd(Tensor input, int bins) {
        return histogramdd(input, bins, null, null, false);
    }

    /**
     * {@code torch.histogramdd(input, bins=[edges0, edges1, ...], weight, density)}: the bin edges of each dimension as
     * a 1-D tensor of the input's type.
     */
    public static HistogramddResult histogramdd(Tensor input, List<Tensor> bins, Tensor weight, boolean density) {
        Args.require(input, "histogramdd", "input", 0, "Tensor");
        return HistogramOps.histogramdd(input, Arrays.asList(Args.tensors(bins, "histogramdd", "bins", 1)), weight, density);
    }

    /**
     * Removes each listed dimension whose size is 1 from this tensor's own shape, as PyTorch 2.x's
     * {@code Tensor.squeeze_(dims)} (same storage, version bumped; node {@code SqueezeBackward5}); a dimension listed
     * twice is an error, raised before anything changes.
     */
    public Tensor squeeze_(int... dims) {
        Args.require(dims, "squeeze_", "dim", 1, "tuple of ints");
        int[] before = shape.clone();
        int[] d = dims.clone();
        ViewOps.squeezeDims(this.detach(), d); // the checks, before anything is written
        return InplaceOps.view_(this, t -> t.squeeze(d), "SqueezeBackward5", g -> g.reshape(before));
    }

    /**
     * Pieces of {@code splitSize} along {@code dim}, as {@code torch.unsafe_split}: split's pieces over this tensor's
     * storage, but not views for autograd (one {@code UnsafeSplitBackward0} node; in-place changes are not checked).
     */
    public List<Tensor> unsafeSplit(int splitSize, int dim) {
        return TensorTuple.of(MoreTensorOps.unsafeSplit(this, splitSize, dim));
    }

    /** Pieces of the given sizes along {@code dim}, as {@code torch.unsafe_split_with_sizes} (see {@link #unsafeSplit}). */
    public List<Tensor> unsafeSplitWithSizes(int[] splitSizes, int dim) {
        Args.require(splitSizes, "unsafe_split_with_sizes", "split_sizes", 1, "tuple of ints");
        return TensorTuple.of(MoreTensorOps.unsafeSplitWithSizes(this, splitSizes.clone(), dim));
    }

    /** At most {@code chunks} pieces along {@code dim}, as {@code torch.unsafe_chunk} (see {@link #unsafeSplit}). */
    public List<Tensor> unsafeChunk(int chunks, int dim) {
        return TensorTuple.of(MoreTensorOps.unsafeChunk(this, chunks, dim));
    }

    /**
     * The regularized lower incomplete gamma function {@code P(this, other)} (promoted, broadcast; floating types), as
     * {@code torch.igamma} ({@code IgammaBackward0}: differentiable in {@code other} only, as PyTorch).
     */
    public Tensor igamma(Tensor other) {
        return IgammaOps.igamma(this, other, false);
    }

    /**
     * The regularized upper incomplete gamma function {@code Q(this, other) = 1 - P(this, other)}, as
     * {@code torch.igammac} ({@code IgammacBackward0}: differentiable in {@code other} only).
     */
    public Tensor igammac(Tensor other) {
        return IgammaOps.igamma(this, other, true);
    }

    /** {@link #igamma(Tensor)} in place. */
    public Tensor igamma_(Tensor other) {
        Args.require(other, "igamma_", "other", 1, "Tensor");
        return InplaceOps.inplace(this, List.of(other), t -> t.igamma(other));
    }

    /** {@link #igammac(Tensor)} in place. */
    public Tensor igammac_(Tensor other) {
        Args.require(other, "igammac_", "other", 1, "Tensor");
        return InplaceOps.inplace(this, List.of(other), t -> t.igammac(other));
    }
}
