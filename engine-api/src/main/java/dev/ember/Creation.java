package dev.ember;

import dev.ember.backend.Backend;
import dev.ember.backend.CpuCapability;
import dev.ember.backend.Layout;
import dev.ember.backend.RandomKind;
import dev.ember.backend.Storage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Tensor factories: from Java data, filled, ranges, random. */
final class Creation {

    /** Runs a factory with {@code device} as the default device ({@link DeviceScope}): what {@code device=} does. */
    static Tensor onDevice(Device device, String op, java.util.function.Supplier<Tensor> factory) {
        Args.require(device, op, "device", 0, "torch.device");
        try (DeviceScope s = new DeviceScope(device)) {
            return factory.get();
        }
    }
    private Creation() {
    }

    /**
     * {@code torch.full}'s first checks: it makes the tensor ({@code at::empty}) before it converts and fills the value,
     * so a negative size ("Trying to create tensor with negative dimension") and a storage size that overflows are
     * refused before a value the type cannot hold.
     */
    static void checkFullSizes(int[] shape, DType dtype) {
        Shapes.storageNumel(Shapes.checkSizes(shape), dtype, Ember.defaultDevice());
    }

    /** A new contiguous tensor, contents unspecified. */
    static Tensor empty(int[] shape, DType dtype, Device device) {
        long numel = Shapes.storageNumel(shape, dtype, device);
        Backend backend = Tensor.backendFor(device);
        Storage s = allocate(backend, dtype, numel, device, false);
        return new Tensor(s, Layout.contiguous(shape), device, backend, new int[1], dtype);
    }

    /**
     * A new storage for {@code numel} elements of {@code dtype}: for a complex type, a storage of its real type holding
     * {@code 2 * numel} parts, interleaved (a backend never allocates a complex storage); zeros when {@code zeroed}.
     */
    static Storage allocate(Backend backend, DType dtype, long numel, Device device, boolean zeroed) {
        DType stored = dtype.storageType();
        long n = numel;
        if (dtype.isComplex()) {
            n = Math.multiplyExact(numel, 2L);
            if (n > Layout.MAX_STORAGE_ELEMENTS && !device.isMeta()) {
                throw new IllegalArgumentException("a " + dtype.torchName() + " tensor of " + numel + " elements stores "
                        + n + " " + stored.torchName() + " parts; one Ember tensor stores at most "
                        + Layout.MAX_STORAGE_ELEMENTS);
            }
        }
        return zeroed ? backend.allocateZeroed(stored, n, device.index()) : backend.allocate(stored, n, device.index());
    }

    /**
     * A new tensor over its own storage with dense {@code strides} (a permutation of some shape's row-major strides, as
     * {@link ShapeOps#preservedStrides} makes), contents unspecified.
     */
    static Tensor emptyStrided(int[] shape, int[] strides, DType dtype, Device device) {
        long numel = Shapes.storageNumel(shape, dtype, device);
        Backend backend = Tensor.backendFor(device);
        Storage s = allocate(backend, dtype, numel, device, false);
        return new Tensor(s, new Layout(shape, strides, 0), device, backend, new int[1], dtype);
    }

    /** {@code -Dember.fillZerosLike=true}: zerosLike as an empty tensor filled (before session 47). */
    private static final boolean FILL_ZEROS_LIKE = Boolean.getBoolean("ember.fillZerosLike");

    /**
     * Whether a tensor full of {@code value} is the backend's zeroed storage ({@link #zeros}): +0, all bits clear in
     * every type (-0 is not), which skips the fill where the backend's memory comes zeroed (the CPU's new Java
     * array) instead of filling an empty storage.
     */
    static boolean zeroedServes(double value) {
        return Double.doubleToRawLongBits(value) == 0L && !FILL_ZEROS_LIKE;
    }

    /**
     * The strides of PyTorch's {@code empty_like(t)} with its default {@code preserve_format}, or null where they are
     * the row-major ones (then a plain contiguous tensor serves): {@code t}'s own where they are non-overlapping and
     * dense (an empty tensor's always), otherwise dense strides in their order ({@link ShapeOps#preservedStrides}).
     */
    private static int[] likeStrides(Tensor t) {
        int[] strides = t.layout.strides();
        int[] shape = t.shape;
        for (int d : shape) {
            if (d == 0) {
                // an empty tensor is contiguous to PyTorch, so non-overlapping and dense: its strides are kept as
                // they are (zeros_like of an expanded [3, 0] keeps [0, 1])
                return strides.clone();
            }
        }
        long expected = 1;
        boolean rowMajor = true;
        for (int d = shape.length - 1; d >= 0 && rowMajor; d--) {
            rowMajor = strides[d] == expected;
            expected *= shape[d];
        }
        return rowMajor ? null : ShapeOps.preservedStrides(shape, strides);
    }

    /**
     * PyTorch's {@code empty_like(t)} ({@code preserve_format}): {@code t}'s shape, type and device, its strides where
     * they are non-overlapping and dense (a transposed, permuted or channels-last tensor), dense strides in their
     * order otherwise (an expanded or sliced one), contents unspecified.
     */
    static Tensor emptyLike(Tensor t) {
        return emptyLike(t, t.dtype);
    }

    /** {@code empty_like(t, dtype=dtype)}: {@link #emptyLike(Tensor)} with another type. */
    static Tensor emptyLike(Tensor t, DType dtype) {
        int[] strides = likeStrides(t);
        return strides == null ? empty(t.shape, dtype, t.device) : emptyStrided(t.shape, strides, dtype, t.device);
    }

    /** {@code zeros_like(t)}: {@link #emptyLike}'s strides over the backend's zeroed storage (no fill pass). */
    static Tensor zerosLike(Tensor t) {
        return zerosLike(t, t.dtype);
    }

    /** {@code zeros_like(t, dtype=dtype)}: {@link #zerosLike(Tensor)} with another type. */
    static Tensor zerosLike(Tensor t, DType dtype) {
        int[] strides = likeStrides(t);
        if (strides == null) {
            return zeros(t.shape, dtype, t.device);
        }
        long numel = Shapes.storageNumel(t.shape, dtype, t.device);
        Backend backend = Tensor.backendFor(t.device);
        Storage s = allocate(backend, dtype, numel, t.device, true);
        return new Tensor(s, new Layout(t.shape, strides, 0), t.device, backend, new int[1], dtype);
    }

    /** A contiguous tensor of zeros (no fill pass where the backend's fresh memory is zero). */
    static Tensor zeros(int[] shape, DType dtype, Device device) {
        long numel = Shapes.storageNumel(shape, dtype, device);
        Backend backend = Tensor.backendFor(device);
        Storage s = allocate(backend, dtype, numel, device, true);
        return new Tensor(s, Layout.contiguous(shape), device, backend, new int[1], dtype);
    }

    /**
     * A 0-dim tensor wrapping a Java double, typed as float for promotion (PyTorch's wrapped number). It lives on the
     * host whatever device the op runs on: a device kernel receives it as an argument
     * ({@link dev.ember.backend.Backend#binaryScalar}), so a number in arithmetic costs no device copy.
     */
    static Tensor wrap(double value) {
        Tensor t = fromFlat(new double[] {value}, new int[0], DType.FLOAT64, Device.CPU);
        t.wrappedNumber = true;
        t.wrappedValue = value;
        return t;
    }

