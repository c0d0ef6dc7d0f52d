package dev.ember;

import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every public Tensor method of up to three plain arguments (Tensors, doubles, ints, longs, booleans), called on uint16
 * and uint64 tensors: each works as PyTorch 2.3's CPU kernels do on its unsigned types (data movement gives the same
 * bits as on the signed view of one width; casts, fill and the creation of like tensors) or refuses with 2.x's words
 * ({@code "<kernel>" not implemented for 'UInt16'}, the promotion refusal, or an argument error any type would get):
 * never a NullPointerException, ClassCastException, index error or a value computed as another type (the structure of
 * Float8SweepTest).
 */
class UnsignedSweepTest {
    private static DType type = DType.UINT16;

    /** Methods that are not ops on the tensor's values, or that change global state. */
    private static final Set<String> SKIPPED = Set.of("close", "backward", "retainGrad", "requiresGrad_", "detach_",
            "hashCode", "toString", "wait", "notify", "notifyAll", "getClass", "share_memory_", "shareMemory_",
            "registerHook", "registerPostAccumulateGradHook", "pinMemory", "grad", "setGrad", "gradFn", "cuda", "cpu",
            "meta", "untypedStorage", "storage", "dataPtr", "sizes", "numpy", "equals", "markDirty", "retainsGrad",
            "element_size", "isShared", "isPinned", "item", "tolist", "toList", "checkIndices", "setRequiresGrad");

    /** Data-movement ops: the result is compared bit for bit with the same op on the signed view. */
    private static final Set<String> MOVES = Set.of("clone", "contiguous", "t", "transpose", "permute", "view",
            "reshape", "flatten", "squeeze", "unsqueeze", "select", "narrow", "expand", "detach", "alias", "T", "mT",
            "mH", "H", "adjoint", "ravel", "movedim", "moveaxis", "swapaxes", "swapdims", "unflatten", "viewAs",
            "reshapeAs", "expandAs", "conj", "resolveConj", "resolveNeg", "realView", "real", "squeeze_",
            "unsqueeze_", "t_", "transpose_", "data", "contiguousFormat", "asStrided", "fixPhysical", "copy_",
            "atleast1d", "atleast2d", "atleast3d", "chunk", "split", "unbind", "hsplit", "vsplit",
            "tensorSplit", "unsafeChunk", "unsafeSplit", "diag", "diagonal", "linalgDiagonal", "narrowCopy",
            "swapaxes_", "swapdims_", "dsplit", "moduleLoad",
            // 2.x: conj_physical, positive and nan_to_num of a real integer type give self or a clone; pow(1) is
            // pow_out's copy of the base (no kernel); roll is narrow and cat
            "conjPhysical", "conjPhysical_", "positive", "nanToNum", "nanToNum_", "pow", "pow_", "roll");

    /** Ops whose result is not of the unsigned type and comes from a cast (casts, creation, metadata). */
    private static final Set<String> VALUES = Set.of("toFloat", "toDouble", "toHalf", "toBFloat16", "isreal",
            "isFloatingPoint", "isComplex", "fill_", "zero_", "zerosLike", "onesLike", "emptyLike", "fullLike",
            "newZeros", "newOnes", "newEmpty", "newFull", "isSigned", "dim", "numel", "elementSize", "itemsize", "nbytes",
            "isContiguous", "size", "shape", "stride", "storageOffset", "requiresGrad", "isLeaf", "device", "dtype",
            "isCuda", "isMeta", "isSparse", "isQuantized", "isNested", "isInference", "isConj", "isNeg", "version",
            "nelement", "ndim", "ndimension", "isSetTo", "isSameSize", "isNonOverlappingAndDense", "layout", "names",
            "hasNames", "typeAs", "toBool", "toByte", "toChar", "toShort", "toInt", "toLong", "toComplexArray",
            "asParameter", "fillDiagonal_"); // fill_diagonal_: an as_strided view of self filled, fill_cpu's types

    /** Refusals in words of their own, as 2.x words them for any type that is not what the op needs. */
    private static final Set<String> OWN_WORDS = Set.of("Boolean value of Tensor with more than one value is ambiguous");