    /** A 0-dim complex128 tensor wrapping a {@link Complex}, typed as a Python complex for promotion, on the host. */
    static Tensor wrap(Complex value) {
        Tensor pairs = fromFlat(new double[] {value.real(), value.imag()}, new int[] {2}, DType.FLOAT64, Device.CPU);
        Tensor t = ComplexOps.adopt(pairs);
        t.wrappedNumber = true;
        t.wrappedValue = value.real();
        return t;
    }

    /**
     * A 0-dim bool tensor wrapping a Java boolean (a Python bool: the lowest category, so it never raises a result's
     * type), on the host like {@link #wrap(double)}.
     */
    static Tensor wrap(boolean value) {
        Tensor t = fromFlat(new boolean[] {value}, new int[0], DType.BOOL, Device.CPU);
        t.wrappedNumber = true;
        t.wrappedValue = value ? 1 : 0;
        return t;
    }

    /** A 0-dim tensor wrapping a Java long, on the host like {@link #wrap(double)}. */
    static Tensor wrap(long value) {
        Tensor t = fromFlat(new long[] {value}, new int[0], DType.INT64, Device.CPU);
        t.wrappedNumber = true;
        return t;
    }

    /** A tensor holding a copy of a Java array of {@code dtype}'s Java type ({@code byte[]} for int8 and uint8). */
    static Tensor fromFlat(Object array, int[] shape, DType dtype, Device device) {
        if (dtype.isFloat8()) {
            // a byte[] holds the bits; any other array values, rounded into the type
            if (array instanceof byte[]) {
                return StorageBits.as(fromFlat(array, shape, DType.UINT8, device), dtype);
            }
            Tensor values = fromFlat(array, shape, arrayDtype(array), device);
            Tensor out = ArithmeticOps.cast(values, dtype);
            values.close();
            return out;
        }
        if (dtype.isBarebonesUnsigned()) {
            // an array of the storage type holds the bits (short[] for uint16); any other array values, converted
            DType stored = dtype.storageType();
            if (arrayDtype(array) == stored) {
                return StorageBits.as(fromFlat(array, shape, stored, device), dtype);
            }
            Tensor values = fromFlat(array, shape, arrayDtype(array), device);
            Tensor out = ArithmeticOps.cast(values, dtype);
            values.close();
            return out;
        }
        Backend backend = Tensor.backendFor(device);
        Storage s = backend.fromArray(array, dtype, device.index());
        if (s.dtype() != dtype) {
            s.close();
            throw new IllegalStateException("array type does not match " + dtype);
        }
        return new Tensor(s, Layout.contiguous(shape), device, backend, new int[1]);
    }

    /**
     * A contiguous CPU tensor of {@code shape} over {@code array} itself, which the caller has just filled and hands over
     * (no copy); a copy ({@link #fromFlat}) where the backend cannot share an array. {@code array} is of {@code dtype}'s
     * storage type (float[] float32, short[] float16 or bfloat16, boolean[] bool, ...).
     */
    static Tensor adopt(Object array, int[] shape, DType dtype) {
        Backend backend = Tensor.backendFor(Device.CPU);
        Storage s = backend.shareArray(array, dtype, Device.CPU.index());
        if (s == null) {
            return fromFlat(array, shape, dtype, Device.CPU);
        }
        return new Tensor(s, Layout.contiguous(shape), Device.CPU, backend, new int[1]);
    }

    /** {@link Tensor#fromHalfBits}: the bits copied into a float16 or bfloat16 storage on the CPU. */
    static Tensor fromHalfBits(short[] bits, DType dtype, int[] shape) {
        if (!dtype.isReducedFloatingPoint()) {
            throw new IllegalArgumentException("fromHalfBits() expects dtype torch.float16 or torch.bfloat16, got " + dtype);
        }
        long n = Shapes.storageNumel(shape, dtype);
        if (n != bits.length) {
            throw new IllegalArgumentException("shape '" + Format.size(shape) + "' is invalid for input of size " + bits.length);
        }
        return fromFlat(bits, shape.clone(), dtype, Device.CPU);
    }

    /** The type a Java array of this element class holds as it is: int[] int32, short[] int16, byte[] int8. */
    private static DType arrayType(Class<?> component) {
        if (component == int.class) {
            return DType.INT32;
        }
        if (component == short.class) {
            return DType.INT16;
        }
        if (component == byte.class) {
            return DType.INT8;
        }
        return null;
    }

    static Tensor fromData(Object data, DType dtype, Device device) {
        if (data == null) {
            throw new IllegalArgumentException("Could not infer dtype of null");
        }
        if (data instanceof Tensor) {
            Tensor t = (Tensor) data;
            return t.detach().to(dtype == null ? t.dtype() : dtype).to(device).clone().detach_();
        }
        Tensor flat = fromPrimitiveArray(data, dtype, device);
        if (flat != null) {
            return flat;
        }
        if (dtype != null && dtype.isFloat8()) {
            // 2.x's torch.tensor stores each number through at::convert<Float8_e4m3fn, double> (via float), as a
            // cast of the values in their inferred type does
            Tensor inferred = fromData(data, null, device);
            Tensor out = ArithmeticOps.cast(inferred, dtype);
            inferred.close();
            return out;
        }
        Tensor empty = emptyFromData(data, dtype, device);
        if (empty != null) {
            return empty;
        }
        if (dtype != null && dtype.isComplex() || containsComplex(data)) {
            return fromComplexData(data, dtype, device);
        }
        List<Integer> shapeList = new ArrayList<>();
        Object probe = data;
        Object innermost = data;
        while (true) {
            int len = lengthOf(probe);
            if (len < 0) {
                break;
            }
            innermost = probe;
            shapeList.add(len);
            if (len == 0) {
                break;
            }
            probe = elementAt(probe, 0);
        }
        int[] shape = shapeList.stream().mapToInt(Integer::intValue).toArray();
        DType storedAs = dtype == null ? DType.FLOAT64 : dtype;
        int n = (int) Shapes.storageNumel(shape, storedAs);
        double[] dv = new double[n];
        long[] lv = new long[n];
        int[] kind = new int[1]; // 0 bool, 1 integral, 2 floating
        int[] pos = new int[1];
        boolean[] fl = new boolean[n]; // each element's own kind: a Java double or float (Python's float)
        try {
            flatten(data, shape, 0, dv, lv, kind, pos, fl);
        } catch (IllegalArgumentException e) {
            // PyTorch's recursive_store converts each number as it reaches it, and checks a row's length as it enters
            // the row: a number before the failing entry that the given type cannot hold is refused first
            // (torch.tensor([[-2, -1, -129], [1, -129]], dtype=int8) is the overflow, not the ragged row)
            if (dtype != null) {
                for (int i = 0; i < pos[0]; i++) {
                    checkStore(fl[i], dv[i], lv[i], dtype);
                }
            }
            throw e;
        }
        DType inferred = kind[0] == 2 ? Ember.getDefaultDtype() : kind[0] == 1 ? DType.INT64 : DType.BOOL;
        if (n == 0 && data != null) {
            inferred = Ember.getDefaultDtype();
        }
        // nested int[], short[] or byte[] arrays keep their Java type, as a NumPy array's dtype is kept
        Class<?> leaf = innermost == null ? null : innermost.getClass().getComponentType();
        if (leaf != null && arrayType(leaf) != null) {
            inferred = arrayType(leaf);
        }
        DType target = dtype == null ? inferred : dtype;
        Object array;
        switch (target) {
            case FLOAT32: {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) {
                    a[i] = kind[0] == 2 ? (float) dv[i] : (float) lv[i];
                }
                array = a;
                break;
            }
            case FLOAT64: {
                double[] a = new double[n];
                for (int i = 0; i < n; i++) {
                    a[i] = kind[0] == 2 ? dv[i] : (double) lv[i];
                }
                array = a;
                break;
            }
            case INT64: {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) {
                    // each number by its own kind, as torch.tensor stores a Python int or float: an integer exact
                    checkStore(fl[i], dv[i], lv[i], target);
                    a[i] = fl[i] ? (long) dv[i] : lv[i];
                }
                array = a;
                break;
            }
            case INT32:
            case INT16:
            case INT8:
            case UINT8:
            case UINT16:
            case UINT32:
            case UINT64: {
                // each number checked as torch.tensor stores it (checkStore), then floats truncated toward zero and
                // integers wrapped into the type (a negative one into an unsigned type), as the conversion kernels do
                long[] w = new long[n];
                for (int i = 0; i < n; i++) {
                    checkStore(fl[i], dv[i], lv[i], target);
                    w[i] = !fl[i] ? lv[i] : target == DType.UINT64 && dv[i] >= 0x1p63
                            ? (long) (dv[i] - 0x1p63) ^ Long.MIN_VALUE : (long) dv[i];
                }
                // the barebones unsigned types take the longs and convert them (fromFlat)
                array = target.isBarebonesUnsigned() ? w : narrowArray(target, w);
                break;
            }
            case FLOAT16:
            case BFLOAT16: {
                // a double through float32 (c10::Half takes a float), an integer in one rounding to float32
                short[] a = new short[n];
                boolean half = target == DType.FLOAT16;
                for (int i = 0; i < n; i++) {
                    float f = kind[0] == 2 ? (float) dv[i] : (float) lv[i];
                    a[i] = half ? Half.fromFloat(f) : BFloat16.fromFloat(f);
                }
                array = a;
                break;
            }
            default: {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = kind[0] == 2 ? dv[i] != 0 : lv[i] != 0;
                }
                array = a;
            }
        }
        return fromFlat(array, shape, target, device);
    }

    /**
     * A one-dimensional CPU tensor over {@code array} itself ({@link Tensor#fromArray}): the dtype is the array's
     * (float[] float32, double[] float64, long[] int64, int[] int32, short[] int16, byte[] int8, boolean[] bool), or
     * {@code dtype} where the same bits read as another type (byte[] as uint8, short[] as float16 or bfloat16).
     */
    static Tensor shareArray(Object array, DType dtype) {
        Args.require(array, "fromArray", "array", 0, "array");
        DType natural = arrayDtype(array);
        if (natural == null) {
            throw new IllegalArgumentException("fromArray(): expected a one-dimensional Java array of float, double, "
                    + "long, int, short, byte or boolean (got " + array.getClass().getTypeName() + ")");
        }
        DType target = dtype == null ? natural : dtype;
        boolean sameBits = target == natural || natural == DType.INT8 && target == DType.UINT8
                || natural == DType.INT16 && (target == DType.FLOAT16 || target == DType.BFLOAT16);
        if (!sameBits) {
            throw new IllegalArgumentException("fromArray(): a " + array.getClass().getTypeName() + " holds "
                    + natural + " elements and cannot be read as " + target + " without a copy (a byte[] can be read "
                    + "as uint8, a short[] as float16 or bfloat16; use Tensor.tensor(array, dtype) to convert)");
        }
        Backend backend = Tensor.backendFor(Device.CPU);
        Storage s = backend.shareArray(array, target, Device.CPU.index());
        if (s == null) {
            throw new IllegalStateException("fromArray(): the CPU backend (" + backend.describe()
                    + ") cannot share a Java array's memory");
        }
        return new Tensor(s, Layout.contiguous(new int[] {java.lang.reflect.Array.getLength(array)}), Device.CPU,
                backend, new int[1]);
    }

    /** The dtype a one-dimensional primitive array holds as it is, or null for any other object. */
    static DType arrayDtype(Object array) {
        if (array instanceof float[]) {
            return DType.FLOAT32;
        } else if (array instanceof double[]) {
            return DType.FLOAT64;
        } else if (array instanceof long[]) {
            return DType.INT64;
        } else if (array instanceof int[]) {
            return DType.INT32;
        } else if (array instanceof short[]) {
            return DType.INT16;
        } else if (array instanceof byte[]) {
            return DType.INT8;
        } else if (array instanceof boolean[]) {
            return DType.BOOL;
        }
        return null;
    }

    /** One-dimensional primitive arrays convert without boxing (large datasets arrive this way). */
    private static Tensor fromPrimitiveArray(Object data, DType dtype, Device device) {
        DType natural = arrayDtype(data);
        if (natural == null) {
            return null;
        }
        // Java's bytes are signed: int8, or uint8 as they are (the same bits) when that type is asked for
        DType stored = natural == DType.INT8 && dtype == DType.UINT8 ? DType.UINT8 : natural;
        if (dtype != null && dtype != stored) {
            int len = java.lang.reflect.Array.getLength(data);
            boolean floating = natural.isFloatingPoint();
            for (int i = 0; i < len; i++) {
                if (floating) {
                    checkStore(true, java.lang.reflect.Array.getDouble(data, i), 0, dtype);
                } else if (natural != DType.BOOL) {
                    checkStore(false, 0, java.lang.reflect.Array.getLong(data, i), dtype);
                }
            }
        }
        Tensor t = fromFlat(data, new int[] {java.lang.reflect.Array.getLength(data)}, stored, device);
        if (natural == DType.FLOAT64 && dtype == null) {
            dtype = Ember.getDefaultDtype(); // floating data takes the default type, as torch.tensor of Python floats
        }
        return dtype == null || dtype == t.dtype ? t : ArithmeticOps.cast(t, dtype);
    }

    /**
     * torch.tensor's checked store of one number into an integer type ({@code store_scalar} in tensor_new.cpp, through
     * {@code c10::checked_convert}): a float that is NaN, infinite or beyond the type's range, or an integer beyond it
     * (an unsigned type also takes a negative one down to minus its largest value, which wraps), is PyTorch's
     * "value cannot be converted to type int8 without overflow". Bool and the floating types take any number.
     */
    static void checkStore(boolean floating, double d, long v, DType t) {
        if (!t.isIntegral() && !t.isBarebonesUnsigned()) {
            return;
        }
        boolean fits;
        if (floating) {
            double hi = t == DType.UINT64 ? 0x1p64 : (double) t.maxValue();
            fits = d >= t.minValue() && d <= hi; // false for NaN; C++ compares (double) max, so 2^63 passes int64
        } else if (t.minValue() == 0) {
            fits = t == DType.UINT64 || v <= t.maxValue() && (v >= 0 || -v <= t.maxValue() && v != Long.MIN_VALUE);
        } else {
            fits = v >= t.minValue() && v <= t.maxValue();
        }
        if (!fits) {
            throw new IllegalArgumentException("value cannot be converted to type " + t.name().toLowerCase(java.util.Locale.ROOT)
                    + " without overflow");
        }
    }

    /** Longs wrapped into a narrow integer type, in that type's Java array ({@code byte[]} for int8 and uint8). */
    static Object narrowArray(DType t, long[] w) {
        int n = w.length;
        switch (t) {
            case INT32: {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) {
                    a[i] = (int) w[i];
                }
                return a;
            }
            case INT16: {
                short[] a = new short[n];
                for (int i = 0; i < n; i++) {
                    a[i] = (short) w[i];
                }
                return a;
            }
            default: {
                byte[] a = new byte[n];
                for (int i = 0; i < n; i++) {
                    a[i] = (byte) w[i];
                }
                return a;
            }
        }
    }

    /**
     * {@code torch.tensor} of data whose shape (read along the first elements, as PyTorch's {@code compute_sizes})
     * holds no elements: PyTorch's {@code internal_new_from_data} stores nothing then ({@code recursive_store} runs only
     * for a nonzero numel), so the other rows' lengths and numbers are never checked ({@code torch.tensor([[], [1, 2]])}
     * is an empty 2 x 0 tensor, {@code torch.tensor([[], [300]], dtype=torch.uint8)} too); without {@code dtype} the
     * type is still inferred over every element ({@code infer_scalar_type}: an empty sequence is the default type, a
     * complex number makes it complex, anything but a number or a sequence is refused). Null where the shape has
     * elements.
     */
    private static Tensor emptyFromData(Object data, DType dtype, Device device) {
        List<Integer> shapeList = new ArrayList<>();
        Object innermost = data;
        boolean empty = false;
        for (Object probe = data; lengthOf(probe) >= 0; probe = elementAt(probe, 0)) {
            innermost = probe;
            shapeList.add(lengthOf(probe));
            if (lengthOf(probe) == 0) {
                empty = true;
                break;
            }
        }
        if (!empty) {
            return null;
        }
        int[] shape = shapeList.stream().mapToInt(Integer::intValue).toArray();
        DType target = dtype;
        if (target == null) {
            checkInferable(data);
            target = containsComplex(data) ? Ember.getDefaultDtype().toComplex() : Ember.getDefaultDtype();
            // nested int[], short[] or byte[] arrays keep their Java type, as a NumPy array's dtype is kept
            Class<?> leaf = innermost.getClass().getComponentType();
            if (leaf != null && arrayType(leaf) != null) {
                target = arrayType(leaf);
            }
        }
        return zeros(shape, target, device);
    }

    /** PyTorch's {@code infer_scalar_type} walk: every element a number (bool, integer, float, complex) or a sequence. */
    private static void checkInferable(Object o) {
        if (o instanceof Number || o instanceof Boolean || o instanceof Complex) {
            return;
        }
        if (o != null && o.getClass().isArray() && o.getClass().getComponentType().isPrimitive()) {
            return;
        }
        int len = lengthOf(o);
        if (len < 0) {
            throw new IllegalArgumentException("Could not infer dtype of " + (o == null ? "null" : o.getClass().getSimpleName()));
        }
        for (int i = 0; i < len; i++) {
            checkInferable(elementAt(o, i));
        }
    }

    /** Whether nested data holds a {@link Complex} anywhere (then {@code torch.tensor} infers a complex type). */
    private static boolean containsComplex(Object o) {
        if (o instanceof Complex) {
            return true;
        }
        if (o != null && o.getClass().isArray() && o.getClass().getComponentType().isPrimitive()) {
            return false;
        }
        int len = lengthOf(o);
        for (int i = 0; i < len; i++) {
            if (containsComplex(elementAt(o, i))) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code torch.tensor} of data holding {@link Complex} numbers (or of any numbers, for a complex {@code dtype}): the
     * default complex type (complex64 for a float32 default, complex128 for float64) unless {@code dtype} is given; a
     * real {@code dtype} refuses complex data as Python does.
     */
    private static Tensor fromComplexData(Object data, DType dtype, Device device) {
        if (dtype == DType.BOOL) {
            // Python's bool(z) of each number, as torch.tensor stores it: true where either part is nonzero
            try (Tensor c = fromComplexData(data, DType.COMPLEX128, device); GradMode off = Ember.noGrad();
                 Tensor parts = c.viewAsReal(); Tensor nonzero = parts.ne(0)) {
                return nonzero.any(-1);
            }
        }
        List<Integer> shapeList = new ArrayList<>();
        for (Object probe = data; lengthOf(probe) >= 0; probe = elementAt(probe, 0)) {
            shapeList.add(lengthOf(probe));
            if (lengthOf(probe) == 0) {
                break;
            }
        }
        int[] shape = shapeList.stream().mapToInt(Integer::intValue).toArray();
        if (dtype != null && !dtype.isComplex()) {
            // PyTorch's recursive_store converts each number in order: the rows' lengths and the real numbers before
            // the first complex one are checked first (torch.tensor([[2.7], [inf], [0.5+1j]], dtype=int8) is the
            // overflow), then the messages of Python's int() / float() conversions of a complex number
            storeUntilComplex(data, shape, 0, dtype);
            throw new IllegalArgumentException(dtype.isFloatingPoint() ? "must be real number, not complex"
                    : "'complex' object cannot be interpreted as an integer");
        }
        DType target = dtype != null ? dtype : Ember.getDefaultDtype().toComplex();
        double[] parts = new double[Math.toIntExact(2 * Shapes.storageNumel(shape, target))];
        flattenComplex(data, shape, 0, parts, new int[1]);
        Object array = parts;
        if (target == DType.COMPLEX64) {
            float[] f = new float[parts.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) parts[i];
            }
            array = f;
        }
        int[] pairs = Arrays.copyOf(shape, shape.length + 1);
        pairs[shape.length] = 2;
        return ComplexOps.adopt(fromFlat(array, pairs, target.toReal(), device));
    }

    /** Nested data's numbers as interleaved (real, imaginary) pairs, row-major; a real number's imaginary part 0. */
    private static void flattenComplex(Object o, int[] shape, int depth, double[] parts, int[] pos) {
        if (depth == shape.length) {
            double re;
            double im = 0;
            if (o instanceof Complex) {
                re = ((Complex) o).real();
                im = ((Complex) o).imag();
            } else if (o instanceof Boolean) {
                re = ((Boolean) o) ? 1 : 0;
            } else if (o instanceof Number) {
                re = ((Number) o).doubleValue();
            } else {
                throw new IllegalArgumentException(lengthOf(o) >= 0 ? "expected a number at dim " + depth
                        + " but got a sequence" : "Could not infer dtype of " + (o == null ? "null" : o.getClass().getSimpleName()));
            }
            parts[2 * pos[0]] = re;
            parts[2 * pos[0] + 1] = im;
            pos[0]++;
            return;
        }
        int len = checkedLength(o, shape, depth);
        for (int i = 0; i < len; i++) {
            flattenComplex(elementAt(o, i), shape, depth + 1, parts, pos);
        }
    }

    /**
     * Walks {@code o} in storing order as PyTorch's recursive_store does for a real {@code dtype}: each row's length
     * checked as it is entered, each real number's conversion checked ({@link #checkStore}); returns true at the first
     * complex number (which the caller refuses), false when there is none below {@code o}.
     */
    private static boolean storeUntilComplex(Object o, int[] shape, int depth, DType dtype) {
        if (o instanceof Complex) {
            return true;
        }
        if (depth == shape.length) {
            if (lengthOf(o) >= 0) {
                throw new IllegalArgumentException("expected a number at dim " + depth + " but got a sequence");
            }
            if (o instanceof Number) {
                Number x = (Number) o;
                boolean floating = o instanceof Double || o instanceof Float;
                checkStore(floating, x.doubleValue(), floating ? 0 : x.longValue(), dtype);
            }
            return false;
        }
        int len = checkedLength(o, shape, depth);
        for (int i = 0; i < len; i++) {
            if (storeUntilComplex(elementAt(o, i), shape, depth + 1, dtype)) {
                return true;
            }
        }
        return false;
    }

    /** The length of the sequence at {@code depth}, which must be {@code shape[depth]} (the data is rectangular). */
    private static int checkedLength(Object o, int[] shape, int depth) {
        int len = lengthOf(o);
        if (len != shape[depth]) {
            throw new IllegalArgumentException("expected sequence of length " + shape[depth] + " at dim " + depth
                    + " (got " + (len < 0 ? "a number" : String.valueOf(len)) + ")");
        }
        return len;
    }

    private static int lengthOf(Object o) {
        if (o instanceof List) {
            return ((List<?>) o).size();
        }
        if (o != null && o.getClass().isArray()) {
            return java.lang.reflect.Array.getLength(o);
        }
        return -1;
    }

    private static Object elementAt(Object o, int i) {
        if (o instanceof List) {
            return ((List<?>) o).get(i);
        }
        return java.lang.reflect.Array.get(o, i);
    }

    private static void flatten(Object o, int[] shape, int depth, double[] dv, long[] lv, int[] kind, int[] pos,
                                boolean[] fl) {
        if (depth == shape.length) {
            if (lengthOf(o) >= 0) {
                throw new IllegalArgumentException("expected a number at dim " + depth + " but got a sequence");
            }
            if (o instanceof Boolean) {
                lv[pos[0]] = ((Boolean) o) ? 1 : 0;
                dv[pos[0]] = lv[pos[0]];
            } else if (o instanceof Double || o instanceof Float) {
                dv[pos[0]] = ((Number) o).doubleValue();
                fl[pos[0]] = true;
                kind[0] = 2; // earlier integral entries already sit in dv as well
            } else if (o instanceof Number) {
                lv[pos[0]] = ((Number) o).longValue();
                dv[pos[0]] = lv[pos[0]];
                kind[0] = Math.max(kind[0], 1);
            } else {
                throw new IllegalArgumentException("Could not infer dtype of " + (o == null ? "null" : o.getClass().getSimpleName()));
            }
            if (fl[pos[0]]) {
                lv[pos[0]] = (long) dv[pos[0]];
            }
            pos[0]++;
            return;
        }
        int len = checkedLength(o, shape, depth);
        for (int i = 0; i < len; i++) {
            flatten(elementAt(o, i), shape, depth + 1, dv, lv, kind, pos, fl);
        }
    }

    /**
     * {@code torch.arange} with Python numbers (Java doubles). An integer {@code dtype} takes PyTorch's integer path
     * ({@link #arangeIntegral}): the bounds and step converted to int64 first (truncated toward zero, checked), the
     * values {@code start + i * step} exact; bool and complex have no kernel.
     */
    static Tensor arange(double start, double end, double step, DType dtype) {
        if (dtype.isComplex() || dtype == DType.BOOL || dtype.isFloat8() || dtype.isBarebonesUnsigned()) {
            // 2.x's arange_cpu: all types, half, bfloat16
            throw Refusals.notImplemented("arange_cpu", dtype);
        }
        if (dtype.isIntegral()) {
            return arangeIntegral(toInt64(start), toInt64(end), toInt64(step), end - start, step, dtype);
        }
        if (!(step > 0 || step < 0)) { // PyTorch's first check: zero or NaN
            throw new IllegalArgumentException("step must be nonzero");
        }
        if (!Double.isFinite(start) || !Double.isFinite(end)) {
            throw new IllegalArgumentException("unsupported range: " + Format.cpp(start) + " -> " + Format.cpp(end));
        }
        if (Double.isNaN(step) || (step > 0 && end < start) || (step < 0 && end > start)) {
            throw new IllegalArgumentException("upper bound and larger bound inconsistent with step sign");
        }
        double size = Math.ceil((end - start) / step);
        if (!(size <= Long.MAX_VALUE)) {
            throw new IllegalArgumentException("invalid size, possible overflow?");
        }
        if (size > Layout.MAX_STORAGE_ELEMENTS) {
            throw new IllegalArgumentException("arange(" + Format.cpp(start) + ", " + Format.cpp(end) + ", "
                    + Format.cpp(step) + ") has " + (long) size + " elements; one Ember tensor stores at most "
                    + Layout.MAX_STORAGE_ELEMENTS);
        }
        int n = (int) size;
        double[] v;
        if (dtype == DType.FLOAT64 || dtype == DType.FLOAT32 || dtype.isReducedFloatingPoint()) {
            v = kernelArange(start, step, n, dtype, CpuCapability.value());
        } else {
            v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = start + i * step;
            }
        }
        return fromFlat(v, new int[] {n}, DType.FLOAT64, Ember.defaultDevice()).to(dtype);
    }

    /**
     * float64 or float32 arange bit for bit as PyTorch's CPU kernel of {@code capability} ("AVX512", "AVX2" or
     * "DEFAULT") computes it ({@code arange_kernel} through {@code cpu_serial_kernel_vec}, in the double accumulator):
     * passes of two vectors (32 bytes a vector, 64 on AVX512) each start at {@code start + step * idx} (rounded to
     * float32 for a float32 result) and go on by {@code Vectorized::arange}'s {@code base + j * step} in double; the
     * elements after the last whole pass are {@code start + step * idx}. Products and sums are fused where the build
     * has FMA (every capability but DEFAULT), as GCC contracts them. One range: PyTorch splits the work among threads
     * only past 32768 elements ({@code GRAIN_SIZE}), where its results depend on the thread count.
     */
    static double[] kernelArange(double start, double step, int n, DType dtype, String capability) {
        if (dtype.isReducedFloatingPoint()) {
            return reducedArange(start, step, n, dtype, capability);
        }
        double[] v = new double[n];
        boolean fma = CpuCapability.fusesMultiplyAdd(capability);
        boolean f32 = dtype == DType.FLOAT32;
        int vec = CpuCapability.vectorBytes(capability) / (f32 ? 4 : 8);
        int i = 0;
        for (; i <= n - 2 * vec; i += 2 * vec) {
            for (int c = i; c < i + 2 * vec; c += vec) {
                double base = CpuCapability.mulAdd(fma, step, c, start);
                if (f32) {
                    base = (float) base;
                }
                v[c] = base;
                for (int j = 1; j < vec; j++) {
                    double x = CpuCapability.mulAdd(fma, j, step, base);
                    v[c + j] = f32 ? (float) x : x;
                }
            }
        }
        for (; i < n; i++) {
            double x = CpuCapability.mulAdd(fma, step, i, start);
            v[i] = f32 ? (float) x : x;
        }
        return v;
    }

    /**
     * float16 or bfloat16 arange as PyTorch's CPU kernel of {@code capability} computes it: its accumulator is float
     * ({@code start} and {@code step} converted to float), passes of two vectors (16 lanes of 2 bytes a 32-byte vector,
     * 32 on AVX512) each start at {@code start + step * idx} (fused where the build has FMA) rounded to the type, and
     * go on by {@code Vectorized::arange}'s {@code base + j * step}: c10's Half operators, the product and the sum each
     * rounded in float, not fused; the elements after the last whole pass are {@code start + step * idx} rounded once.
     * So arange(-15.968, 64.532, 0.7, float16)[12] is -7.5703125, not the once-rounded -7.56640625.
     */
    private static double[] reducedArange(double start, double step, int n, DType dtype, String capability) {
        double[] v = new double[n];
        boolean fma = CpuCapability.fusesMultiplyAdd(capability);
        float s = (float) start;
        float st = (float) step;
        int vec = CpuCapability.vectorBytes(capability) / 2;
        int i = 0;
        for (; i <= n - 2 * vec; i += 2 * vec) {
            for (int c = i; c < i + 2 * vec; c += vec) {
                float base = roundTo(dtype, CpuCapability.mulAdd(fma, st, (float) c, s));
                v[c] = base;
                for (int j = 1; j < vec; j++) {
                    float prod = (float) j * st;
                    v[c + j] = roundTo(dtype, base + prod);
                }
            }
        }
        for (; i < n; i++) {
            v[i] = roundTo(dtype, CpuCapability.mulAdd(fma, st, (float) i, s));
        }
        return v;
    }

    /**
     * {@code torch.arange} with Python ints (Java longs): exact for an integer {@code dtype} beyond 2^53; a floating
     * one takes the double path, as PyTorch converts the numbers to its double accumulator.
     */
    static Tensor arange(long start, long end, long step, DType dtype) {
        if (!dtype.isIntegral()) {
            return arange((double) start, (double) end, (double) step, dtype);
        }
        return arangeIntegral(start, end, step, (double) end - (double) start, (double) step, dtype);
    }

    /**
     * PyTorch 2.x's CPU arange of an integer type (RangeFactories.cpp, accscalar_t int64): {@code start}, {@code end}
     * and {@code step} already converted to int64; the step must be nonzero and agree with the bounds' order; the
     * length is {@code ceil((end - start + step - sign(step)) / step)} in int64 for int64 and
     * {@code ceil(span / spanStep)} from the numbers as given (doubles) for the narrower types; the values
     * {@code start + i * step} in int64, wrapped into the type (uint8 {@code arange(-3, 3)} is 253, 254, 255, 0, 1, 2).
     */
    private static Tensor arangeIntegral(long start, long end, long step, double span, double spanStep, DType dtype) {
        if (step == 0) {
            throw new IllegalArgumentException("step must be nonzero");
        }
        if ((step > 0 && end < start) || (step < 0 && end > start)) {
            throw new IllegalArgumentException("upper bound and larger bound inconsistent with step sign");
        }
        double size;
        if (dtype == DType.INT64) {
            long sign = step > 0 ? 1 : -1;
            size = Math.ceil((double) ((end - start + step - sign) / step));
        } else {
            size = Math.ceil(span / spanStep);
        }
        if (!(size >= 0 && size <= Long.MAX_VALUE)) {
            throw new IllegalArgumentException("invalid size, possible overflow?");
        }
        if (size > Layout.MAX_STORAGE_ELEMENTS) {
            throw new IllegalArgumentException("arange(" + start + ", " + end + ", " + step + ") has " + (long) size
                    + " elements; one Ember tensor stores at most " + Layout.MAX_STORAGE_ELEMENTS);
        }
        long[] v = new long[(int) size];
        for (int i = 0; i < v.length; i++) {
            v[i] = start + i * step;
        }
        return fromFlat(v, new int[] {v.length}, DType.INT64, Ember.defaultDevice()).to(dtype);
    }

    /**
     * A Python number as PyTorch's checked {@code Scalar::to<int64_t>()} converts it: truncated toward zero; NaN, an
     * infinity or a value beyond the long range refused in PyTorch's words.
     */
    private static long toInt64(double v) {
        ArithmeticOps.checkScalarFits(v, DType.INT64);
        return (long) v;
    }

    static Tensor linspace(double start, double end, int steps, DType dtype) {
        if (steps < 0) {
            throw new IllegalArgumentException("number of steps must be non-negative");
        }
        if (dtype.isFloat8() || dtype.isBarebonesUnsigned()) { // 2.x's linspace_cpu: all types, complex, half, bfloat16
            throw Refusals.unsupported("linspace_cpu", dtype);
        }
        if (dtype == DType.BOOL) {
            throw Refusals.notImplemented("linspace_cpu", DType.BOOL);
        }
        Shapes.storageNumel(new int[] {steps}, DType.FLOAT64);
        if (dtype.isIntegral() && steps > 0) {
            // PyTorch's kernel converts both ends to the type first (checked; an integral number is a Python int, so
            // uint8 takes -1), then steps between them in double and truncates each value: linspace(0.5, 9.5, 5,
            // int64) is [0, 2, 4, 6, 9], from 0 and 9
            ArithmeticOps.checkNumberFits(start, dtype);
            ArithmeticOps.checkNumberFits(end, dtype);
            start = dtype.wrap((long) start);
            end = dtype.wrap((long) end);
        }
        if ((dtype == DType.FLOAT32 || dtype == DType.COMPLEX64) && steps > 0) {
            // Scalar::to<float>() / to<c10::complex<float>>(), checked: the start, then the end (one step is
            // fill_(start), which converts the start only)
            ArithmeticOps.checkScalarFits(start, dtype);
            if (steps > 1) {
                ArithmeticOps.checkScalarFits(end, dtype);
            }
        }
        if (dtype.isReducedFloatingPoint() && steps > 0) {
            return reducedLinspace(start, end, steps, dtype);
        }
        double[] v = new double[steps];
        if (steps == 1) {
            v[0] = start; // PyTorch: one step is the start
        } else if (dtype == DType.FLOAT64 || dtype == DType.COMPLEX128) {
            v = kernelLinspace(start, end, steps, DType.FLOAT64, CpuCapability.value());
        } else if (dtype == DType.FLOAT32 || dtype == DType.COMPLEX64) {
            // a complex type steps in c10::complex: the real part is its float type's formula (the product by an
            // index and the division by steps - 1 convert the integer to the float type), the imaginary part zero
            v = kernelLinspace(start, end, steps, DType.FLOAT32, CpuCapability.value());
        } else {
            // an integer type: 2.x's step_t double, the same scalar formula as float64 (fused on FMA builds), each
            // value then truncated toward zero into the type (1.13's vector passes gave non-monotone values)
            v = kernelLinspace(start, end, steps, DType.FLOAT64, CpuCapability.value());
            for (int i = 0; i < steps; i++) {
                v[i] = v[i] < 0 ? Math.ceil(v[i]) : Math.floor(v[i]);
            }
        }
        return fromFlat(v, new int[] {steps}, DType.FLOAT64, Ember.defaultDevice()).to(dtype);
    }

    /**
     * float64 or float32 linspace ({@code steps} at least 2) bit for bit as PyTorch 2.x's CPU kernel of
     * {@code capability} ("AVX512", "AVX2" or "DEFAULT") computes it ({@code linspace_kernel} through
     * {@code cpu_serial_kernel}, in the result's type, no vector passes): {@code step = (end - start) / (steps - 1)},
     * then value {@code i} is {@code start + step * i} below {@code steps / 2} and {@code end - step * (steps - i - 1)}
     * from there, the index converted to the type; the product and the sum are fused where the build has FMA (every
     * capability but DEFAULT), as GCC contracts them, so the capability only decides the roundings. The values do not
     * depend on the thread count: each chunk of PyTorch's parallel loop starts from its own index.
     */
    static double[] kernelLinspace(double start, double end, int steps, DType dtype, String capability) {
        double[] v = new double[steps];
        boolean fma = CpuCapability.fusesMultiplyAdd(capability);
        int half = steps / 2;
        if (dtype == DType.FLOAT64) {
            double step = (end - start) / (steps - 1);
            for (int i = 0; i < steps; i++) {
                v[i] = linspacePoint(start, end, step, steps, half, i, fma);
            }
        } else {
            float s = (float) start;
            float e = (float) end;
            float step = (e - s) / (float) (steps - 1);
            for (int i = 0; i < steps; i++) {
                v[i] = linspacePoint(s, e, step, steps, half, i, fma);
            }
        }
        return v;
    }

    private static double linspacePoint(double start, double end, double step, int steps, int half, int idx, boolean fma) {
        if (idx < half) {
            return CpuCapability.mulAdd(fma, step, idx, start);
        }
        double k = steps - idx - 1;
        // not CpuCapability.mulAdd(fma, -step, k, end): unfused, PyTorch subtracts the product, and a NaN step's sign
        // would come out flipped from -step * k + end
        return fma ? Math.fma(-step, k, end) : end - step * k;
    }

    private static float linspacePoint(float start, float end, float step, int steps, int half, int idx, boolean fma) {
        if (idx < half) {
            return CpuCapability.mulAdd(fma, step, (float) idx, start);
        }
        float k = (float) (steps - idx - 1);
        return fma ? Math.fma(-step, k, end) : end - step * k; // not mulAdd: see the float64 linspacePoint
    }

    /**
     * linspace in float16 or bfloat16 as PyTorch's CPU kernel computes it, in the type's own arithmetic ({@code step_t}
     * is {@code scalar_t}; c10's Half and BFloat16 operators compute in float and round each result): both ends
     * converted checked ({@code Scalar::to<Half>()}: a finite end past the type's range is refused), {@code step =
     * (end - start) / (steps - 1)}, each value {@code start + step * i}, or {@code end - step * (steps - 1 - i)} from
     * halfway, every operation rounded to the type (float16 linspace(0, 1, 11)[3] is 0.2998046875, not 0.300048828125;
     * linspace(-65504, 65504, 5) overflows its step to inf, as PyTorch's). One step is the start. As 2.x's kernel has
     * no vector passes, every value takes this formula, on every capability (c10's conversions round between the
     * product and the sum, so there is nothing to fuse).
     */
    private static Tensor reducedLinspace(double start, double end, int steps, DType dtype) {
        ArithmeticOps.checkScalarFits(start, dtype);
        float s = roundTo(dtype, (float) start);
        float[] v = new float[steps];
        if (steps == 1) {
            v[0] = s;
        } else {
            ArithmeticOps.checkScalarFits(end, dtype);
            float e = roundTo(dtype, (float) end);
            float step = roundTo(dtype, roundTo(dtype, e - s) / roundTo(dtype, (float) (steps - 1)));
            int half = steps / 2;
            for (int i = 0; i < steps; i++) {
                v[i] = i < half ? roundTo(dtype, s + roundTo(dtype, step * roundTo(dtype, (float) i)))
                        : roundTo(dtype, e - roundTo(dtype, step * roundTo(dtype, (float) (steps - 1 - i))));
            }
        }
        return fromFlat(v, new int[] {steps}, DType.FLOAT32, Ember.defaultDevice()).to(dtype);
    }

    /** {@code f} rounded to float16 or bfloat16 (nearest even), as a float. */
    private static float roundTo(DType dtype, float f) {
        return dtype == DType.FLOAT16 ? Half.toFloat(Half.fromFloat(f)) : BFloat16.toFloat(BFloat16.fromFloat(f));
    }

    /**
     * {@code logspace(start, end, steps, base, dtype)}: {@code base} raised to {@code steps} evenly spaced exponents, as
     * PyTorch 2.x's CPU {@code logspace_out} computes them for a real type: {@code start} and {@code end} converted
     * (checked: a finite end past float32's or a half type's range is refused) to the type, {@code step} the double of
     * {@code end - start} computed in the type's own arithmetic (float16 and bfloat16 round it), divided by
     * {@code steps - 1} in double; value {@code i} is {@code pow(base, start + step * i)} below {@code steps / 2}, else
     * {@code pow(base, end - step * (steps - i - 1))}, in double, stored rounded (through float for the half types, as
     * c10 converts a double; past the range: infinity). One step is {@code fill_(pow(base, start))}, whose conversion
     * is checked. Integer types truncate the ends and the values.
     */
    static Tensor logspace(double start, double end, int steps, double base, DType dtype) {
        if (steps < 0) {
            throw new IllegalArgumentException("number of steps must be non-negative");
        }
        if (dtype.isFloat8() || dtype.isBarebonesUnsigned()) { // 2.x's logspace_cpu: all types, complex, half, bfloat16
            throw Refusals.unsupported("logspace_cpu", dtype);
        }
        Shapes.storageNumel(new int[] {steps}, DType.FLOAT64);
        // a complex type steps in its own (floating) arithmetic: the numbers are not truncated as for an integer type
        boolean floating = dtype.isFloatingPoint() || dtype.isComplex();
        boolean narrow = dtype == DType.FLOAT32 || dtype.isReducedFloatingPoint();
        if (steps == 1 && (dtype.isFloatingPoint() || dtype == DType.COMPLEX64)) {
            ArithmeticOps.checkScalarFits(Math.pow(base, start), dtype); // fill_'s Scalar::to<scalar_t>()
        } else if (steps > 1 && narrow) {
            ArithmeticOps.checkScalarFits(start, dtype); // start.to<scalar_t>(), end.to<scalar_t>()
            ArithmeticOps.checkScalarFits(end, dtype);
        }
        double[] v = new double[steps];
        int half = steps / 2;
        if (steps == 1) {
            v[0] = Math.pow(base, start); // PyTorch fills one step with pow(base, start), in double
        } else if (narrow) {
            float s = inType(dtype, (float) start);
            float e = inType(dtype, (float) end);
            double step = (double) inType(dtype, e - s) / (steps - 1);
            for (int i = 0; i < steps; i++) {
                // the double power stored through float (c10's Half(float) and BFloat16(float); float32 itself)
                v[i] = (float) Math.pow(base, i < half ? s + step * i : e - step * (steps - i - 1));
            }
        } else {
            double s = floating ? start : (long) start;
            double e = floating ? end : (long) end;
            double step = (e - s) / (steps - 1);
            for (int i = 0; i < steps; i++) {
                v[i] = Math.pow(base, i < half ? s + step * i : e - step * (steps - i - 1));
            }
        }
        if (narrow) {
            // each value already a float: one rounding from float to the half type, as PyTorch's double -> Half
            float[] f = new float[steps];
            for (int i = 0; i < steps; i++) {
                f[i] = (float) v[i];
            }
            return fromFlat(f, new int[] {steps}, DType.FLOAT32, Ember.defaultDevice()).to(dtype);
        }
        return fromFlat(v, new int[] {steps}, DType.FLOAT64, Ember.defaultDevice()).to(dtype);
    }

    /** {@code f} as the type holds it: itself for float32, else rounded to float16 or bfloat16. */
    private static float inType(DType dtype, float f) {
        return dtype == DType.FLOAT32 ? f : roundTo(dtype, f);
    }

    static Tensor eye(int n, int m, DType dtype) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be greater or equal to 0, got " + n);
        }
        if (m < 0) {
            throw new IllegalArgumentException("m must be greater or equal to 0, got " + m);
        }
        if (dtype.isComplex()) {
            // the real identity cast: a complex storage takes no real fill of its diagonal
            try (GradMode off = Ember.noGrad()) {
                return eye(n, m, dtype.toReal()).to(dtype);
            }
        }
        Tensor t = zeros(new int[] {n, m}, dtype, Ember.defaultDevice());
        if (n > 0 && m > 0) {
            // the diagonal is a strided view: one fill, no host array of n * m
            Layout diag = new Layout(new int[] {Math.min(n, m)}, new int[] {m + 1}, 0);
            t.backend.fill(t.storage(), diag, 1);
        }
        return t;
    }

    /** {@code torch.randint(low, high, shape, dtype=)}: the bounds checked against the type's range first. */
    static Tensor randint(long low, long high, DType dtype, int[] shape) {
        long[] range = randomRange(low, high, dtype);
        return randomIntegers(shape, dtype, range[0], range[1], Generator.DEFAULT, Ember.defaultDevice());
    }

    /**
     * {@link #random} of integers on [from, to) with the bounds as longs: PyTorch's CPU generator draws them exactly
     * ({@code randint(-2^60 - 1, 2^60 + 1)}'s ends are not doubles); other generators as {@link #random}.
     */
    static Tensor randomIntegers(int[] shape, DType dtype, long from, long to, Generator g, Device device) {
        if (!device.isMeta() && TorchCpuRandom.dispatches(dtype) && !dtype.isComplex()) {
            int[] sizes = Shapes.checkSizes(shape);
            Shapes.storageNumel(sizes, dtype, device); // empty's size checks, before anything is drawn
            Tensor cpu = g.drawCpu(device, mt -> TorchCpuRandom.integers(sizes, dtype, from, to, mt));
            if (cpu != null) {
                return cpu;
            }
        }
        return random(RandomKind.INTEGERS, shape, dtype, from, to, g, device);
    }

    /**
     * PyTorch's checks of {@code random_(from, to)} (and so of {@code randint} and {@code randint_like}), in its order:
     * {@code from < to}; for a floating type both ends moved inward to numbers the type holds ({@code update_from},
     * {@code update_to}: {@code random_(0, 2^33)} of float32 draws below {@code 2^33 - 512}) and {@code from < to}
     * again; then {@code check_from_to_in_range}: {@code from} and {@code to - 1} within the type's finite range (bool's
     * is [0, 1]). Returns the range the kernel draws from, {@code {from, to}}.
     */
    static long[] randomRange(long from, long to, DType dtype) {
        if (from >= to) {
            throw new IllegalArgumentException("random_ expects 'from' to be less than 'to', but got from=" + from + " >= to="
                    + to);
        }
        int digits = dtype == DType.FLOAT64 ? 53 : dtype == DType.FLOAT32 ? 24 : dtype == DType.FLOAT16 ? 11
                : dtype == DType.BFLOAT16 ? 8 : 0;
        if (digits > 0) {
            long fromPlus1 = castInt64(inType(from + 1, dtype));
            if (fromPlus1 < from) {
                from = fromPlus1 + (1L << (floorLog2(Math.abs(from + 1)) - digits + 1));
            }
            long toMinus1 = castInt64(inType(to - 1, dtype));
            if (toMinus1 >= to) {
                to = toMinus1 - (1L << (floorLog2(Math.abs(to - 1)) - digits + 1));
            }
            if (from >= to) {
                throw new IllegalArgumentException("random_ expects 'from' to be less than 'to', but got from=" + from
                        + " >= to=" + to);
            }
        }
        double min;
        double max;
        if (dtype == DType.FLOAT16) {
            min = -65504;
            max = 65504;
        } else if (dtype == DType.BOOL) {
            min = 0;
            max = 1;
        } else if (dtype.isIntegral() && dtype != DType.INT64) {
            min = dtype.minValue();
            max = dtype.maxValue();
        } else {
            return new long[] {from, to}; // int64, float, double, bfloat16: every int64 is within their range
        }
        String type = ArithmeticOps.cTypeName(dtype);
        if (from < min || from > max) {
            throw new IllegalArgumentException("from is out of bounds for " + type);
        }
        if (to - 1 < min || to - 1 > max) {
            throw new IllegalArgumentException("to - 1 is out of bounds for " + type);
        }
        return new long[] {from, to};
    }

    /** {@code static_cast<scalar_t>(v)} of an int64 for a floating type, as a double (half and bfloat16 via float). */
    private static double inType(long v, DType dtype) {
        switch (dtype) {
            case FLOAT64:
                return v;
            case FLOAT32:
                return (float) v;
            case FLOAT16:
                return Half.toFloat(Half.fromFloat((float) v));
            default:
                return BFloat16.toFloat(BFloat16.fromFloat((float) v));
        }
    }

    /** {@code static_cast<int64_t>(double)} as x86 computes it: the integer indefinite (int64's lowest) out of range. */
    private static long castInt64(double v) {
        return Double.isNaN(v) || v >= 0x1p63 || v < -0x1p63 ? Long.MIN_VALUE : (long) v;
    }

    private static int floorLog2(long v) {
        return v <= 0 ? 0 : 63 - Long.numberOfLeadingZeros(v);
    }

    static Tensor random(RandomKind kind, int[] shape, DType dtype, double a, double b, Generator g) {
        return random(kind, shape, dtype, a, b, g, Ember.defaultDevice());
    }

    static Tensor random(RandomKind kind, int[] shape, DType dtype, double a, double b, Generator g, Device device) {
        if (dtype != null && dtype.isComplex() && (kind == RandomKind.UNIFORM || kind == RandomKind.NORMAL)) {
            return ComplexRandom.random(kind, shape, dtype, a, b, g, device);
        }
        if ((kind == RandomKind.UNIFORM || kind == RandomKind.NORMAL) && (!dtype.isFloatingPoint() || dtype.isFloat8())
                && !device.isMeta()) {
            throw Refusals.notImplemented(kind == RandomKind.UNIFORM ? "check_uniform_bounds" : "normal_kernel_cpu",
                    dtype);
        }
        int[] sizes = Shapes.checkSizes(shape);
        Shapes.storageNumel(sizes, dtype, device); // empty's size checks, before anything is drawn
        if (device.isMeta()) {
            return empty(sizes, dtype, device); // PyTorch's meta kernels draw nothing: the generator stays where it was
        }
        // (PyTorch's CPU kernels fill arrays of their own, handed to the tensor: no empty tensor allocated before)
        Tensor cpu = !TorchCpuRandom.dispatches(dtype) ? null
                : g.drawCpu(device, mt -> TorchCpuRandom.random(kind, sizes, dtype, a, b, mt));
        if (cpu != null) {
            return cpu;
        }
        Tensor t = empty(sizes, dtype, device);
        long[] drawn = g.draw(t.numel());
        t.backend.random(kind, t.storage(), t.layout, drawn[0], drawn[1], a, b);
        return t;
    }
}