    /**
     * The ops 2.x's CPU kernels run on the unsigned types (eq, ne, mul, bitwise and/or/xor; kron is a mul of views):
     * their values are checked against the rule in UnsignedDTypeTest. In-place comparisons with a number (the set
     * after it): 2.x's TensorIterator compares in the common (float) type and casts the bool
     * results into self through the copy kernel, which dispatches the unsigned types.
     */
    private static final Set<String> KERNELS_2X = Set.of("eq", "ne", "mul", "multiply", "notEqual", "bitwiseAnd",
            "bitwiseOr", "bitwiseXor", "mul_", "multiply_", "bitwiseAnd_", "bitwiseOr_", "bitwiseXor_", "kron");

    private static final Set<String> CAST_INTO_SELF = Set.of("eq_", "ne_", "lt_", "le_", "gt_", "ge_", "greater_",
            "greaterEqual_", "less_", "lessEqual_", "notEqual_");

    private static Pattern kernel() {
        return Pattern.compile("\"[A-Za-z0-9_]+\" not implemented for '" + type.scalarTypeName() + "'");
    }

    private static Tensor input() {
        return Tensor.tensor(new long[] {1, 2, 3, 0, 5, 65535}).reshape(2, 3).to(type);
    }

    private static Object[] args(Method m, Tensor x) {
        Class<?>[] p = m.getParameterTypes();
        Object[] a = new Object[p.length];
        for (int i = 0; i < p.length; i++) {
            a[i] = p[i] == Tensor.class ? x.clone() : p[i] == double.class ? (Object) 0.5 : p[i] == long.class
                    ? (Object) 1L : p[i] == boolean.class ? (Object) false : (Object) (i == 0 ? 1 : 0);
        }
        return a;
    }

    private static boolean candidate(Method m) {
        return StorageTypeSweeps.instanceCandidate(m, SKIPPED);
    }

    /** Static functions that are not ops on values (factories given no tensor, seeds). */
    private static final Set<String> STATIC_SKIPPED = Set.of("zeros", "ones", "empty", "full", "rand", "randn",
            "arange", "linspace", "logspace", "eye", "randint", "randperm", "tensor", "fromArray", "scalar", "manualSeed");

    /** Static functions that work on the unsigned types in 2.x (data movement, the kernels 2.x dispatches, casts). */
    private static final Set<String> STATIC_WORKS = Set.of("cat", "stack", "atleast1d", "atleast2d", "atleast3d",
            "broadcastTensors", "broadcastTo", "flatten", "unflatten", "narrowCopy", "eq", "ne", "mul", "kron",
            "identity", "zerosLike", "onesLike", "emptyLike", "fullLike", "resultType", "bitwiseAnd", "bitwiseOr",
            "bitwiseXor",
            // with training false (the sweep's boolean) the dropouts return their input
            "dropout", "dropout1d", "dropout2d", "dropout3d", "alphaDropout", "featureAlphaDropout");

    /**
     * Every public static function of nn.Functional and Tensor whose arguments are Tensors, doubles, ints, longs and
     * booleans (up to three), each Tensor argument a uint16 tensor: none may compute a uint16 value where 2.x's kernels
     * refuse (a result of another type comes from TensorIterator's cast to a common floating or int64 type, as in
     * {@link #checkResult}).
     */
    @Test
    void everySimpleFunctionWorksOrRefusesAsTwoX() throws Exception {
        type = DType.UINT16;
        Pattern kernel = kernel();
        TreeMap<String, String> bad = new TreeMap<>();
        int refused = 0;
        for (Class<?> owner : new Class<?>[] {dev.ember.nn.Functional.class, Tensor.class}) {
            List<Method> methods = StorageTypeSweeps.sortedMethods(owner);
            for (Method m : methods) {
                if (!Modifier.isStatic(m.getModifiers()) || m.getParameterCount() == 0 || !StorageTypeSweeps.plainArgs(m)
                        || m.getReturnType() == void.class || STATIC_SKIPPED.contains(m.getName())) {
                    continue;
                }
                String id = owner.getSimpleName() + "." + m.getName() + Arrays.toString(m.getParameterTypes());
                Object[] a = args(m, input());
                if (Arrays.stream(a).noneMatch(o -> o instanceof Tensor)) {
                    continue;
                }
                Object result;
                try {
                    result = m.invoke(null, a);
                } catch (InvocationTargetException e) {
                    Throwable c = e.getCause();
                    String msg = String.valueOf(c.getMessage());
                    boolean index = c instanceof IndexOutOfBoundsException && !(c instanceof ArrayIndexOutOfBoundsException);
                    boolean ours = index || OWN_WORDS.contains(msg)
                            || (c instanceof UnsupportedOperationException || c instanceof IllegalArgumentException
                                || c instanceof IllegalStateException)
                            && (kernel.matcher(msg).matches()
                                || msg.startsWith("Promotion for uint16, uint32, uint64 types is not supported")
                                || !msg.contains(type.scalarTypeName()) && !msg.contains(type.torchName())
                                || msg.equals(int16StaticRefusal(m)));
                    if (!ours || c instanceof ClassCastException || c instanceof NullPointerException) {
                        bad.put(id, c.getClass().getSimpleName() + ": " + msg);
                    } else {
                        refused++;
                    }
                    continue;
                }
                if (result instanceof Tensor && ((Tensor) result).dtype() == type && !STATIC_WORKS.contains(m.getName())) {
                    bad.put(id, "returned a " + type + " result where 2.x's kernels refuse " + type);
                }
            }
        }
        assertTrue(refused > 50, "refused " + refused);
        assertEquals(new TreeMap<String, String>(), bad, "functions that neither work as 2.x nor refuse as 2.x");
    }

    /** The static function's IllegalArgumentException message on int16 arguments, its type names made uint16's. */
    private static String int16StaticRefusal(Method m) {
        Tensor s = Tensor.tensor(new long[] {1, 2, 3, 0, 5, 6}).reshape(2, 3).to(DType.INT16);
        try {
            m.invoke(null, args(m, s));
            return null;
        } catch (InvocationTargetException e) {
            String msg = String.valueOf(e.getCause().getMessage());
            return msg.replace("Short", type.scalarTypeName()).replace("torch.int16", type.torchName())
                    .replaceAll("(?<!u)int16", type.torchName().substring("torch.".length()));
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    @Test
    void everySimpleOpWorksOrRefusesAsTwoXOnUint16() throws Exception {
        type = DType.UINT16;
        sweep();
    }

    @Test
    void everySimpleOpWorksOrRefusesAsTwoXOnUint64() throws Exception {
        type = DType.UINT64;
        sweep();
    }

    private static void sweep() throws Exception {
        List<Method> methods = StorageTypeSweeps.sortedMethods(Tensor.class);
        TreeMap<String, String> bad = new TreeMap<>();
        Pattern kernel = kernel();
        int worked = 0;
        int refused = 0;
        for (Method m : methods) {
            if (!candidate(m)) {
                continue;
            }
            String id = m.getName() + Arrays.toString(m.getParameterTypes());
            Tensor x = input();
            long[] before = bits(x);
            Object result;
            try {
                result = m.invoke(x, args(m, x));
            } catch (InvocationTargetException e) {
                Throwable c = e.getCause();
                String msg = String.valueOf(c.getMessage());
                boolean index = c instanceof IndexOutOfBoundsException && !(c instanceof ArrayIndexOutOfBoundsException)
                        && !(c instanceof StringIndexOutOfBoundsException);
                boolean ours = index || OWN_WORDS.contains(msg)
                        || (c instanceof UnsupportedOperationException || c instanceof IllegalArgumentException)
                        && (kernel.matcher(msg).matches()
                            || msg.startsWith("Promotion for uint16, uint32, uint64 types is not supported")
                            || !msg.contains(type.scalarTypeName()) && !msg.contains(type.torchName()));
                // an argument error an integer type gets (the sweep passes 1 or 0.5, or the tensor where an index,
                // mask or floating input goes): the same words as the op on int16 gives, the type named
                ours = ours || c instanceof IllegalArgumentException && msg.equals(int16Refusal(m));
                if (!ours || c instanceof ClassCastException || c instanceof NullPointerException) {
                    bad.put(id, c.getClass().getSimpleName() + ": " + msg);
                } else if (!m.getName().endsWith("_") && !Arrays.equals(before, bits(x))) {
                    bad.put(id, "refused but changed its input");
                } else {
                    refused++;
                }
                continue;
            }
            worked++;
            String problem = checkResult(m, result);
            if (problem != null) {
                bad.put(id, problem);
            }
        }
        assertTrue(worked > 20 && refused > 100, "worked " + worked + ", refused " + refused);
        assertEquals(new TreeMap<String, String>(), bad, "ops that neither work as 2.x nor refuse as 2.x on " + type);
    }

    /** The message of the op's IllegalArgumentException on an int16 tensor, its type names made the unsigned type's. */
    private static String int16Refusal(Method m) {
        Tensor s = Tensor.tensor(new long[] {1, 2, 3, 0, 5, 6}).reshape(2, 3).to(DType.INT16);
        try {
            m.invoke(s, args(m, s));
            return null;
        } catch (InvocationTargetException e) {
            String msg = String.valueOf(e.getCause().getMessage());
            return msg.replace("Short", type.scalarTypeName()).replace("torch.int16", type.torchName())
                    .replaceAll("(?<!u)int16", type.torchName().substring("torch.".length()));
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    private static long[] bits(Tensor t) {
        if (t.isClosed()) {
            return new long[0];
        }
        return t.contiguous().view(type.storageType()).toLongArray();
    }

    /** Null when a method that returned did what 2.x does, else what is wrong. */
    private static String checkResult(Method m, Object result) throws Exception {
        String n = m.getName();
        if (result instanceof List && MOVES.contains(n)) {
            List<?> got = (List<?>) result;
            Object expected;
            try {
                Tensor s = input().view(type.storageType());
                expected = m.invoke(s, args(m, s));
            } catch (InvocationTargetException e) {
                return "works on " + type + " but not on the signed view: " + e.getCause();
            }
            List<?> want = (List<?>) expected;
            if (got.size() != want.size()) {
                return "gave " + got.size() + " parts, the signed view " + want.size();
            }
            for (int i = 0; i < got.size(); i++) {
                if (!Arrays.equals(((Tensor) want.get(i)).contiguous().toLongArray(), bits((Tensor) got.get(i)))) {
                    return "part " + i + " moved other bits than on the signed view";
                }
            }
            return null;
        }
        if (!(result instanceof Tensor)) {
            boolean plain = StorageTypeSweeps.plainAnswer(result);
            return MOVES.contains(n) || VALUES.contains(n) || plain ? null : "returned " + result;
        }
        Tensor r = (Tensor) result;
        if (MOVES.contains(n) && r.dtype() == type) {
            Tensor s = input().view(type.storageType());
            Object expected;
            try {
                expected = m.invoke(s, args(m, input().view(type.storageType())));
            } catch (InvocationTargetException e) {
                return "works on " + type + " but not on the signed view: " + e.getCause();
            }
            Tensor ev = (Tensor) expected;
            return Arrays.equals(ev.contiguous().toLongArray(), bits(r)) && Arrays.equals(ev.shape(), r.shape()) ? null
                    : "moved other bits than on the signed view";
        }
        if (VALUES.contains(n) || CAST_INTO_SELF.contains(n) || KERNELS_2X.contains(n)) {
            return null; // casts checked against the rule's values in UnsignedDTypeTest
        }
        if (r.dtype() != type) {
            // computed in another type after a cast: 2.x's TensorIterator casts an unsigned input to the common type
            // (a float type with a number 0.5 or for the floating unary ops; int64 for sum, cumsum and the other
            // reductions of an integral input), which promoteTypes allows with a floating type and the copy kernel
            // dispatches
            return null;
        }
        return "returned a " + r.dtype() + " result where 2.x's kernels refuse " + type;
    }
}
