package dev.ember.cpu;

import dev.ember.backend.BinaryOp;
import dev.ember.backend.CpuCapability;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Contiguous float32 arithmetic on the incubating Vector API: C2 does not vectorize the plain loops when the
 * output may alias an input (every in-place update, such as an optimizer step), so these run up to a vector's
 * width faster. Loaded only through {@link ElementwiseKernels}'s probe, like {@link VectorMicroKernels}.
 */
final class VectorLoops implements ElementwiseKernels.FloatLoops {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    // before this class's first kernel runs: keeps JDK 17's C2 from dropping the kernels' intrinsics (VectorProfiles)
    static {
        VectorProfiles.seedOnce();
    }
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, S.vectorShape());
    /**
     * Doubles in a full vector: a float vector widens into two of them, its lower half directly and its upper half
     * after {@link #SWAP_HALVES}. No other float species is used on purpose: on JDK 17, a second float vector class
     * (a half-width species) seen by the Vector API's shared methods made C2 compile this package's other kernels
     * with inexact vector types, boxing every vector (the LeNet job's first epoch about 2x slower: RESULTS.md, session
     * 15). VectorHelpersInlineTest checks that this package's vector kernels hold one float species.
     */
    private static final VectorSpecies<Double> DS = VectorSpecies.of(double.class, S.vectorShape());
    private static final VectorSpecies<Long> LS = VectorSpecies.of(long.class, S.vectorShape());
    /** Shorts, one per float lane (half the float vector's bits): float16 and bfloat16 bits. */
    private static final VectorSpecies<Short> HS = VectorSpecies.of(short.class,
            jdk.incubator.vector.VectorShape.forBitSize(S.length() * 16));
    /** Bytes, one per float lane (a quarter of the float vector's bits). */
    private static final VectorSpecies<Byte> BS = VectorSpecies.of(byte.class,
            jdk.incubator.vector.VectorShape.forBitSize(S.length() * 8));
    /**
     * Even (odd) lanes of a vector, in both halves: with {@link #HIGH_HALF} two of them make the even (odd) lanes of
     * two vectors laid end to end. (The two-vector {@code rearrange} measured slower than the scalar kernel on
     * JDK 17: it wraps and validates its shuffle on every call.)
     */
    private static final VectorShuffle<Float> EVEN = VectorShuffle.fromOp(S, i -> 2 * i % S.length());
    private static final VectorShuffle<Float> ODD = VectorShuffle.fromOp(S, i -> (2 * i + 1) % S.length());
    private static final VectorMask<Float> HIGH_HALF = VectorMask.fromLong(S, -1L << (S.length() / 2));
    /** Lane i takes lane i + L/2 (mod L): the two halves of a float vector exchanged. */
    private static final VectorShuffle<Float> SWAP_HALVES = VectorShuffle.fromOp(S, i -> (i + S.length() / 2) % S.length());
    private static final IntVector EVEN_OFFSETS = IntVector.zero(IS).addIndex(2);
    /** Lane i takes lane i / 2 (of the lower half) or L / 2 + i / 2 (of the upper half): each lane doubled in place. */
    private static final VectorShuffle<Float> ZIP_LOW = VectorShuffle.fromOp(S, i -> i / 2);
    private static final VectorShuffle<Float> ZIP_HIGH = VectorShuffle.fromOp(S, i -> S.length() / 2 + i / 2);
    /** Lane i: i % 2, the window code of the top-row position in lane i's column; 2 more in the bottom row. */
    private static final FloatVector TOP_CODES = FloatVector.fromArray(S, columnParities(), 0);
    private static final FloatVector BOTTOM_CODES = TOP_CODES.add(2f);

    @Override
    public void binaryRows(BinaryOp op, float[] x, int xo, int xr, float[] y, int yo, int yr, float[] o, int oo, int or,
                           int rows, int n) {
        for (int r = 0; r < rows; r++) {
            binary(op, x, xo + r * xr, y, yo + r * yr, o, oo + r * or, n);
        }
    }

    @Override
    public boolean binary(BinaryOp op, float[] x, int xo, float[] y, int yo, float[] o, int oo, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        switch (op) {
            case ADD:
                for (; i < bound; i += S.length()) {
                    FloatVector.fromArray(S, x, xo + i).add(FloatVector.fromArray(S, y, yo + i)).intoArray(o, oo + i);
                }
                for (; i < n; i++) {
                    o[oo + i] = x[xo + i] + y[yo + i];
                }
                return true;
            case SUB:
                for (; i < bound; i += S.length()) {
                    FloatVector.fromArray(S, x, xo + i).sub(FloatVector.fromArray(S, y, yo + i)).intoArray(o, oo + i);
                }
                for (; i < n; i++) {
                    o[oo + i] = x[xo + i] - y[yo + i];
                }
                return true;
            case MUL:
                for (; i < bound; i += S.length()) {
                    FloatVector.fromArray(S, x, xo + i).mul(FloatVector.fromArray(S, y, yo + i)).intoArray(o, oo + i);
                }
                for (; i < n; i++) {
                    o[oo + i] = x[xo + i] * y[yo + i];
                }
                return true;
            case DIV:
                // an IEEE division lane by lane: the scalar loop's bits
                for (; i < bound; i += S.length()) {
                    FloatVector.fromArray(S, x, xo + i).div(FloatVector.fromArray(S, y, yo + i)).intoArray(o, oo + i);
                }
                for (; i < n; i++) {
                    o[oo + i] = x[xo + i] / y[yo + i];
                }
                return true;
            case MAXIMUM:
            case MINIMUM:
            case THRESHOLD_BACKWARD:
                if (!selectHelper(n)) {
                    selectRun(op, x, xo, y, yo, o, oo, n);
                    return true;
                }
                for (; i < bound; i += S.length()) {
                    select(op, FloatVector.fromArray(S, x, xo + i), FloatVector.fromArray(S, y, yo + i)).intoArray(o, oo + i);
                }
                for (; i < n; i++) {
                    o[oo + i] = select(op, x[xo + i], y[yo + i]);
                }
                return true;
            default:
                return false;
        }
    }

    /** Runs shorter than this take {@link #selectRun} without reading {@link #selectHelper}'s property. */
    private static final int SELECT_HELPER_MIN_RUN = 256;

    /**
     * {@code -Dember.vectorLoops.selectHelper=true} (read per call on a run of at least
     * {@link #SELECT_HELPER_MIN_RUN} floats): maximum, minimum and ReLU's backward through the vector
     * {@link #select(BinaryOp, FloatVector, FloatVector)} called in {@link #binary}'s and {@link #binaryScalar}'s loops,
     * as before session 57, for before/after timings. Shorter runs (a broadcast op's rows, one call each) skip the
     * property lookup, about 7 ns a call, and always take the per-op loops.
     */
    private static boolean selectHelper(int n) {
        return n >= SELECT_HELPER_MIN_RUN && Boolean.getBoolean("ember.vectorLoops.selectHelper");
    }

    /**
     * {@link #binary}'s maximum, minimum and ReLU's backward (threshold_backward) of {@code n} contiguous floats, each
     * selection written in its own loop (session 57). The shared {@link #select(BinaryOp, FloatVector, FloatVector)}
     * is 98 bytes of bytecode: where {@link #binary} was compiled after seeing only other ops (a sweep's add and mul
     * first), C2 found its call too big to inline at a cold call site and ran it out of line, so every vector was
     * boxed and its operations ran the Java fallback (threshold_backward of {@code [16, 128, 512]} 25 MB allocated and
     * about 3 ms instead of 0.2). Here no method takes or returns a vector, so nothing depends on an inlining decision;
     * the same lane operations, so the same bits.
     */
    private static void selectRun(BinaryOp op, float[] x, int xo, float[] y, int yo, float[] o, int oo, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        switch (op) {
            case MAXIMUM:
                for (; i < bound; i += S.length()) {
                    FloatVector a = FloatVector.fromArray(S, x, xo + i);
                    FloatVector b = FloatVector.fromArray(S, y, yo + i);
                    a.blend(b, a.compare(VectorOperators.LT, b).or(b.test(VectorOperators.IS_NAN))).intoArray(o, oo + i);
                }
                break;
            case MINIMUM:
                for (; i < bound; i += S.length()) {
                    FloatVector a = FloatVector.fromArray(S, x, xo + i);
                    FloatVector b = FloatVector.fromArray(S, y, yo + i);
                    a.blend(b, b.compare(VectorOperators.LT, a).or(b.test(VectorOperators.IS_NAN))).intoArray(o, oo + i);
                }
                break;
            default:
                for (; i < bound; i += S.length()) {
                    FloatVector a = FloatVector.fromArray(S, x, xo + i);
                    a.blend(0f, FloatVector.fromArray(S, y, yo + i).compare(VectorOperators.LE, 0f)).intoArray(o, oo + i);
                }
                break;
        }
        for (; i < n; i++) {
            o[oo + i] = select(op, x[xo + i], y[yo + i]);
        }
    }

    /** {@link #selectRun} with the second operand the scalar {@code s} ({@link #binaryScalar}). */
    private static void selectScalarRun(BinaryOp op, float[] x, int xo, float s, float[] o, int oo, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        FloatVector b = FloatVector.broadcast(S, s);
        switch (op) {
            case MAXIMUM:
                for (; i < bound; i += S.length()) {
                    FloatVector a = FloatVector.fromArray(S, x, xo + i);
                    a.blend(b, a.compare(VectorOperators.LT, b).or(b.test(VectorOperators.IS_NAN))).intoArray(o, oo + i);
                }
                break;
            case MINIMUM:
                for (; i < bound; i += S.length()) {
                    FloatVector a = FloatVector.fromArray(S, x, xo + i);
                    a.blend(b, b.compare(VectorOperators.LT, a).or(b.test(VectorOperators.IS_NAN))).intoArray(o, oo + i);
                }
                break;
            default:
                for (; i < bound; i += S.length()) {
                    FloatVector a = FloatVector.fromArray(S, x, xo + i);
                    a.blend(0f, b.compare(VectorOperators.LE, 0f)).intoArray(o, oo + i);
                }
                break;
        }
        for (; i < n; i++) {
            o[oo + i] = select(op, x[xo + i], s);
        }
    }

    /**
     * The selecting ops lane-wise, as ElementwiseKernels' scalar forms: maximum and minimum NaN if either is NaN and
     * the first operand on ties (so -0 against 0 stays -0, where the vector max prefers +0); ReLU's backward
     * {@code y <= 0 ? 0 : x}.
     */
    private static FloatVector select(BinaryOp op, FloatVector x, FloatVector y) {
        switch (op) {
            case MAXIMUM:
                return x.blend(y, x.compare(VectorOperators.LT, y).or(y.test(VectorOperators.IS_NAN)));
            case MINIMUM:
                return x.blend(y, y.compare(VectorOperators.LT, x).or(y.test(VectorOperators.IS_NAN)));
            default:
                return x.blend(0f, y.compare(VectorOperators.LE, 0f));
        }
    }

    private static float select(BinaryOp op, float x, float y) {
        switch (op) {
            case MAXIMUM: return ElementwiseKernels.maximum(x, y);
            case MINIMUM: return ElementwiseKernels.minimum(x, y);
            default: return ElementwiseKernels.thresholdBackward(x, y);
        }
    }

    @Override
    public boolean scalarFirst(BinaryOp op, float s, float[] y, int yo, float[] o, int oo, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        FloatVector sv = FloatVector.broadcast(S, s);
        switch (op) {
            case ADD:
                for (; i < bound; i += S.length()) {
                    sv.add(FloatVector.fromArray(S, y, yo + i)).intoArray(o, oo + i);
                }
                for (; i < n; i++) {
                    o[oo + i] = s + y[yo + i];
                }
                return true;
            case SUB:
                for (; i < bound; i += S.length()) {
                    sv.sub(FloatVector.fromArray(S, y, yo + i)).intoArray(o, oo + i);
                }
                for (; i < n; i++) {
                    o[oo + i] = s - y[yo + i];
                }
                return true;
            case MUL:
                for (; i < bound; i += S.length()) {
                    sv.mul(FloatVector.fromArray(S, y, yo + i)).intoArray(o, oo + i);
                }
                for (; i < n; i++) {
                    o[oo + i] = s * y[yo + i];
                }
                return true;
            case DIV:
                for (; i < bound; i += S.length()) {
                    sv.div(FloatVector.fromArray(S, y, yo + i)).intoArray(o, oo + i);
                }
                for (; i < n; i++) {
                    o[oo + i] = s / y[yo + i];
                }
                return true;
            default:
                return false;
        }
    }

    @Override
    public boolean binaryScalar(BinaryOp op, float[] x, int xo, float s, float[] o, int oo, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        // the broadcast made in each case, after any call: one made before the switch was boxed, one vector object
        // allocated a call (134 KB for x - m of [16, 128, 512] and [16, 128, 1], a call per row) once C2 had compiled
        // this for more than one op (session 58)
        FloatVector sv;
        switch (op) {
            case ADD:
                sv = FloatVector.broadcast(S, s);
                for (; i < bound; i += S.length()) {
                    FloatVector.fromArray(S, x, xo + i).add(sv).intoArray(o, oo + i);
                }
                for (; i < n; i++) {
                    o[oo + i] = x[xo + i] + s;
                }
                return true;
            case SUB:
                sv = FloatVector.broadcast(S, s);
                for (; i < bound; i += S.length()) {
                    FloatVector.fromArray(S, x, xo + i).sub(sv).intoArray(o, oo + i);
                }
                for (; i < n; i++) {
                    o[oo + i] = x[xo + i] - s;
                }
                return true;
            case MUL:
                sv = FloatVector.broadcast(S, s);
                for (; i < bound; i += S.length()) {
                    FloatVector.fromArray(S, x, xo + i).mul(sv).intoArray(o, oo + i);
                }
                for (; i < n; i++) {
                    o[oo + i] = x[xo + i] * s;
                }
                return true;
            case DIV:
                sv = FloatVector.broadcast(S, s);
                for (; i < bound; i += S.length()) {
                    FloatVector.fromArray(S, x, xo + i).div(sv).intoArray(o, oo + i);
                }
                for (; i < n; i++) {
                    o[oo + i] = x[xo + i] / s;
                }
                return true;
            case MAXIMUM:
            case MINIMUM:
            case THRESHOLD_BACKWARD:
                if (!selectHelper(n)) {
                    selectScalarRun(op, x, xo, s, o, oo, n);
                    return true;
                }
                sv = FloatVector.broadcast(S, s);
                for (; i < bound; i += S.length()) {
                    select(op, FloatVector.fromArray(S, x, xo + i), sv).intoArray(o, oo + i);
                }
                for (; i < n; i++) {
                    o[oo + i] = select(op, x[xo + i], s);
                }
                return true;
            default:
                return false;
        }
    }

    /**
     * {@code -Dember.cpu.bf16.intNanTest=true} (read per call): {@link #floatsToBFloat16} finds NaN lanes by an integer
     * mask and compare of the bits, the loop before session 63 (for before/after runs); without it, by one float
     * compare of the vector with itself (unordered), cast to the ints' mask: the same lanes, so the same bits (every
     * float32 pattern: BFloat16CastExhaustiveTest).
     */
    static final String BF16_INT_NAN_TEST = "ember.cpu.bf16.intNanTest";

    @Override
    public int floatsToBFloat16(float[] x, int xo, short[] o, int oo, int n) {
        int bound = S.loopBound(n);
        if (Boolean.getBoolean(BF16_INT_NAN_TEST)) {
            return floatsToBFloat16IntNan(x, xo, o, oo, bound);
        }
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            IntVector u = v.reinterpretAsInts();
            VectorMask<Integer> nan = v.compare(VectorOperators.NE, v).cast(IS);
            IntVector r = u.add(u.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF))
                    .lanewise(VectorOperators.LSHR, 16).blend(0x7FC0, nan);
            r.convertShape(VectorOperators.I2S, HS, 0).reinterpretAsShorts().intoArray(o, oo + i);
        }
        return bound;
    }

    /** {@link #floatsToBFloat16}'s loop before session 63 over {@code bound} (whole vectors) elements. */
    private static int floatsToBFloat16IntNan(float[] x, int xo, short[] o, int oo, int bound) {
        for (int i = 0; i < bound; i += S.length()) {
            IntVector u = FloatVector.fromArray(S, x, xo + i).reinterpretAsInts();
            VectorMask<Integer> nan = u.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000);
            IntVector r = u.add(u.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF))
                    .lanewise(VectorOperators.LSHR, 16).blend(0x7FC0, nan);
            r.convertShape(VectorOperators.I2S, HS, 0).reinterpretAsShorts().intoArray(o, oo + i);
        }
        return bound;
    }

    /** Lane i takes lane i ^ 1: the parts of each complex pair exchanged. */
    private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromOp(S, i -> i ^ 1);
    /** Lane i takes lane i & ~1 (i | 1): each pair's real (imaginary) part in both of its lanes. */
    private static final VectorShuffle<Float> PAIR_REALS = VectorShuffle.fromOp(S, i -> i & ~1);
    private static final VectorShuffle<Float> PAIR_IMAGS = VectorShuffle.fromOp(S, i -> i | 1);
    /** The real parts' lanes (even lanes). */
    private static final VectorMask<Float> REAL_LANES = VectorMask.fromLong(S, 0x5555_5555_5555_5555L);
    /** The imaginary parts' lanes (odd lanes). */
    private static final VectorMask<Float> IMAG_LANES = REAL_LANES.not();
    /**
     * {@code -Dember.complex.oldShuffles=true} (read per call): the complex product in three lane rearrangements, as
     * in sessions 51-53, for before/after timings.
     */
    private static boolean oldComplexShuffles() {
        return Boolean.getBoolean("ember.complex.oldShuffles");
    }

    // complexAdd, complexMul and complexDiv exchange the parts of each pair by whole-long shifts, (l << 32) | (l >>> 32)
    // on the pair's long lane (the Vector API's reinterpretation is little-endian: the real part is the low half),
    // instead of rearrange(SWAP_PAIRS): the same bits once C2 compiles either (and in every tier: the rearrangement's
    // Java fallback returned the canonical NaN for a NaN lane; PairSwapTest), measured faster on JDK 17 / AVX2 (session
    // 59, 8192 pairs in cache, one thread: add 2.4-3.4 -> 2.2-2.7 us, product 4.8-5.0 -> 3.5-4.4, quotient 9.5-10.0 ->
    // 8.4-9.1; benchmarks/RESULTS.md).

    // PARTS_OF_TWO_VECTORS (session 60): complexMul and complexDiv take two vectors of pairs, v0 (pairs 0 to L/2-1)
    // and v1 (pairs L/2 to L-1), and split them into a vector of real parts and one of imaginary parts, by one whole-long
    // shift and one blend each: re = blend(v0, v1 << 32 on the odd lanes) holds pair k's real part in lane 2k and pair
    // L/2 + k's in lane 2k + 1; im = blend(v1, v0 >>> 32 on the even lanes) their imaginary parts. Each lane then
    // computes one element with the operations and operands of the one-vector loop (a quotient's divisions once an
    // element, not twice; no blend between the real and imaginary lanes' formulas), and the results go back to pairs
    // the same way. -Dember.cpu.complex.oldLanes=true keeps the one-vector loops.

    /**
     * {@code -Dember.cpu.complex.oldLanes=true} (read per call, for before/after timings): {@link #complexMul} and
     * {@link #complexDiv} take one vector of pairs at a time, each pair's parts in two neighbouring lanes, as before
     * session 60, instead of splitting two vectors into their real and imaginary parts.
     *
     * @return whether the one-vector loops run
     */
    static boolean oldComplexLanes() {
        return Boolean.getBoolean("ember.cpu.complex.oldLanes");
    }

    /** -0 on the real lanes, +0 on the imaginary lanes: {@code -0 bi} and {@code +0 br} by one product. */
    private static final FloatVector SIGNED_ZEROS = FloatVector.broadcast(S, -0f).blend(0f, IMAG_LANES);

    /**
     * {@code -Dember.complex.addBlend=true} (read per call, for before/after timings): {@link #complexAdd} subtracts
     * and adds the zero products and blends the two sums, as before session 58.
     */
    private static boolean oldComplexAdd() {
        return Boolean.getBoolean("ember.complex.addBlend");
    }

    /**
     * {@code (ar + s_re) - 0 bi} and {@code (ai + s_im) + 0 br} ({@link ElementwiseKernels#complexAdd}). Since session
     * 58 as one sum {@code (a + s) + swap(b) (-0, +0)}: {@code x - 0 bi} is {@code x + (-0) bi} for every non-NaN
     * {@code bi} (the product's sign is the factors' signs' xor, and {@code x - y} is {@code x + (-y)}), an infinite
     * {@code bi} gives NaN either way; only a NaN's sign may differ (ComplexAddLoopTest). Two operations and a blend a
     * vector fewer.
     */
    @Override
    public int complexAdd(float alpha, float[] x, int xo, float[] y, int yo, float[] o, int oo, int n) {
        int bound = S.loopBound(2 * n);
        boolean one = alpha == 1;
        if (!oldComplexAdd()) {
            for (int i = 0; i < bound; i += S.length()) {
                FloatVector b = FloatVector.fromArray(S, y, yo + i);
                FloatVector sum = FloatVector.fromArray(S, x, xo + i).add(one ? b : b.mul(alpha));
                LongVector bl = b.reinterpretAsLongs();
                FloatVector bs = bl.lanewise(VectorOperators.LSHL, 32).or(bl.lanewise(VectorOperators.LSHR, 32))
                        .reinterpretAsFloats(); // swap(b)
                sum.add(bs.mul(SIGNED_ZEROS)).intoArray(o, oo + i);
            }
            return bound / 2;
        }
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector b = FloatVector.fromArray(S, y, yo + i);
            // (ar + s_re) - 0 bi, (ai + s_im) + 0 br: the zero products of the other part, subtracted on the real lanes
            FloatVector z = b.rearrange(SWAP_PAIRS).mul(0f);
            FloatVector sum = FloatVector.fromArray(S, x, xo + i).add(one ? b : b.mul(alpha));
            sum.add(z).blend(sum.sub(z), REAL_LANES).intoArray(o, oo + i);
        }
        return bound / 2;
    }

    @Override
    public int complexExp(float[] x, int xo, float[] o, int oo, int n) {
        return VectorSleef.complexExp(x, xo, o, oo, n);
    }

    @Override
    public int cexp(float[] x, int xo, float[] o, int oo, int n) {
        return VectorLibm.cexp(x, xo, o, oo, n);
    }

    /**
     * The products in two lane rearrangements instead of three (session 54): p = a b = (ar br, ai bi) and
     * q = a swap(b) = (ar bi, ai br); u = (ar br, ai br) and v = swap((ar bi, ai bi)) = (ai bi, ar bi) by blends and
     * one exchange; then re = u - v = ar br - ai bi and im = v + u = ar bi + ai br, each the same two rounded products
     * in the same order as before (the same bits). {@code -Dember.complex.oldShuffles=true} keeps the three.
     */
    @Override
    public int complexMul(float[] x, int xo, float[] y, int yo, float[] o, int oo, int n) {
        int bound = S.loopBound(2 * n);
        if (!oldComplexShuffles()) {
            int i = 0;
            if (!oldComplexLanes()) {
                i = mulParts(x, xo, y, yo, o, oo, bound - bound % (2 * S.length()));
            }
            for (; i < bound; i += S.length()) {
                FloatVector a = FloatVector.fromArray(S, x, xo + i);
                FloatVector b = FloatVector.fromArray(S, y, yo + i);
                FloatVector p = a.mul(b); // ar br, ai bi
                LongVector bl = b.reinterpretAsLongs();
                FloatVector q = a.mul(bl.lanewise(VectorOperators.LSHL, 32).or(bl.lanewise(VectorOperators.LSHR, 32))
                        .reinterpretAsFloats()); // ar bi, ai br
                FloatVector u = p.blend(q, IMAG_LANES); // ar br, ai br
                LongVector wl = q.blend(p, IMAG_LANES).reinterpretAsLongs();
                FloatVector v = wl.lanewise(VectorOperators.LSHL, 32).or(wl.lanewise(VectorOperators.LSHR, 32))
                        .reinterpretAsFloats(); // ai bi, ar bi
                u.sub(v).blend(v.add(u), IMAG_LANES).intoArray(o, oo + i);
            }
            return bound / 2;
        }
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector a = FloatVector.fromArray(S, x, xo + i);
            FloatVector b = FloatVector.fromArray(S, y, yo + i);
            FloatVector t1 = a.rearrange(PAIR_REALS).mul(b); // ar br, ar bi
            FloatVector t2 = a.rearrange(PAIR_IMAGS).mul(b.rearrange(SWAP_PAIRS)); // ai bi, ai br
            t1.add(t2).blend(t1.sub(t2), REAL_LANES).intoArray(o, oo + i);
        }
        return bound / 2;
    }

    /**
     * {@code -Dember.complex.divRearrange=true} (read per call, for before/after timings): {@link #complexDiv} takes
     * each pair's divisor parts by two lane rearrangements ({@code PAIR_REALS}, {@code PAIR_IMAGS}) and tests every
     * vector for a zero divisor, as before session 58.
     */
    private static boolean oldDivRearrange() {
        return Boolean.getBoolean("ember.complex.divRearrange");
    }

    /**
     * c10::complex's quotient lane by lane ({@link ComplexKernels#div}). Since session 58 the divisor's parts reach both
     * lanes of each pair by one lane exchange and two blends ({@code c = blend(b, swap(b))} on the imaginary lanes,
     * {@code d} the other way) instead of two rearrangements, and the zero-divisor test (two comparisons) runs only on a
     * vector where some pair's chosen denominator part {@code p} is zero: the same lanes and operations, so the same
     * bits (ComplexDivKernelTest); fewer instructions a vector. {@code -Dember.complex.divRearrange=true} keeps the old
     * loop.
     */
    @Override
    public int complexDiv(float[] x, int xo, float[] y, int yo, float[] o, int oo, int n) {
        int bound = S.loopBound(2 * n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        boolean rearrange = oldDivRearrange();
        int i = 0;
        if (!rearrange && !oldComplexLanes()) {
            i = divParts(x, xo, y, yo, o, oo, bound - bound % (2 * S.length()));
        }
        for (; i < bound; i += S.length()) {
            FloatVector a = FloatVector.fromArray(S, x, xo + i); // a, b
            FloatVector b = FloatVector.fromArray(S, y, yo + i); // c, d
            FloatVector c;
            FloatVector d;
            if (rearrange) {
                c = b.rearrange(PAIR_REALS);
                d = b.rearrange(PAIR_IMAGS);
            } else {
                LongVector bl = b.reinterpretAsLongs();
                FloatVector bs = bl.lanewise(VectorOperators.LSHL, 32).or(bl.lanewise(VectorOperators.LSHR, 32))
                        .reinterpretAsFloats(); // d, c
                c = b.blend(bs, IMAG_LANES);
                d = bs.blend(b, IMAG_LANES);
            }
            FloatVector ac = c.abs();
            FloatVector ad = d.abs();
            VectorMask<Float> big = ac.compare(VectorOperators.GE, ad);
            // |c| >= |d|: rat = d / c, scl = 1 / (c + d rat), (a + b rat) scl, (b + (-a) rat) scl;
            // else: rat = c / d, scl = 1 / (d + c rat), (b + a rat) scl, ((-a) + b rat) scl (the scalar form's sums)
            FloatVector p = d.blend(c, big);
            FloatVector q = c.blend(d, big);
            FloatVector rat = q.div(p);
            FloatVector scl = one.div(p.add(q.mul(rat)));
            LongVector al = a.reinterpretAsLongs();
            FloatVector swapped = al.lanewise(VectorOperators.LSHL, 32).or(al.lanewise(VectorOperators.LSHR, 32))
                    .reinterpretAsFloats(); // b, a
            FloatVector s = swapped.blend(swapped.neg(), IMAG_LANES); // b, -a
            FloatVector u = s.blend(a, big);
            FloatVector v = a.blend(s, big);
            FloatVector r = u.add(v.mul(rat)).mul(scl);
            // a zero divisor has p = 0 (p is c or d, both zero); p = 0 alone is not one (c NaN, d = 0 takes p = d)
            if (rearrange || p.compare(VectorOperators.EQ, 0f).anyTrue()) {
                VectorMask<Float> zero = ac.compare(VectorOperators.EQ, 0f).and(ad.compare(VectorOperators.EQ, 0f));
                if (zero.anyTrue()) {
                    r = r.blend(a.div(b.abs()), zero); // a zero divisor: a / |c|, b / |d|
                }
            }
            r.intoArray(o, oo + i);
        }
        return bound / 2;
    }

    /**
     * {@link #complexMul}'s two-vector loop (see PARTS_OF_TWO_VECTORS) over the floats {@code [0, end)} from each
     * offset, {@code end} a multiple of two vectors, as a counted loop; returns {@code end}.
     */
    private static int mulParts(float[] x, int xo, float[] y, int yo, float[] o, int oo, int end) {
        for (int i = 0; i < end; i += 2 * S.length()) {
            FloatVector a0 = FloatVector.fromArray(S, x, xo + i);
            FloatVector a1 = FloatVector.fromArray(S, x, xo + i + S.length());
            FloatVector b0 = FloatVector.fromArray(S, y, yo + i);
            FloatVector b1 = FloatVector.fromArray(S, y, yo + i + S.length());
            FloatVector ar = a0.blend(a1.reinterpretAsLongs().lanewise(VectorOperators.LSHL, 32).reinterpretAsFloats(),
                    IMAG_LANES);
            FloatVector ai = a1.blend(a0.reinterpretAsLongs().lanewise(VectorOperators.LSHR, 32).reinterpretAsFloats(),
                    REAL_LANES);
            FloatVector br = b0.blend(b1.reinterpretAsLongs().lanewise(VectorOperators.LSHL, 32).reinterpretAsFloats(),
                    IMAG_LANES);
            FloatVector bi = b1.blend(b0.reinterpretAsLongs().lanewise(VectorOperators.LSHR, 32).reinterpretAsFloats(),
                    REAL_LANES);
            FloatVector re = ar.mul(br).sub(ai.mul(bi));
            FloatVector im = ar.mul(bi).add(ai.mul(br));
            re.blend(im.reinterpretAsLongs().lanewise(VectorOperators.LSHL, 32).reinterpretAsFloats(), IMAG_LANES)
                    .intoArray(o, oo + i);
            im.blend(re.reinterpretAsLongs().lanewise(VectorOperators.LSHR, 32).reinterpretAsFloats(), REAL_LANES)
                    .intoArray(o, oo + i + S.length());
        }
        return end;
    }

    /**
     * Two vectors of pairs at a time, split into parts (see PARTS_OF_TWO_VECTORS), times the broadcast pair: the
     * products and sums of {@link #mulParts} with one factor's parts in every lane (session 63; before, the scalar
     * loop took every pair of such a run).
     */
    @Override
    public int complexMulByPair(float[] v, int vo, float cr, float ci, boolean pairFirst, float[] o, int oo, int n) {
        int bound = S.loopBound(2 * n);
        int end = bound - bound % (2 * S.length());
        FloatVector pr = FloatVector.broadcast(S, cr);
        FloatVector pi = FloatVector.broadcast(S, ci);
        for (int i = 0; i < end; i += 2 * S.length()) {
            FloatVector v0 = FloatVector.fromArray(S, v, vo + i);
            FloatVector v1 = FloatVector.fromArray(S, v, vo + i + S.length());
            FloatVector vr = v0.blend(v1.reinterpretAsLongs().lanewise(VectorOperators.LSHL, 32).reinterpretAsFloats(),
                    IMAG_LANES);
            FloatVector vi = v1.blend(v0.reinterpretAsLongs().lanewise(VectorOperators.LSHR, 32).reinterpretAsFloats(),
                    REAL_LANES);
            FloatVector re;
            FloatVector im;
            if (pairFirst) {
                re = pr.mul(vr).sub(pi.mul(vi));
                im = pr.mul(vi).add(pi.mul(vr));
            } else {
                re = vr.mul(pr).sub(vi.mul(pi));
                im = vr.mul(pi).add(vi.mul(pr));
            }
            re.blend(im.reinterpretAsLongs().lanewise(VectorOperators.LSHL, 32).reinterpretAsFloats(), IMAG_LANES)
                    .intoArray(o, oo + i);
            im.blend(re.reinterpretAsLongs().lanewise(VectorOperators.LSHR, 32).reinterpretAsFloats(), REAL_LANES)
                    .intoArray(o, oo + i + S.length());
        }
        return end / 2;
    }

    /**
     * Two vectors of pairs at a time, split into parts (see PARTS_OF_TWO_VECTORS), divided by the broadcast pair
     * {@code (c, d)}: {@code ComplexKernels.divF}'s operations, the divisor's branch, ratio and scale once (session 63;
     * before, the scalar loop took every pair of such a run).
     */
    @Override
    public int complexDivByPair(float[] x, int xo, float c, float d, float[] o, int oo, int n) {
        float ac = Math.abs(c);
        float ad = Math.abs(d);
        if (ac == 0 && ad == 0) {
            return 0; // a / |c|, b / |d|: the scalar loop's
        }
        boolean big = ac >= ad;
        float rat = big ? d / c : c / d;
        float scl = 1f / (big ? c + d * rat : d + c * rat);
        int bound = S.loopBound(2 * n);
        int end = bound - bound % (2 * S.length());
        FloatVector r = FloatVector.broadcast(S, rat);
        FloatVector sc = FloatVector.broadcast(S, scl);
        for (int i = 0; i < end; i += 2 * S.length()) {
            FloatVector a0 = FloatVector.fromArray(S, x, xo + i);
            FloatVector a1 = FloatVector.fromArray(S, x, xo + i + S.length());
            FloatVector ar = a0.blend(a1.reinterpretAsLongs().lanewise(VectorOperators.LSHL, 32).reinterpretAsFloats(),
                    IMAG_LANES);
            FloatVector ai = a1.blend(a0.reinterpretAsLongs().lanewise(VectorOperators.LSHR, 32).reinterpretAsFloats(),
                    REAL_LANES);
            FloatVector re;
            FloatVector im;
            if (big) {
                re = ar.add(ai.mul(r)).mul(sc); // (a + b rat) scl
                im = ai.sub(ar.mul(r)).mul(sc); // (b - a rat) scl
            } else {
                re = ar.mul(r).add(ai).mul(sc); // (a rat + b) scl
                im = ai.mul(r).sub(ar).mul(sc); // (b rat - a) scl
            }
            re.blend(im.reinterpretAsLongs().lanewise(VectorOperators.LSHL, 32).reinterpretAsFloats(), IMAG_LANES)
                    .intoArray(o, oo + i);
            im.blend(re.reinterpretAsLongs().lanewise(VectorOperators.LSHR, 32).reinterpretAsFloats(), REAL_LANES)
                    .intoArray(o, oo + i + S.length());
        }
        return end / 2;
    }

    /**
     * {@link #complexDiv}'s two-vector loop (see PARTS_OF_TWO_VECTORS) over the floats {@code [0, end)} from each
     * offset, {@code end} a multiple of two vectors, as a counted loop; returns {@code end}.
     */
    private static int divParts(float[] x, int xo, float[] y, int yo, float[] o, int oo, int end) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int i = 0; i < end; i += 2 * S.length()) {
            FloatVector a0 = FloatVector.fromArray(S, x, xo + i);
            FloatVector a1 = FloatVector.fromArray(S, x, xo + i + S.length());
            FloatVector b0 = FloatVector.fromArray(S, y, yo + i);
            FloatVector b1 = FloatVector.fromArray(S, y, yo + i + S.length());
            FloatVector ar = a0.blend(a1.reinterpretAsLongs().lanewise(VectorOperators.LSHL, 32).reinterpretAsFloats(),
                    IMAG_LANES);
            FloatVector ai = a1.blend(a0.reinterpretAsLongs().lanewise(VectorOperators.LSHR, 32).reinterpretAsFloats(),
                    REAL_LANES);
            FloatVector c = b0.blend(b1.reinterpretAsLongs().lanewise(VectorOperators.LSHL, 32).reinterpretAsFloats(),
                    IMAG_LANES);
            FloatVector d = b1.blend(b0.reinterpretAsLongs().lanewise(VectorOperators.LSHR, 32).reinterpretAsFloats(),
                    REAL_LANES);
            FloatVector ac = c.abs();
            FloatVector ad = d.abs();
            VectorMask<Float> big = ac.compare(VectorOperators.GE, ad);
            FloatVector p = d.blend(c, big);
            FloatVector q = c.blend(d, big);
            FloatVector rat = q.div(p);
            FloatVector scl = one.div(p.add(q.mul(rat)));
            FloatVector nar = ar.neg();
            // |c| >= |d|: (a + b rat) scl, (b + (-a) rat) scl; else (b + a rat) scl, ((-a) + b rat) scl
            FloatVector re = ai.blend(ar, big).add(ar.blend(ai, big).mul(rat)).mul(scl);
            FloatVector im = nar.blend(ai, big).add(ai.blend(nar, big).mul(rat)).mul(scl);
            if (p.compare(VectorOperators.EQ, 0f).anyTrue()) {
                VectorMask<Float> zero = ac.compare(VectorOperators.EQ, 0f).and(ad.compare(VectorOperators.EQ, 0f));
                if (zero.anyTrue()) {
                    re = re.blend(ar.div(ac), zero); // a zero divisor: a / |c|, b / |d|
                    im = im.blend(ai.div(ad), zero);
                }
            }
            re.blend(im.reinterpretAsLongs().lanewise(VectorOperators.LSHL, 32).reinterpretAsFloats(), IMAG_LANES)
                    .intoArray(o, oo + i);
            im.blend(re.reinterpretAsLongs().lanewise(VectorOperators.LSHR, 32).reinterpretAsFloats(), REAL_LANES)
                    .intoArray(o, oo + i + S.length());
        }
        return end;
    }

    @Override
    public int where(boolean[] c, int co, float[] x, int xo, int xs, float[] y, int yo, int ys, float[] o, int oo,
                     int n) {
        int bound = S.loopBound(n);
        if (xs == 1 && ys == 1) {
            for (int i = 0; i < bound; i += S.length()) {
                FloatVector.fromArray(S, y, yo + i).blend(FloatVector.fromArray(S, x, xo + i),
                        VectorMask.fromArray(S, c, co + i)).intoArray(o, oo + i);
            }
        } else if (xs == 1) {
            FloatVector other = FloatVector.broadcast(S, y[yo]);
            for (int i = 0; i < bound; i += S.length()) {
                other.blend(FloatVector.fromArray(S, x, xo + i), VectorMask.fromArray(S, c, co + i)).intoArray(o, oo + i);
            }
        } else {
            FloatVector value = FloatVector.broadcast(S, x[xo]);
            for (int i = 0; i < bound; i += S.length()) {
                FloatVector.fromArray(S, y, yo + i).blend(value, VectorMask.fromArray(S, c, co + i)).intoArray(o, oo + i);
            }
        }
        return bound;
    }

    @Override
    public int bfloat16ToFloats(short[] x, int xo, float[] o, int oo, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            ShortVector h = ShortVector.fromArray(HS, x, xo + i);
            ((IntVector) h.convertShape(VectorOperators.S2I, IS, 0)).lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats().intoArray(o, oo + i);
        }
        return bound;
    }

    @Override
    public boolean sqrt(boolean reciprocal, float[] x, int xo, float[] o, int oo, int n) {
        // the float square root is correctly rounded, as (float) Math.sqrt(x) is (a double holds more than twice a
        // float's digits, so its rounding does not double-round): the same bits; 1 / sqrt(x) as PyTorch's, a float
        // division of the rounded root
        int bound = S.loopBound(n);
        int i = 0;
        if (reciprocal) {
            FloatVector one = FloatVector.broadcast(S, 1f);
            for (; i < bound; i += S.length()) {
                one.div(FloatVector.fromArray(S, x, xo + i).sqrt()).intoArray(o, oo + i);
            }
            for (; i < n; i++) {
                o[oo + i] = 1f / (float) Math.sqrt(x[xo + i]);
            }
            return true;
        }
        for (; i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, xo + i).sqrt().intoArray(o, oo + i);
        }
        for (; i < n; i++) {
            o[oo + i] = (float) Math.sqrt(x[xo + i]);
        }
        return true;
    }

    @Override
    public void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int bound = S.loopBound(n);
        FloatVector av = FloatVector.broadcast(S, alpha);
        int i = 0;
        for (; i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, xo + i).fma(av, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = Math.fma(x[xo + i], alpha, y[yo + i]);
        }
    }

    @Override
    public boolean indicesInRange(long[] a, int off, int n, long bound) {
        long top = bound - 1;
        LongVector tops = LongVector.broadcast(LS, top);
        LongVector acc = LongVector.zero(LS);
        int vb = LS.loopBound(n);
        int i = 0;
        for (; i < vb; i += LS.length()) {
            LongVector v = LongVector.fromArray(LS, a, off + i);
            acc = acc.or(v).or(tops.sub(v));
        }
        long bits = acc.reduceLanes(VectorOperators.OR);
        for (; i < n; i++) {
            long v = a[off + i];
            bits |= v | (top - v);
        }
        return bits >= 0;
    }

    @Override
    public float dot(float[] x, int xo, float[] y, int yo, int n) {
        int step = S.length();
        int bound = n / (2 * step) * (2 * step);
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = FloatVector.zero(S);
        int i = 0;
        for (; i < bound; i += 2 * step) {
            s0 = FloatVector.fromArray(S, x, xo + i).fma(FloatVector.fromArray(S, y, yo + i), s0);
            s1 = FloatVector.fromArray(S, x, xo + i + step).fma(FloatVector.fromArray(S, y, yo + i + step), s1);
        }
        float sum = sumInOrder(s0.add(s1));
        for (; i < n; i++) {
            sum = Math.fma(x[xo + i], y[yo + i], sum);
        }
        return sum;
    }

    @Override
    public void dots1x4(float[] x, int xo, float[] b, int b0, int b1, int b2, int b3, int n, float[] out) {
        int step = S.length();
        int bound = n / (2 * step) * (2 * step);
        FloatVector s00 = FloatVector.zero(S);
        FloatVector s01 = s00;
        FloatVector s10 = s00;
        FloatVector s11 = s00;
        FloatVector s20 = s00;
        FloatVector s21 = s00;
        FloatVector s30 = s00;
        FloatVector s31 = s00;
        int i = 0;
        for (; i < bound; i += 2 * step) {
            FloatVector x0 = FloatVector.fromArray(S, x, xo + i);
            FloatVector x1 = FloatVector.fromArray(S, x, xo + i + step);
            s00 = x0.fma(FloatVector.fromArray(S, b, b0 + i), s00);
            s01 = x1.fma(FloatVector.fromArray(S, b, b0 + i + step), s01);
            s10 = x0.fma(FloatVector.fromArray(S, b, b1 + i), s10);
            s11 = x1.fma(FloatVector.fromArray(S, b, b1 + i + step), s11);
            s20 = x0.fma(FloatVector.fromArray(S, b, b2 + i), s20);
            s21 = x1.fma(FloatVector.fromArray(S, b, b2 + i + step), s21);
            s30 = x0.fma(FloatVector.fromArray(S, b, b3 + i), s30);
            s31 = x1.fma(FloatVector.fromArray(S, b, b3 + i + step), s31);
        }
        // dot's sumInOrder(s0 + s1) of each column, the four lane sums interleaved (independent chains)
        s00.add(s01).intoArray(out, 0);
        s10.add(s11).intoArray(out, step);
        s20.add(s21).intoArray(out, 2 * step);
        s30.add(s31).intoArray(out, 3 * step);
        float t0 = 0;
        float t1 = 0;
        float t2 = 0;
        float t3 = 0;
        for (int lane = 0; lane < step; lane++) {
            t0 += out[lane];
            t1 += out[step + lane];
            t2 += out[2 * step + lane];
            t3 += out[3 * step + lane];
        }
        for (; i < n; i++) {
            float xi = x[xo + i];
            t0 = Math.fma(xi, b[b0 + i], t0);
            t1 = Math.fma(xi, b[b1 + i], t1);
            t2 = Math.fma(xi, b[b2 + i], t2);
            t3 = Math.fma(xi, b[b3 + i], t3);
        }
        out[0] = t0;
        out[1] = t1;
        out[2] = t2;
        out[3] = t3;
    }

    @Override
    public int dots1x4Scratch() {
        return 4 * S.length();
    }

    @Override
    public int dots2x4Scratch() {
        return 8 * S.length();
    }

    @Override
    public void dots2x4(float[] a, int a0, int a1, float[] b, int b0, int b1, int b2, int b3, int n, float[] out) {
        int step = S.length();
        int bound = S.loopBound(n);
        FloatVector s00 = FloatVector.zero(S);
        FloatVector s01 = s00;
        FloatVector s02 = s00;
        FloatVector s03 = s00;
        FloatVector s10 = s00;
        FloatVector s11 = s00;
        FloatVector s12 = s00;
        FloatVector s13 = s00;
        int p = 0;
        for (; p < bound; p += step) {
            FloatVector x0 = FloatVector.fromArray(S, a, a0 + p);
            FloatVector x1 = FloatVector.fromArray(S, a, a1 + p);
            FloatVector y = FloatVector.fromArray(S, b, b0 + p);
            s00 = x0.fma(y, s00);
            s10 = x1.fma(y, s10);
            y = FloatVector.fromArray(S, b, b1 + p);
            s01 = x0.fma(y, s01);
            s11 = x1.fma(y, s11);
            y = FloatVector.fromArray(S, b, b2 + p);
            s02 = x0.fma(y, s02);
            s12 = x1.fma(y, s12);
            y = FloatVector.fromArray(S, b, b3 + p);
            s03 = x0.fma(y, s03);
            s13 = x1.fma(y, s13);
        }
        // each accumulator's lanes added first to last (sumInOrder's bits), the eight sums interleaved as independent
        // chains: one after another they were a 128-add dependent chain of lane extractions, which made a pass of
        // two rows take three times a one-row pass (RESULTS.md, session 39)
        s00.intoArray(out, 0);
        s01.intoArray(out, step);
        s02.intoArray(out, 2 * step);
        s03.intoArray(out, 3 * step);
        s10.intoArray(out, 4 * step);
        s11.intoArray(out, 5 * step);
        s12.intoArray(out, 6 * step);
        s13.intoArray(out, 7 * step);
        float t0 = 0;
        float t1 = 0;
        float t2 = 0;
        float t3 = 0;
        float t4 = 0;
        float t5 = 0;
        float t6 = 0;
        float t7 = 0;
        for (int lane = 0; lane < step; lane++) {
            t0 += out[lane];
            t1 += out[step + lane];
            t2 += out[2 * step + lane];
            t3 += out[3 * step + lane];
            t4 += out[4 * step + lane];
            t5 += out[5 * step + lane];
            t6 += out[6 * step + lane];
            t7 += out[7 * step + lane];
        }
        out[0] = t0;
        out[1] = t1;
        out[2] = t2;
        out[3] = t3;
        out[4] = t4;
        out[5] = t5;
        out[6] = t6;
        out[7] = t7;
        for (; p < n; p++) {
            float x0 = a[a0 + p];
            float x1 = a[a1 + p];
            out[0] = Math.fma(x0, b[b0 + p], out[0]);
            out[1] = Math.fma(x0, b[b1 + p], out[1]);
            out[2] = Math.fma(x0, b[b2 + p], out[2]);
            out[3] = Math.fma(x0, b[b3 + p], out[3]);
            out[4] = Math.fma(x1, b[b0 + p], out[4]);
            out[5] = Math.fma(x1, b[b1 + p], out[5]);
            out[6] = Math.fma(x1, b[b2 + p], out[6]);
            out[7] = Math.fma(x1, b[b3 + p], out[7]);
        }
    }

    @Override
    public void copy(float[] x, int xo, float[] y, int yo, int n) {
        int step = S.length();
        if (n >= step) {
            // whole vectors, the last one overlapping the one before (a copy may write an element twice): no
            // scalar tail, which for LeNet's 10-wide rows was most of the work
            for (int i = 0; i < n - step; i += step) {
                FloatVector.fromArray(S, x, xo + i).intoArray(y, yo + i);
            }
            FloatVector.fromArray(S, x, xo + n - step).intoArray(y, yo + n - step);
            return;
        }
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, xo + i).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = x[xo + i];
        }
    }

    @Override
    public void addTo(float[] x, int xo, float[] y, int yo, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += S.length()) {
            FloatVector.fromArray(S, y, yo + i).add(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += x[xo + i];
        }
    }

    @Override
    public void copyRuns(float[] x, int xo, int xs, float[] y, int yo, int ys, int runs, int len) {
        int step = S.length();
        if (len > step) {
            for (int r = 0; r < runs; r++) {
                copy(x, xo + r * xs, y, yo + r * ys, len);
            }
            return;
        }
        // one whole vector a run: its lanes past len land on the next run's places, written after it
        int xEnd = x.length - step;
        int yEnd = y.length - step;
        for (int r = 0; r < runs; r++) {
            int xi = xo + r * xs;
            int yi = yo + r * ys;
            if (xi <= xEnd && yi <= yEnd) {
                FloatVector.fromArray(S, x, xi).intoArray(y, yi);
            } else {
                for (int j = 0; j < len; j++) {
                    y[yi + j] = x[xi + j];
                }
            }
        }
    }

    /**
     * {@code x < 0 ? 0 : x} lane-wise, a compare and a blend: exact for -0 and NaN (kept), where the vectorized
     * {@code Math.max(x, 0)} turns -0 into +0.
     */
    @Override
    public boolean relu(float[] x, int xo, float[] o, int oo, int n) {
        int bound = S.loopBound(n);
        FloatVector zero = FloatVector.zero(S);
        int i = 0;
        for (; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            v.blend(zero, v.compare(VectorOperators.LT, zero)).intoArray(o, oo + i);
        }
        for (; i < n; i++) {
            o[oo + i] = ElementwiseKernels.relu(x[xo + i]);
        }
        return true;
    }

    @Override
    public void scale(float[] x, int xo, int n, float s) {
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, xo + i).mul(s).intoArray(x, xo + i);
        }
        for (; i < n; i++) {
            x[xo + i] *= s;
        }
    }

    @Override
    public float max(float[] x, int xo, int n) {
        return extreme(true, x, xo, n);
    }

    @Override
    public int firstBeyond(float[] x, int from, int to, float t, boolean above) {
        int i = from;
        int bound = to - (to - from) % S.length();
        for (; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            VectorMask<Float> m = above ? v.compare(VectorOperators.LE, t).not() : v.compare(VectorOperators.LT, t);
            if (m.anyTrue()) {
                return i + m.firstTrue();
            }
        }
        for (; i < to; i++) {
            if (above ? !(x[i] <= t) : x[i] < t) {
                return i;
            }
        }
        return to;
    }

    /*
     * Reductions. Each keeps several vector accumulators (a chain of dependent adds would wait on each add's latency)
     * and combines them, and then their lanes, in one fixed order: every operation is an exact IEEE operation lane by
     * lane, so the bits do not depend on the JIT tier. Floats widen to doubles as in {@link #widen}: the lower half
     * converted directly, the upper half after {@link #SWAP_HALVES} (or, in sumWidened and addWidened4, as the lower
     * half of a second load from half a vector on).
     */

    @Override
    public double sumWidened(float[] x, int xo, int n) {
        return sumWidened(x, xo, n, false);
    }

    @Override
    public double sumWidened(float[] x, int xo, int n, boolean swapHalves) {
        int step = 2 * S.length();
        int bound = n - n % step;
        DoubleVector a0 = DoubleVector.zero(DS);
        DoubleVector a1 = DoubleVector.zero(DS);
        DoubleVector a2 = DoubleVector.zero(DS);
        DoubleVector a3 = DoubleVector.zero(DS);
        int i = 0;
        // each accumulator's doubles from the lower half of a load of its own (from xo + i, + half, + 2 half,
        // + 3 half): the elements the loop below brings down with a cross-lane permute, into the same lanes, so the
        // same bits, with four loads and no permute a pass (rows of 512 floats in the second-level cache of a Zen 3
        // (AVX2): 1.35x). The last load reads half a vector past the pass: the passes where that would leave the
        // array take the permutes
        int half = DS.length();
        int fast = swapHalves ? 0 : Math.min(bound, Math.max(0, x.length - xo - 3 * half - S.length() + 1));
        fast -= fast % step;
        for (; i < fast; i += step) {
            int at = xo + i;
            a0 = a0.add(lowerWidened(x, at));
            a1 = a1.add(lowerWidened(x, at + half));
            a2 = a2.add(lowerWidened(x, at + 2 * half));
            a3 = a3.add(lowerWidened(x, at + 3 * half));
        }
        for (; i < bound; i += step) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector w = FloatVector.fromArray(S, x, xo + i + S.length());
            a0 = a0.add((DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0));
            a1 = a1.add((DoubleVector) v.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0));
            a2 = a2.add((DoubleVector) w.convertShape(VectorOperators.F2D, DS, 0));
            a3 = a3.add((DoubleVector) w.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0));
        }
        double total = bound == 0 ? 0 : sumInOrder(a0.add(a1).add(a2.add(a3)));
        for (; i < n; i++) {
            total += x[xo + i];
        }
        return total;
    }

    /** The lower half of the float vector at {@code x[at]} widened to doubles (exactly). */
    private static DoubleVector lowerWidened(float[] x, int at) {
        return (DoubleVector) FloatVector.fromArray(S, x, at).convertShape(VectorOperators.F2D, DS, 0);
    }

    /*
     * Sums of double rows (the normalization kernels' statistics): four vector accumulators over blocks of four vectors,
     * then whole vectors into the first, combined as (a0 + a1) + (a2 + a3), lanes first to last, then the scalar tail.
     */

    @Override
    public double sum(double[] a, int n) {
        return sumOf(a, null, n, 0, false);
    }

    @Override
    public double centredSquares(double[] a, int n, double mu) {
        return sumOf(a, null, n, mu, true);
    }

    @Override
    public double dot(double[] a, double[] b, int n) {
        return sumOf(a, b, n, 0, false);
    }

    /** {@code sum t(j)} with t(j) = a[j] b[j] (b given), (a[j] - mu)^2 ({@code centred}) or a[j]. */
    private static double sumOf(double[] a, double[] b, int n, double mu, boolean centred) {
        int len = DS.length();
        int bound4 = n - n % (4 * len);
        int bound = n - n % len;
        DoubleVector m = DoubleVector.broadcast(DS, mu);
        DoubleVector a0 = DoubleVector.zero(DS);
        DoubleVector a1 = a0;
        DoubleVector a2 = a0;
        DoubleVector a3 = a0;
        int i = 0;
        for (; i < bound4; i += 4 * len) {
            a0 = a0.add(term(a, b, i, m, centred));
            a1 = a1.add(term(a, b, i + len, m, centred));
            a2 = a2.add(term(a, b, i + 2 * len, m, centred));
            a3 = a3.add(term(a, b, i + 3 * len, m, centred));
        }
        for (; i < bound; i += len) {
            a0 = a0.add(term(a, b, i, m, centred));
        }
        double total = bound == 0 ? 0 : sumInOrder(a0.add(a1).add(a2.add(a3)));
        for (; i < n; i++) {
            double t = b != null ? a[i] * b[i] : centred ? (a[i] - mu) * (a[i] - mu) : a[i];
            total += t;
        }
        return total;
    }

    /** One vector of {@link #sumOf}'s terms from element {@code i}. */
    private static DoubleVector term(double[] a, double[] b, int i, DoubleVector mu, boolean centred) {
        DoubleVector v = DoubleVector.fromArray(DS, a, i);
        if (b != null) {
            return v.mul(DoubleVector.fromArray(DS, b, i));
        }
        if (centred) {
            DoubleVector d = v.sub(mu);
            return d.mul(d);
        }
        return v;
    }

    /** The lanes of {@code v} added first to last (see {@link #sumInOrder(FloatVector)}). */
    private static double sumInOrder(DoubleVector v) {
        double total = 0;
        for (int lane = 0; lane < DS.length(); lane++) {
            total += v.lane(lane);
        }
        return total;
    }

    @Override
    public float extreme(boolean max, float[] x, int xo, int n) {
        // Math.max and min are associative and commutative (NaN wins, -0 below +0), so any grouping gives the
        // sequential fold's value. Four accumulators, because Java's max is a sequence of instructions on x86 (the
        // NaN and signed-zero rules) whose latency two chains did not hide (11 floats/ns in the first-level cache
        // against 21 with four); max and min each written out, as an operator chosen at run time is not a constant
        // to the JIT (an OSR compilation of a loop over it ran the Java fallback, 1 float/ns)
        int len = S.length();
        int bound4 = n - n % (4 * len);
        int bound = n - n % len;
        float r = max ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
        FloatVector m0 = FloatVector.broadcast(S, r);
        FloatVector m1 = m0;
        FloatVector m2 = m0;
        FloatVector m3 = m0;
        int i = 0;
        if (max) {
            for (; i < bound4; i += 4 * len) {
                m0 = m0.max(FloatVector.fromArray(S, x, xo + i));
                m1 = m1.max(FloatVector.fromArray(S, x, xo + i + len));
                m2 = m2.max(FloatVector.fromArray(S, x, xo + i + 2 * len));
                m3 = m3.max(FloatVector.fromArray(S, x, xo + i + 3 * len));
            }
            for (; i < bound; i += len) {
                m0 = m0.max(FloatVector.fromArray(S, x, xo + i));
            }
            if (bound > 0) {
                r = m0.max(m1).max(m2.max(m3)).reduceLanes(VectorOperators.MAX);
            }
            for (; i < n; i++) {
                r = Math.max(r, x[xo + i]);
            }
            return r;
        }
        for (; i < bound4; i += 4 * len) {
            m0 = m0.min(FloatVector.fromArray(S, x, xo + i));
            m1 = m1.min(FloatVector.fromArray(S, x, xo + i + len));
            m2 = m2.min(FloatVector.fromArray(S, x, xo + i + 2 * len));
            m3 = m3.min(FloatVector.fromArray(S, x, xo + i + 3 * len));
        }
        for (; i < bound; i += len) {
            m0 = m0.min(FloatVector.fromArray(S, x, xo + i));
        }
        if (bound > 0) {
            r = m0.min(m1).min(m2.min(m3)).reduceLanes(VectorOperators.MIN);
        }
        for (; i < n; i++) {
            r = Math.min(r, x[xo + i]);
        }
        return r;
    }

    /** The key of +inf, the largest a non-NaN float has ({@link #extremeByKeys}). */
    private static final int KEY_POS_INF = 0x7F800000;
    /** The key of -inf, the smallest a non-NaN float has. */
    private static final int KEY_NEG_INF = 0xFF800000 ^ 0x7FFFFFFF;

    @Override
    public float extremeByKeys(boolean max, float[] x, int xo, int n) {
        // Float bits as signed ints, the lower 31 flipped where the sign is set: the float order (-inf < ... < -0 <
        // +0 < ... < +inf) is the ints' order, and the transform is its own inverse. Integer max and min are single
        // one-cycle instructions where Java's float max is a sequence of blends, compares and a max (its NaN and
        // signed-zero rules): over rows of 512 floats in the second-level cache of a Zen 5, 16 lanes, 1.8x the
        // floats a ns (8 lanes: 1.2x). Both the largest and the smallest key are kept: a NaN's key lies above
        // +inf's (sign clear) or below -inf's (sign set), and such a run goes to the float fold, which picks its NaN
        // as before. Otherwise the extreme key is one float's bits exactly: the fold's value, -0 and +0 apart.
        int len = S.length();
        int bound4 = n - n % (4 * len);
        int bound = n - n % len;
        IntVector hi0 = IntVector.broadcast(IS, Integer.MIN_VALUE);
        IntVector hi1 = hi0;
        IntVector hi2 = hi0;
        IntVector hi3 = hi0;
        IntVector lo0 = IntVector.broadcast(IS, Integer.MAX_VALUE);
        IntVector lo1 = lo0;
        IntVector lo2 = lo0;
        IntVector lo3 = lo0;
        int i = 0;
        for (; i < bound4; i += 4 * len) {
            IntVector k0 = floatKeys(x, xo + i);
            IntVector k1 = floatKeys(x, xo + i + len);
            IntVector k2 = floatKeys(x, xo + i + 2 * len);
            IntVector k3 = floatKeys(x, xo + i + 3 * len);
            hi0 = hi0.max(k0);
            hi1 = hi1.max(k1);
            hi2 = hi2.max(k2);
            hi3 = hi3.max(k3);
            lo0 = lo0.min(k0);
            lo1 = lo1.min(k1);
            lo2 = lo2.min(k2);
            lo3 = lo3.min(k3);
        }
        for (; i < bound; i += len) {
            IntVector k = floatKeys(x, xo + i);
            hi0 = hi0.max(k);
            lo0 = lo0.min(k);
        }
        float r = max ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
        if (bound > 0) {
            int hi = hi0.max(hi1).max(hi2.max(hi3)).reduceLanes(VectorOperators.MAX);
            int lo = lo0.min(lo1).min(lo2.min(lo3)).reduceLanes(VectorOperators.MIN);
            if (hi > KEY_POS_INF || lo < KEY_NEG_INF) {
                return extreme(max, x, xo, n);
            }
            int key = max ? hi : lo;
            r = Float.intBitsToFloat(key ^ ((key >> 31) >>> 1));
        }
        // the tail as the fold's tail: the same operations on the same value
        if (max) {
            for (; i < n; i++) {
                r = Math.max(r, x[xo + i]);
            }
        } else {
            for (; i < n; i++) {
                r = Math.min(r, x[xo + i]);
            }
        }
        return r;
    }

    /** The order-preserving keys of the floats at {@code x[at]} ({@link #extremeByKeys}). */
    private static IntVector floatKeys(float[] x, int at) {
        IntVector k = FloatVector.fromArray(S, x, at).reinterpretAsInts();
        return k.lanewise(VectorOperators.XOR, k.lanewise(VectorOperators.ASHR, 31).lanewise(VectorOperators.LSHR, 1));
    }

    @Override
    public double extreme(boolean max, double[] x, int xo, int n) {
        // as the float version
        int len = DS.length();
        int bound4 = n - n % (4 * len);
        int bound = n - n % len;
        double r = max ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        DoubleVector m0 = DoubleVector.broadcast(DS, r);
        DoubleVector m1 = m0;
        DoubleVector m2 = m0;
        DoubleVector m3 = m0;
        int i = 0;
        if (max) {
            for (; i < bound4; i += 4 * len) {
                m0 = m0.max(DoubleVector.fromArray(DS, x, xo + i));
                m1 = m1.max(DoubleVector.fromArray(DS, x, xo + i + len));
                m2 = m2.max(DoubleVector.fromArray(DS, x, xo + i + 2 * len));
                m3 = m3.max(DoubleVector.fromArray(DS, x, xo + i + 3 * len));
            }
            for (; i < bound; i += len) {
                m0 = m0.max(DoubleVector.fromArray(DS, x, xo + i));
            }
            if (bound > 0) {
                r = m0.max(m1).max(m2.max(m3)).reduceLanes(VectorOperators.MAX);
            }
            for (; i < n; i++) {
                r = Math.max(r, x[xo + i]);
            }
            return r;
        }
        for (; i < bound4; i += 4 * len) {
            m0 = m0.min(DoubleVector.fromArray(DS, x, xo + i));
            m1 = m1.min(DoubleVector.fromArray(DS, x, xo + i + len));
            m2 = m2.min(DoubleVector.fromArray(DS, x, xo + i + 2 * len));
            m3 = m3.min(DoubleVector.fromArray(DS, x, xo + i + 3 * len));
        }
        for (; i < bound; i += len) {
            m0 = m0.min(DoubleVector.fromArray(DS, x, xo + i));
        }
        if (bound > 0) {
            r = m0.min(m1).min(m2.min(m3)).reduceLanes(VectorOperators.MIN);
        }
        for (; i < n; i++) {
            r = Math.min(r, x[xo + i]);
        }
        return r;
    }

    @Override
    public void addWidened(float[] x, int xo, double[] acc, int n) {
        addWidenedAt(x, xo, acc, 0, n);
    }

    @Override
    public void addWidened4(float[] x, int o0, int o1, int o2, int o3, double[] acc, int n) {
        addWidened4(x, o0, o1, o2, o3, acc, n, false);
    }

    @Override
    public void addWidened4(float[] x, int o0, int o1, int o2, int o3, double[] acc, int n, boolean swapHalves) {
        int bound = S.loopBound(n);
        int half = DS.length();
        int i = 0;
        // as sumWidened: each half of the accumulators from the lower half of its own load, where the load from
        // the last row's position + half stays inside the array; the rest by the permute
        int last = Math.max(Math.max(o0, o1), Math.max(o2, o3));
        int fast = swapHalves ? 0 : Math.min(bound, Math.max(0, x.length - last - half - S.length() + 1));
        fast -= fast % S.length();
        for (; i < fast; i += S.length()) {
            DoubleVector lo = DoubleVector.fromArray(DS, acc, i);
            DoubleVector hi = DoubleVector.fromArray(DS, acc, i + half);
            lo = lo.add(lowerWidened(x, o0 + i));
            hi = hi.add(lowerWidened(x, o0 + i + half));
            lo = lo.add(lowerWidened(x, o1 + i));
            hi = hi.add(lowerWidened(x, o1 + i + half));
            lo = lo.add(lowerWidened(x, o2 + i));
            hi = hi.add(lowerWidened(x, o2 + i + half));
            lo = lo.add(lowerWidened(x, o3 + i));
            hi = hi.add(lowerWidened(x, o3 + i + half));
            lo.intoArray(acc, i);
            hi.intoArray(acc, i + half);
        }
        for (; i < bound; i += S.length()) {
            FloatVector v0 = FloatVector.fromArray(S, x, o0 + i);
            FloatVector v1 = FloatVector.fromArray(S, x, o1 + i);
            FloatVector v2 = FloatVector.fromArray(S, x, o2 + i);
            FloatVector v3 = FloatVector.fromArray(S, x, o3 + i);
            DoubleVector lo = DoubleVector.fromArray(DS, acc, i)
                    .add((DoubleVector) v0.convertShape(VectorOperators.F2D, DS, 0))
                    .add((DoubleVector) v1.convertShape(VectorOperators.F2D, DS, 0))
                    .add((DoubleVector) v2.convertShape(VectorOperators.F2D, DS, 0))
                    .add((DoubleVector) v3.convertShape(VectorOperators.F2D, DS, 0));
            lo.intoArray(acc, i);
            DoubleVector hi = DoubleVector.fromArray(DS, acc, i + half)
                    .add((DoubleVector) v0.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0))
                    .add((DoubleVector) v1.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0))
                    .add((DoubleVector) v2.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0))
                    .add((DoubleVector) v3.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0));
            hi.intoArray(acc, i + half);
        }
        for (; i < n; i++) {
            acc[i] = (((acc[i] + x[o0 + i]) + x[o1 + i]) + x[o2 + i]) + x[o3 + i];
        }
    }

    @Override
    public void addWidenedAt(float[] x, int xo, double[] acc, int ao, int n) {
        int bound = S.loopBound(n);
        int half = DS.length();
        int i = 0;
        for (; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            DoubleVector.fromArray(DS, acc, ao + i).add((DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0))
                    .intoArray(acc, ao + i);
            DoubleVector.fromArray(DS, acc, ao + i + half)
                    .add((DoubleVector) v.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0))
                    .intoArray(acc, ao + i + half);
        }
        for (; i < n; i++) {
            acc[ao + i] += x[xo + i];
        }
    }

    @Override
    public void addCentredSquaresAt(float[] x, int xo, double[] m, double[] acc, int ao, int n) {
        int bound = S.loopBound(n);
        int half = DS.length();
        int i = 0;
        for (; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            DoubleVector d0 = ((DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0))
                    .sub(DoubleVector.fromArray(DS, m, i));
            DoubleVector d1 = ((DoubleVector) v.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0))
                    .sub(DoubleVector.fromArray(DS, m, i + half));
            DoubleVector.fromArray(DS, acc, ao + i).add(d0.mul(d0)).intoArray(acc, ao + i);
            DoubleVector.fromArray(DS, acc, ao + i + half).add(d1.mul(d1)).intoArray(acc, ao + i + half);
        }
        for (; i < n; i++) {
            double d = x[xo + i] - m[i];
            acc[ao + i] += d * d;
        }
    }

    @Override
    public void affineRowNarrow(float[] x, int xo, double[] m, double[] scale, double[] shift, float[] o, int oo,
                                int n) {
        int bound = S.loopBound(n);
        int half = DS.length();
        int i = 0;
        for (; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            DoubleVector y0 = ((DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0))
                    .sub(DoubleVector.fromArray(DS, m, i)).mul(DoubleVector.fromArray(DS, scale, i))
                    .add(DoubleVector.fromArray(DS, shift, i));
            DoubleVector y1 = ((DoubleVector) v.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0))
                    .sub(DoubleVector.fromArray(DS, m, i + half)).mul(DoubleVector.fromArray(DS, scale, i + half))
                    .add(DoubleVector.fromArray(DS, shift, i + half));
            FloatVector low = (FloatVector) y0.convertShape(VectorOperators.D2F, S, 0);
            FloatVector high = (FloatVector) y1.convertShape(VectorOperators.D2F, S, 0);
            low.blend(high.rearrange(SWAP_HALVES), HIGH_HALF).intoArray(o, oo + i);
        }
        for (; i < n; i++) {
            o[oo + i] = (float) ((x[xo + i] - m[i]) * scale[i] + shift[i]);
        }
    }

    @Override
    public void mulAddScalar(boolean fused, float[] x, int xo, float a, float b, float[] o, int oo, int n) {
        FloatVector av = FloatVector.broadcast(S, a);
        FloatVector bv = FloatVector.broadcast(S, b);
        int step = S.length();
        int i = 0;
        for (; i <= n - 2 * step; i += 2 * step) {
            FloatVector v0 = FloatVector.fromArray(S, x, xo + i);
            FloatVector v1 = FloatVector.fromArray(S, x, xo + i + step);
            (fused ? v0.fma(av, bv) : v0.mul(av).add(bv)).intoArray(o, oo + i);
            (fused ? v1.fma(av, bv) : v1.mul(av).add(bv)).intoArray(o, oo + i + step);
        }
        for (; i <= n - step; i += step) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            (fused ? v.fma(av, bv) : v.mul(av).add(bv)).intoArray(o, oo + i);
        }
        for (; i < n; i++) {
            o[oo + i] = fused ? Math.fma(x[xo + i], a, b) : x[xo + i] * a + b;
        }
    }

    @Override
    public void mulAddRow(boolean fused, float[] x, int xo, float[] a, float[] b, float[] o, int oo, int n) {
        mulAddRows(fused, x, xo, a, b, o, oo, n, 1);
    }

    @Override
    public void mulAddRows(boolean fused, float[] x, int xo, float[] a, float[] b, float[] o, int oo, int n,
                           int rows) {
        int step = S.length();
        for (int r = 0; r < rows; r++) {
            int xr = xo + r * n;
            int or = oo + r * n;
            int i = 0;
            for (; i <= n - 2 * step; i += 2 * step) {
                FloatVector v0 = FloatVector.fromArray(S, x, xr + i);
                FloatVector a0 = FloatVector.fromArray(S, a, i);
                FloatVector b0 = FloatVector.fromArray(S, b, i);
                FloatVector v1 = FloatVector.fromArray(S, x, xr + i + step);
                FloatVector a1 = FloatVector.fromArray(S, a, i + step);
                FloatVector b1 = FloatVector.fromArray(S, b, i + step);
                (fused ? v0.fma(a0, b0) : v0.mul(a0).add(b0)).intoArray(o, or + i);
                (fused ? v1.fma(a1, b1) : v1.mul(a1).add(b1)).intoArray(o, or + i + step);
            }
            for (; i <= n - step; i += step) {
                FloatVector v = FloatVector.fromArray(S, x, xr + i);
                FloatVector av = FloatVector.fromArray(S, a, i);
                FloatVector bv = FloatVector.fromArray(S, b, i);
                (fused ? v.fma(av, bv) : v.mul(av).add(bv)).intoArray(o, or + i);
            }
            for (; i < n; i++) {
                o[or + i] = fused ? Math.fma(x[xr + i], a[i], b[i]) : x[xr + i] * a[i] + b[i];
            }
        }
    }

    @Override
    public void batchNormGradRun(boolean fused, boolean training, float[] x, int xo, float[] g, int go, float m,
                                 float k, float gm, float r, float w, float[] o, int oo, int n) {
        FloatVector mv = FloatVector.broadcast(S, m);
        FloatVector kv = FloatVector.broadcast(S, k);
        FloatVector gmv = FloatVector.broadcast(S, gm);
        FloatVector rv = FloatVector.broadcast(S, r);
        FloatVector wv = FloatVector.broadcast(S, w);
        int step = S.length();
        int i = 0;
        for (; i <= n - step; i += step) {
            FloatVector gv = FloatVector.fromArray(S, g, go + i);
            FloatVector t = gv;
            if (training) {
                FloatVector xm = FloatVector.fromArray(S, x, xo + i).sub(mv);
                FloatVector d = gv.sub(gmv);
                t = fused ? xm.neg().fma(kv, d) : d.sub(xm.mul(kv));
            }
            t.mul(rv).mul(wv).intoArray(o, oo + i);
        }
        for (; i < n; i++) {
            o[oo + i] = NormKernels.gradInput(fused, training, x[xo + i], g[go + i], m, k, gm, r, w);
        }
    }

    @Override
    public void batchNormGradRowFloat(boolean fused, boolean training, float[] x, int xo, float[] g, int go, float[] m,
                                      float[] k, float[] gm, float[] r, float[] w, float[] o, int oo, int n) {
        int step = S.length();
        int i = 0;
        for (; i <= n - step; i += step) {
            FloatVector gv = FloatVector.fromArray(S, g, go + i);
            FloatVector t = gv;
            if (training) {
                FloatVector xm = FloatVector.fromArray(S, x, xo + i).sub(FloatVector.fromArray(S, m, i));
                FloatVector d = gv.sub(FloatVector.fromArray(S, gm, i));
                FloatVector kv = FloatVector.fromArray(S, k, i);
                t = fused ? xm.neg().fma(kv, d) : d.sub(xm.mul(kv));
            }
            t.mul(FloatVector.fromArray(S, r, i)).mul(FloatVector.fromArray(S, w, i)).intoArray(o, oo + i);
        }
        for (; i < n; i++) {
            o[oo + i] = NormKernels.gradInput(fused, training, x[xo + i], g[go + i], m[i], k[i], gm[i], r[i], w[i]);
        }
    }

    @Override
    public void batchNormGradRowsFloat(boolean fused, boolean training, float[] x, int xo, float[] g, int go,
                                       float[] m, float[] k, float[] gm, float[] r, float[] w, float[] o, int oo,
                                       int n, int rows) {
        int step = S.length();
        int bound = S.loopBound(n);
        for (int row = 0; row < rows; row++) {
            int xr = xo + row * n;
            int gr = go + row * n;
            int or = oo + row * n;
            int i = 0;
            if (training) {
                for (; i < bound; i += step) {
                    FloatVector gv = FloatVector.fromArray(S, g, gr + i);
                    FloatVector xm = FloatVector.fromArray(S, x, xr + i).sub(FloatVector.fromArray(S, m, i));
                    FloatVector d = gv.sub(FloatVector.fromArray(S, gm, i));
                    FloatVector kv = FloatVector.fromArray(S, k, i);
                    FloatVector t = fused ? xm.neg().fma(kv, d) : d.sub(xm.mul(kv));
                    t.mul(FloatVector.fromArray(S, r, i)).mul(FloatVector.fromArray(S, w, i)).intoArray(o, or + i);
                }
            } else {
                for (; i < bound; i += step) {
                    FloatVector.fromArray(S, g, gr + i).mul(FloatVector.fromArray(S, r, i))
                            .mul(FloatVector.fromArray(S, w, i)).intoArray(o, or + i);
                }
            }
            for (; i < n; i++) {
                o[or + i] = NormKernels.gradInput(fused, training, x[xr + i], g[gr + i], m[i], k[i], gm[i], r[i], w[i]);
            }
        }
    }

    @Override
    public void batchNormGradSums(float[] x, int xo, float[] g, int go, double[] m, double[] r, double[] sumDy,
                                  double[] sumDyXhat, int n) {
        int bound = S.loopBound(n);
        int half = DS.length();
        int i = 0;
        for (; i < bound; i += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector gv = FloatVector.fromArray(S, g, go + i);
            gradSumsHalf((DoubleVector) xv.convertShape(VectorOperators.F2D, DS, 0),
                    (DoubleVector) gv.convertShape(VectorOperators.F2D, DS, 0), m, r, sumDy, sumDyXhat, i);
            gradSumsHalf((DoubleVector) xv.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0),
                    (DoubleVector) gv.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0), m, r, sumDy,
                    sumDyXhat, i + half);
        }
        for (; i < n; i++) {
            double d = g[go + i];
            sumDy[i] += d;
            sumDyXhat[i] += d * (x[xo + i] - m[i]) * r[i];
        }
    }

    /** One half of {@link #batchNormGradSums}'s vector: lanes {@code j} onwards. */
    private static void gradSumsHalf(DoubleVector xd, DoubleVector gd, double[] m, double[] r, double[] sumDy,
                                     double[] sumDyXhat, int j) {
        DoubleVector.fromArray(DS, sumDy, j).add(gd).intoArray(sumDy, j);
        DoubleVector.fromArray(DS, sumDyXhat, j)
                .add(gd.mul(xd.sub(DoubleVector.fromArray(DS, m, j))).mul(DoubleVector.fromArray(DS, r, j)))
                .intoArray(sumDyXhat, j);
    }

    @Override
    public void batchNormGradSumsAt(float[] x, int xo, float[] g, int go, double[] m, double[] r, double[] acc, int ao,
                                    int n) {
        // both sums in one array (two arrays 4 KiB apart alias in the store buffer)
        int bo = ao + n;
        int bound = S.loopBound(n);
        int half = DS.length();
        int i = 0;
        for (; i < bound; i += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector gv = FloatVector.fromArray(S, g, go + i);
            gradSumsHalfAt((DoubleVector) xv.convertShape(VectorOperators.F2D, DS, 0),
                    (DoubleVector) gv.convertShape(VectorOperators.F2D, DS, 0), m, r, acc, i, ao + i, bo + i);
            gradSumsHalfAt((DoubleVector) xv.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0),
                    (DoubleVector) gv.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0), m, r, acc,
                    i + half, ao + i + half, bo + i + half);
        }
        for (; i < n; i++) {
            double d = g[go + i];
            acc[ao + i] += d;
            acc[bo + i] += d * (x[xo + i] - m[i]) * r[i];
        }
    }

    @Override
    public void batchNormGradSumsLanes(float[] x, int xo, float[] g, int go, int stride, int k0, int k1, double[] m,
                                       double[] r, double[] acc, int n) {
        int bound = S.loopBound(n);
        int half = DS.length();
        for (int k = k0; k < k1; k++) {
            int xr = xo + (k - k0) * stride;
            int gr = go + (k - k0) * stride;
            int ao = (k & 7) * 2 * n;
            int bo = ao + n;
            int i = 0;
            for (; i < bound; i += S.length()) {
                FloatVector xv = FloatVector.fromArray(S, x, xr + i);
                FloatVector gv = FloatVector.fromArray(S, g, gr + i);
                gradSumsHalfAt((DoubleVector) xv.convertShape(VectorOperators.F2D, DS, 0),
                        (DoubleVector) gv.convertShape(VectorOperators.F2D, DS, 0), m, r, acc, i, ao + i, bo + i);
                gradSumsHalfAt((DoubleVector) xv.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0),
                        (DoubleVector) gv.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0), m, r, acc,
                        i + half, ao + i + half, bo + i + half);
            }
            for (; i < n; i++) {
                double d = g[gr + i];
                acc[ao + i] += d;
                acc[bo + i] += d * (x[xr + i] - m[i]) * r[i];
            }
        }
    }

    @Override
    public void addWidenedLanes(float[] x, int xo, int stride, int k0, int k1, double[] acc, int n) {
        int bound = S.loopBound(n);
        int half = DS.length();
        for (int k = k0; k < k1; k++) {
            int xr = xo + (k - k0) * stride;
            int ao = (k & 7) * n;
            int i = 0;
            for (; i < bound; i += S.length()) {
                FloatVector v = FloatVector.fromArray(S, x, xr + i);
                DoubleVector.fromArray(DS, acc, ao + i).add((DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0))
                        .intoArray(acc, ao + i);
                DoubleVector.fromArray(DS, acc, ao + i + half)
                        .add((DoubleVector) v.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0))
                        .intoArray(acc, ao + i + half);
            }
            for (; i < n; i++) {
                acc[ao + i] += x[xr + i];
            }
        }
    }

    @Override
    public void addCentredSquaresLanes(float[] x, int xo, int stride, int k0, int k1, double[] m, double[] acc,
                                       int n) {
        int bound = S.loopBound(n);
        int half = DS.length();
        for (int k = k0; k < k1; k++) {
            int xr = xo + (k - k0) * stride;
            int ao = (k & 7) * n;
            int i = 0;
            for (; i < bound; i += S.length()) {
                FloatVector v = FloatVector.fromArray(S, x, xr + i);
                DoubleVector d0 = ((DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0))
                        .sub(DoubleVector.fromArray(DS, m, i));
                DoubleVector d1 = ((DoubleVector) v.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0))
                        .sub(DoubleVector.fromArray(DS, m, i + half));
                DoubleVector.fromArray(DS, acc, ao + i).add(d0.mul(d0)).intoArray(acc, ao + i);
                DoubleVector.fromArray(DS, acc, ao + i + half).add(d1.mul(d1)).intoArray(acc, ao + i + half);
            }
            for (; i < n; i++) {
                double d = x[xr + i] - m[i];
                acc[ao + i] += d * d;
            }
        }
    }

    /** {@link #gradSumsHalf} with the sums in one array: sum(dy) at {@code a}, sum(dy * xhat) at {@code b}. */
    private static void gradSumsHalfAt(DoubleVector xd, DoubleVector gd, double[] m, double[] r, double[] acc, int j,
                                       int a, int b) {
        DoubleVector.fromArray(DS, acc, a).add(gd).intoArray(acc, a);
        DoubleVector.fromArray(DS, acc, b)
                .add(gd.mul(xd.sub(DoubleVector.fromArray(DS, m, j))).mul(DoubleVector.fromArray(DS, r, j)))
                .intoArray(acc, b);
    }

    /**
     * How many of {@code groups} groups of eight from {@code xo} can take their upper half from a second full load 4
     * further on inside an array of {@code length}: group i reads up to {@code xo + 8 i + 12}.
     */
    private static int eightLaneLoads(int length, int xo, int groups) {
        return length - xo < 12 ? 0 : Math.min(groups, (length - xo - 12) / 8 + 1);
    }

    @Override
    public void addEightLanes(float[] x, int xo, int groups, double[] acc) {
        if (S.length() != 8) {
            for (int i = 0; i < groups * 8; i++) {
                acc[i & 7] += x[xo + i];
            }
            return;
        }
        // lanes 0-3 from the vector's lower half, 4-7 from its upper half: one add per lane and group, in order
        DoubleVector lo = DoubleVector.fromArray(DS, acc, 0);
        DoubleVector hi = DoubleVector.fromArray(DS, acc, 4);
        // the upper half from the lower half of a second load 4 further on (no permute) while it stays in the array
        int fast = eightLaneLoads(x.length, xo, groups);
        int i = 0;
        for (; i < fast; i++) {
            lo = lo.add(lowerWidened(x, xo + 8 * i));
            hi = hi.add(lowerWidened(x, xo + 8 * i + 4));
        }
        for (; i < groups; i++) {
            FloatVector v = FloatVector.fromArray(S, x, xo + 8 * i);
            lo = lo.add((DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0));
            hi = hi.add((DoubleVector) v.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0));
        }
        lo.intoArray(acc, 0);
        hi.intoArray(acc, 4);
    }

    @Override
    public void addSquareEightLanes(float[] x, int xo, int groups, double m, double[] acc) {
        if (S.length() != 8) {
            for (int i = 0; i < groups * 8; i++) {
                double d = x[xo + i] - m;
                acc[i & 7] += d * d;
            }
            return;
        }
        DoubleVector mv = DoubleVector.broadcast(DS, m);
        DoubleVector lo = DoubleVector.fromArray(DS, acc, 0);
        DoubleVector hi = DoubleVector.fromArray(DS, acc, 4);
        int fast = eightLaneLoads(x.length, xo, groups);
        int i = 0;
        for (; i < fast; i++) {
            DoubleVector d0 = lowerWidened(x, xo + 8 * i).sub(mv);
            DoubleVector d1 = lowerWidened(x, xo + 8 * i + 4).sub(mv);
            lo = lo.add(d0.mul(d0));
            hi = hi.add(d1.mul(d1));
        }
        for (; i < groups; i++) {
            FloatVector v = FloatVector.fromArray(S, x, xo + 8 * i);
            DoubleVector d0 = ((DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0)).sub(mv);
            DoubleVector d1 = ((DoubleVector) v.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0))
                    .sub(mv);
            lo = lo.add(d0.mul(d0));
            hi = hi.add(d1.mul(d1));
        }
        lo.intoArray(acc, 0);
        hi.intoArray(acc, 4);
    }

    @Override
    public void gradSumEightLanes(float[] x, int xo, float[] g, int go, int groups, double m, double r,
                                  double[] acc) {
        if (S.length() != 8) {
            for (int i = 0; i < groups * 8; i++) {
                double d = g[go + i];
                acc[i & 7] += d;
                acc[8 + (i & 7)] += d * (x[xo + i] - m) * r;
            }
            return;
        }
        DoubleVector mv = DoubleVector.broadcast(DS, m);
        DoubleVector rv = DoubleVector.broadcast(DS, r);
        DoubleVector s0 = DoubleVector.fromArray(DS, acc, 0);
        DoubleVector s1 = DoubleVector.fromArray(DS, acc, 4);
        DoubleVector t0 = DoubleVector.fromArray(DS, acc, 8);
        DoubleVector t1 = DoubleVector.fromArray(DS, acc, 12);
        int fast = Math.min(eightLaneLoads(x.length, xo, groups), eightLaneLoads(g.length, go, groups));
        int i = 0;
        for (; i < fast; i++) {
            DoubleVector g0 = lowerWidened(g, go + 8 * i);
            DoubleVector g1 = lowerWidened(g, go + 8 * i + 4);
            DoubleVector x0 = lowerWidened(x, xo + 8 * i);
            DoubleVector x1 = lowerWidened(x, xo + 8 * i + 4);
            s0 = s0.add(g0);
            s1 = s1.add(g1);
            t0 = t0.add(g0.mul(x0.sub(mv)).mul(rv));
            t1 = t1.add(g1.mul(x1.sub(mv)).mul(rv));
        }
        for (; i < groups; i++) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + 8 * i);
            FloatVector gv = FloatVector.fromArray(S, g, go + 8 * i);
            DoubleVector g0 = (DoubleVector) gv.convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector g1 = (DoubleVector) gv.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector x0 = (DoubleVector) xv.convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector x1 = (DoubleVector) xv.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0);
            s0 = s0.add(g0);
            s1 = s1.add(g1);
            t0 = t0.add(g0.mul(x0.sub(mv)).mul(rv));
            t1 = t1.add(g1.mul(x1.sub(mv)).mul(rv));
        }
        s0.intoArray(acc, 0);
        s1.intoArray(acc, 4);
        t0.intoArray(acc, 8);
        t1.intoArray(acc, 12);
    }

    @Override
    public void batchNormGradRow(float[] x, int xo, float[] g, int go, double[] m, double[] r, double[] m1,
                                 double[] m2, double[] scale, float[] o, int oo, int n) {
        int bound = S.loopBound(n);
        int half = DS.length();
        int i = 0;
        for (; i < bound; i += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector gv = FloatVector.fromArray(S, g, go + i);
            FloatVector low = gradRowHalf((DoubleVector) xv.convertShape(VectorOperators.F2D, DS, 0),
                    (DoubleVector) gv.convertShape(VectorOperators.F2D, DS, 0), m, r, m1, m2, scale, i);
            FloatVector high = gradRowHalf(
                    (DoubleVector) xv.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0),
                    (DoubleVector) gv.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0), m, r, m1, m2,
                    scale, i + half);
            low.blend(high.rearrange(SWAP_HALVES), HIGH_HALF).intoArray(o, oo + i);
        }
        for (; i < n; i++) {
            double xhat = (x[xo + i] - m[i]) * r[i];
            o[oo + i] = (float) ((g[go + i] - m1[i] - xhat * m2[i]) * scale[i]);
        }
    }

    /** One half of {@link #batchNormGradRow}'s vector (lanes {@code j} onwards), narrowed into the low lanes. */
    private static FloatVector gradRowHalf(DoubleVector xd, DoubleVector gd, double[] m, double[] r, double[] m1,
                                           double[] m2, double[] scale, int j) {
        DoubleVector xhat = xd.sub(DoubleVector.fromArray(DS, m, j)).mul(DoubleVector.fromArray(DS, r, j));
        DoubleVector y = gd.sub(DoubleVector.fromArray(DS, m1, j)).sub(xhat.mul(DoubleVector.fromArray(DS, m2, j)))
                .mul(DoubleVector.fromArray(DS, scale, j));
        return (FloatVector) y.convertShape(VectorOperators.D2F, S, 0);
    }

    @Override
    public void addTo(double[] x, int xo, double[] acc, int n) {
        int bound = DS.loopBound(n);
        int i = 0;
        for (; i < bound; i += DS.length()) {
            DoubleVector.fromArray(DS, acc, i).add(DoubleVector.fromArray(DS, x, xo + i)).intoArray(acc, i);
        }
        for (; i < n; i++) {
            acc[i] += x[xo + i];
        }
    }

    @Override
    public void extremeInto(boolean max, float[] x, int xo, double[] acc, int n) {
        int bound = S.loopBound(n);
        int half = DS.length();
        int i = 0;
        if (max) {
            for (; i < bound; i += S.length()) {
                FloatVector v = FloatVector.fromArray(S, x, xo + i);
                DoubleVector.fromArray(DS, acc, i).max((DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0))
                        .intoArray(acc, i);
                DoubleVector.fromArray(DS, acc, i + half)
                        .max((DoubleVector) v.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0))
                        .intoArray(acc, i + half);
            }
            for (; i < n; i++) {
                acc[i] = Math.max(acc[i], x[xo + i]);
            }
            return;
        }
        for (; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            DoubleVector.fromArray(DS, acc, i).min((DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0))
                    .intoArray(acc, i);
            DoubleVector.fromArray(DS, acc, i + half)
                    .min((DoubleVector) v.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0))
                    .intoArray(acc, i + half);
        }
        for (; i < n; i++) {
            acc[i] = Math.min(acc[i], x[xo + i]);
        }
    }

    @Override
    public void extremeIntoFloats(boolean max, float[] x, int xo, float[] acc, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        // max and min written out, so the operator is a constant to the JIT (as in extreme)
        if (max) {
            for (; i < bound; i += S.length()) {
                FloatVector.fromArray(S, acc, i).max(FloatVector.fromArray(S, x, xo + i)).intoArray(acc, i);
            }
            for (; i < n; i++) {
                acc[i] = Math.max(acc[i], x[xo + i]);
            }
            return;
        }
        for (; i < bound; i += S.length()) {
            FloatVector.fromArray(S, acc, i).min(FloatVector.fromArray(S, x, xo + i)).intoArray(acc, i);
        }
        for (; i < n; i++) {
            acc[i] = Math.min(acc[i], x[xo + i]);
        }
    }

    @Override
    public void extremeIntoFloats4(boolean max, float[] x, int o0, int o1, int o2, int o3, float[] acc, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        // max and min written out, so the operator is a constant to the JIT (as in extreme)
        if (max) {
            for (; i < bound; i += S.length()) {
                FloatVector.fromArray(S, acc, i).max(FloatVector.fromArray(S, x, o0 + i))
                        .max(FloatVector.fromArray(S, x, o1 + i)).max(FloatVector.fromArray(S, x, o2 + i))
                        .max(FloatVector.fromArray(S, x, o3 + i)).intoArray(acc, i);
            }
            for (; i < n; i++) {
                acc[i] = Math.max(Math.max(Math.max(Math.max(acc[i], x[o0 + i]), x[o1 + i]), x[o2 + i]), x[o3 + i]);
            }
            return;
        }
        for (; i < bound; i += S.length()) {
            FloatVector.fromArray(S, acc, i).min(FloatVector.fromArray(S, x, o0 + i))
                    .min(FloatVector.fromArray(S, x, o1 + i)).min(FloatVector.fromArray(S, x, o2 + i))
                    .min(FloatVector.fromArray(S, x, o3 + i)).intoArray(acc, i);
        }
        for (; i < n; i++) {
            acc[i] = Math.min(Math.min(Math.min(Math.min(acc[i], x[o0 + i]), x[o1 + i]), x[o2 + i]), x[o3 + i]);
        }
    }

    @Override
    public void argExtremeInto(boolean max, float[] x, int xo, float[] best, float[] position, float at, int n) {
        int bound = S.loopBound(n);
        FloatVector here = FloatVector.broadcast(S, at);
        int i = 0;
        // max and min written out, so the comparison is a constant to the JIT (as in extreme)
        if (max) {
            for (; i < bound; i += S.length()) {
                FloatVector v = FloatVector.fromArray(S, x, xo + i);
                FloatVector b = FloatVector.fromArray(S, best, i);
                VectorMask<Float> m = b.compare(VectorOperators.EQ, b)
                        .and(v.compare(VectorOperators.GT, b).or(v.compare(VectorOperators.NE, v)));
                b.blend(v, m).intoArray(best, i);
                FloatVector.fromArray(S, position, i).blend(here, m).intoArray(position, i);
            }
        } else {
            for (; i < bound; i += S.length()) {
                FloatVector v = FloatVector.fromArray(S, x, xo + i);
                FloatVector b = FloatVector.fromArray(S, best, i);
                VectorMask<Float> m = b.compare(VectorOperators.EQ, b)
                        .and(v.compare(VectorOperators.LT, b).or(v.compare(VectorOperators.NE, v)));
                b.blend(v, m).intoArray(best, i);
                FloatVector.fromArray(S, position, i).blend(here, m).intoArray(position, i);
            }
        }
        for (; i < n; i++) {
            float v = x[xo + i];
            float b = best[i];
            if (b == b && ((max ? v > b : v < b) || v != v)) {
                best[i] = v;
                position[i] = at;
            }
        }
    }

    @Override
    public void extremeInto(boolean max, double[] x, int xo, double[] acc, int n) {
        int bound = DS.loopBound(n);
        int i = 0;
        if (max) {
            for (; i < bound; i += DS.length()) {
                DoubleVector.fromArray(DS, acc, i).max(DoubleVector.fromArray(DS, x, xo + i)).intoArray(acc, i);
            }
            for (; i < n; i++) {
                acc[i] = Math.max(acc[i], x[xo + i]);
            }
            return;
        }
        for (; i < bound; i += DS.length()) {
            DoubleVector.fromArray(DS, acc, i).min(DoubleVector.fromArray(DS, x, xo + i)).intoArray(acc, i);
        }
        for (; i < n; i++) {
            acc[i] = Math.min(acc[i], x[xo + i]);
        }
    }

    /**
     * {@inheritDoc} {@link #exp(FloatVector)} and {@link #sumInOrder} are written out here, not called: that makes this
     * method more bytecode than C2 inlines into a hot caller, so it stays a compile root of its own. Inlined into
     * {@code AttentionKernels.forwardFloat} (session 60), its vectors passed C2's node budget for that method
     * (NodeCountInliningCutoff), and their operations ran the Vector API's Java fallbacks: 1.4 MB of arrays a call of
     * the op sweep's causal attention. The same operations in the same order as {@link #exp(FloatVector)}.
     */
    @Override
    public float expSum(float[] x, int xo, int n, float scale, float shift) {
        int bound = S.loopBound(n);
        int i = 0;
        FloatVector sum = FloatVector.zero(S);
        float[] c = ElementwiseKernels.EXP_P;
        for (; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i).fma(scale, -shift);
            FloatVector t = v.fma(ElementwiseKernels.EXP_LOG2E, ElementwiseKernels.EXP_ROUND);
            FloatVector nv = t.sub(ElementwiseKernels.EXP_ROUND);
            FloatVector r = nv.fma(FloatVector.broadcast(S, -ElementwiseKernels.EXP_LN2_HI), v);
            r = nv.fma(FloatVector.broadcast(S, -ElementwiseKernels.EXP_LN2_LO), r);
            FloatVector p = FloatVector.broadcast(S, c[0]).fma(r, FloatVector.broadcast(S, c[1]))
                    .fma(r, FloatVector.broadcast(S, c[2])).fma(r, FloatVector.broadcast(S, c[3]))
                    .fma(r, FloatVector.broadcast(S, c[4])).fma(r, FloatVector.broadcast(S, c[5]));
            FloatVector y = p.fma(r.mul(r), r).add(1f);
            IntVector ev = t.reinterpretAsInts().sub(Float.floatToRawIntBits(ElementwiseKernels.EXP_ROUND));
            FloatVector scaled = y.mul(ev.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            FloatVector tiny = y.mul(ev.add(127 + 64).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .mul(0x1p-64f);
            FloatVector e = scaled.blend(tiny, v.compare(VectorOperators.LT, ElementwiseKernels.EXP_MIN))
                    .blend(0f, v.compare(VectorOperators.LT, ElementwiseKernels.EXP_ZERO));
            e.intoArray(x, xo + i);
            sum = sum.add(e);
        }
        float total = 0;
        for (int lane = 0; lane < S.length(); lane++) {
            total += sum.lane(lane);
        }
        for (; i < n; i++) {
            float e = ElementwiseKernels.expFloat(Math.fma(x[xo + i], scale, -shift));
            x[xo + i] = e;
            total += e;
        }
        return total;
    }

    /**
     * The lanes of {@code v} added first to last: {@code reduceLanes(ADD)} may add them in another order once compiled
     * than interpreted, and a float sum depends on the order, so results would depend on the JIT's timing.
     */
    private static float sumInOrder(FloatVector v) {
        float total = 0;
        for (int lane = 0; lane < S.length(); lane++) {
            total += v.lane(lane);
        }
        return total;
    }

    /** {@link ElementwiseKernels#expFloat} lane-wise, operation for operation (so the same bits in every JIT tier). */
    private static FloatVector exp(FloatVector x) {
        FloatVector t = x.fma(ElementwiseKernels.EXP_LOG2E, ElementwiseKernels.EXP_ROUND);
        FloatVector n = t.sub(ElementwiseKernels.EXP_ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(S, -ElementwiseKernels.EXP_LN2_HI), x);
        r = n.fma(FloatVector.broadcast(S, -ElementwiseKernels.EXP_LN2_LO), r);
        // the polynomial written out: a loop carrying a vector through its iterations keeps JDK 17's C2 from
        // intrinsifying what follows (7.7 against 1.25 ms for GELU over 2M floats), so it runs the Java fallback
        float[] c = ElementwiseKernels.EXP_P;
        FloatVector p = FloatVector.broadcast(S, c[0]).fma(r, FloatVector.broadcast(S, c[1]))
                .fma(r, FloatVector.broadcast(S, c[2])).fma(r, FloatVector.broadcast(S, c[3]))
                .fma(r, FloatVector.broadcast(S, c[4])).fma(r, FloatVector.broadcast(S, c[5]));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        IntVector e = t.reinterpretAsInts().sub(Float.floatToRawIntBits(ElementwiseKernels.EXP_ROUND));
        FloatVector scaled = y.mul(e.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
        FloatVector tiny = y.mul(e.add(127 + 64).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats()).mul(0x1p-64f);
        return scaled.blend(tiny, x.compare(VectorOperators.LT, ElementwiseKernels.EXP_MIN))
                .blend(0f, x.compare(VectorOperators.LT, ElementwiseKernels.EXP_ZERO));
    }

    /**
     * Abramowitz and Stegun's erf lane-wise, as {@link ElementwiseKernels#erfApprox}, given {@code e = exp(-(a * a))}
     * (GELU's backward uses it again).
     */
    private static FloatVector erf(FloatVector a, FloatVector e) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector abs = a.abs();
        FloatVector t = one.div(abs.fma(ElementwiseKernels.ERF_P, 1f));
        FloatVector r = t.fma(ElementwiseKernels.ERF_A5, ElementwiseKernels.ERF_A4).fma(t, FloatVector.broadcast(S,
                ElementwiseKernels.ERF_A3)).fma(t, FloatVector.broadcast(S, ElementwiseKernels.ERF_A2)).fma(t,
                FloatVector.broadcast(S, ElementwiseKernels.ERF_A1));
        FloatVector y = e.mul(t).neg().fma(r, one);
        // copy the sign of a: y is positive (or NaN, which the sign does not change into a number)
        IntVector sign = a.reinterpretAsInts().and(Integer.MIN_VALUE);
        return y.reinterpretAsInts().or(sign).reinterpretAsFloats();
    }

    /*
     * exp, sigmoid and tanh compute in double and round once to float (the scalar forms' bits), over blocks of
     * widened values in passes: widen, the function on doubles, round back. Each pass is a loop over arrays, so a pass
     * C2 does not inline is a plain call; within a pass every vector operation is written out (the Vector API's own
     * methods are force-inlined past C2's NodeCountInliningCutoff, a helper of ours is not, and a vector helper left
     * as a call runs the Java fallback). The two function passes are over 325 bytes of bytecode, so C2 compiles each
     * on its own rather than into a caller whose inlining budget it could exhaust.
     */

    /** Floats per block of the widened passes: their doubles (4 KiB) stay in the first-level cache. */
    private static final int WIDE_BLOCK = 512;
    private static final ThreadLocal<double[]> WIDE = ThreadLocal.withInitial(() -> new double[WIDE_BLOCK]);

    @Override
    public void widen(float[] x, int xo, double[] d, int n) {
        int m = S.loopBound(n);
        widenVectors(x, xo, d, m);
        for (int i = m; i < n; i++) {
            d[i] = x[xo + i];
        }
    }

    @Override
    public void narrow(double[] d, float[] o, int oo, int n) {
        int m = S.loopBound(n);
        narrowVectors(d, o, oo, m);
        for (int i = m; i < n; i++) {
            o[oo + i] = (float) d[i];
        }
    }

    @Override
    public void normBackwardRow(float[] x, int xo, float[] g, int go, double[] w, double mu, double r, double[] xh,
                                double[] dh, double[] accW, double[] accB, int n) {
        int m = S.loopBound(n);
        int half = DS.length();
        DoubleVector mv = DoubleVector.broadcast(DS, mu);
        DoubleVector rv = DoubleVector.broadcast(DS, r);
        for (int j = 0; j < m; j += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + j);
            FloatVector gv = FloatVector.fromArray(S, g, go + j);
            normBackwardHalf((DoubleVector) xv.convertShape(VectorOperators.F2D, DS, 0),
                    (DoubleVector) gv.convertShape(VectorOperators.F2D, DS, 0), mv, rv, w, xh, dh, accW, accB, j);
            normBackwardHalf((DoubleVector) xv.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0),
                    (DoubleVector) gv.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0), mv, rv, w, xh,
                    dh, accW, accB, j + half);
        }
        for (int j = m; j < n; j++) {
            double gj = g[go + j];
            double h = (x[xo + j] - mu) * r;
            xh[j] = h;
            dh[j] = gj * w[j];
            accW[j] += gj * h;
            accB[j] += gj;
        }
    }

    /** {@link #normBackwardRow} for the doubles of one half vector at element {@code j}. */
    private static void normBackwardHalf(DoubleVector xd, DoubleVector gd, DoubleVector mu, DoubleVector r, double[] w,
                                         double[] xh, double[] dh, double[] accW, double[] accB, int j) {
        DoubleVector h = xd.sub(mu).mul(r);
        h.intoArray(xh, j);
        gd.mul(DoubleVector.fromArray(DS, w, j)).intoArray(dh, j);
        DoubleVector.fromArray(DS, accW, j).add(gd.mul(h)).intoArray(accW, j);
        DoubleVector.fromArray(DS, accB, j).add(gd).intoArray(accB, j);
    }

    @Override
    public void clamp(float[] x, int xo, float lo, float hi, float[] o, int oo, int n) {
        FloatVector lov = FloatVector.broadcast(S, lo);
        FloatVector hiv = FloatVector.broadcast(S, hi);
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            // compares and blends, not lanewise MAX/MIN (Math.max's order puts -0 below 0; the kernel keeps ties)
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            v = v.blend(lov, v.lt(lov));
            v.blend(hiv, v.compare(VectorOperators.GT, hiv)).intoArray(o, oo + i);
        }
        for (int i = bound; i < n; i++) {
            float v = x[xo + i];
            v = v < lo ? lo : v;
            o[oo + i] = v > hi ? hi : v;
        }
    }

    @Override
    public boolean rowMoments(float[] x, int xo, int n, int lanes, boolean fused, float[] stk1, float[] stk2,
                              long[] cnt, float[] chunk, float[] res) {
        int group = S.length() / lanes;
        if (fused || S.length() % lanes != 0 || group > 2) {
            return false; // only the unfused order of 1.13's statistics runs here
        }
        int chunkSize = NormKernels.MOMENTS_CHUNK;
        int vectors = n / lanes;
        int chunks = (vectors + chunkSize - 1) / chunkSize;
        int depth = NormKernels.momentsDepth(chunks);
        NormKernels.clearMoments(stk1, stk2, cnt, depth, lanes);
        int s = S.length();
        int i = 0;
        // whole chunks, 2 "group" at a time in two independent chains (the Welford steps are a chain of dependent
        // operations: two hide each other's latency); with two chunks per vector, the lower half of each vector runs
        // chunk i, the upper half i + 1
        // (three or four vectors' worth of whole chunks: four chains, the fourth repeating the third where only three)
        int step = group * chunkSize * lanes;
        for (int k; (k = Math.min(4, (vectors / chunkSize - i) / group)) >= 2; i += k * group) {
            int base = xo + i * chunkSize * lanes;
            if (k == 2) {
                welfordTwo(x, base, base + step, lanes, group, chunk);
            } else {
                welfordFour(x, base, base + step, base + 2 * step, base + (k - 1) * step, lanes, group, chunk);
            }
            for (int c = 0; c < k * group; c++) {
                int off = (c / group) * 2 * s + (c % group) * lanes;
                NormKernels.pushChunk(i + c, chunkSize, chunk, off, off + s, lanes, false, depth, stk1, stk2, cnt);
            }
        }
        // two whole chunks left with two per vector: one chain
        if (group == 2 && (i + 2) * chunkSize <= vectors) {
            welfordHalves(x, xo + i * chunkSize * lanes, lanes, chunk);
            NormKernels.pushChunk(i, chunkSize, chunk, 0, s, lanes, false, depth, stk1, stk2, cnt);
            NormKernels.pushChunk(i + 1, chunkSize, chunk, lanes, s + lanes, lanes, false, depth, stk1, stk2, cnt);
            i += 2;
        }
        // the rest one chunk at a time (the upper half, if any, runs past the chunk and is dropped) while the vector
        // reads stay inside the array; then the scalar lanes
        for (; i < chunks; i++) {
            int steps = Math.min(chunkSize, vectors - i * chunkSize);
            int base = xo + i * chunkSize * lanes;
            if (base + (steps - 1) * lanes + s <= x.length) {
                welfordOne(x, base, steps, lanes, chunk);
            } else {
                for (int k = 0; k < lanes; k++) {
                    float m1 = 0f;
                    float m2 = 0f;
                    for (int j = 0; j < steps; j++) {
                        float v = x[base + j * lanes + k];
                        float d = v - m1;
                        m1 = m1 + d * NormKernels.WELFORD_WEIGHTS[j];
                        m2 = m2 + d * (v - m1);
                    }
                    chunk[k] = m1;
                    chunk[s + k] = m2;
                }
            }
            NormKernels.pushChunk(i, steps, chunk, 0, s, lanes, false, depth, stk1, stk2, cnt);
        }
        NormKernels.finishMoments(x, xo, n, lanes, false, depth, stk1, stk2, cnt, res);
        return true;
    }

    /**
     * The unfused Welford loop of 16 steps of {@code lanes} floats in two chains, from {@code a} and from {@code b}:
     * the first chain's means into {@code chunk[0, S)} and sums of squares into {@code chunk[S, 2S)}, the second's into
     * {@code chunk[2S, 3S)} and {@code chunk[3S, 4S)}; with {@code group} 2 (lanes half a vector) each chain's upper
     * half runs the chunk after its own (16 lanes floats on).
     */
    private static void welfordTwo(float[] x, int a, int b, int lanes, int group, float[] chunk) {
        FloatVector m1 = FloatVector.zero(S);
        FloatVector m2 = FloatVector.zero(S);
        FloatVector p1 = FloatVector.zero(S);
        FloatVector p2 = FloatVector.zero(S);
        int up = NormKernels.MOMENTS_CHUNK * lanes - lanes; // the upper half's vector j at base + up + j lanes
        // one loop per case, each with its operations only (no vector value crosses a branch)
        if (group == 2) {
            for (int j = 0; j < NormKernels.MOMENTS_CHUNK; j++) {
                float c = NormKernels.WELFORD_WEIGHTS[j];
                FloatVector v = FloatVector.fromArray(S, x, a + j * lanes)
                        .blend(FloatVector.fromArray(S, x, a + up + j * lanes), HIGH_HALF);
                FloatVector u = FloatVector.fromArray(S, x, b + j * lanes)
                        .blend(FloatVector.fromArray(S, x, b + up + j * lanes), HIGH_HALF);
                FloatVector d = v.sub(m1);
                FloatVector e = u.sub(p1);
                m1 = m1.add(d.mul(c));
                p1 = p1.add(e.mul(c));
                m2 = m2.add(d.mul(v.sub(m1)));
                p2 = p2.add(e.mul(u.sub(p1)));
            }
        } else {
            for (int j = 0; j < NormKernels.MOMENTS_CHUNK; j++) {
                float c = NormKernels.WELFORD_WEIGHTS[j];
                FloatVector v = FloatVector.fromArray(S, x, a + j * lanes);
                FloatVector u = FloatVector.fromArray(S, x, b + j * lanes);
                FloatVector d = v.sub(m1);
                FloatVector e = u.sub(p1);
                m1 = m1.add(d.mul(c));
                p1 = p1.add(e.mul(c));
                m2 = m2.add(d.mul(v.sub(m1)));
                p2 = p2.add(e.mul(u.sub(p1)));
            }
        }
        m1.intoArray(chunk, 0);
        m2.intoArray(chunk, S.length());
        p1.intoArray(chunk, 2 * S.length());
        p2.intoArray(chunk, 3 * S.length());
    }

    /**
     * {@link #welfordTwo} in four chains, from {@code a}, {@code b}, {@code c} and {@code d}: chain t's means into
     * {@code chunk[2tS, (2t+1)S)}, its sums of squares into {@code chunk[(2t+1)S, (2t+2)S)}.
     */
    private static void welfordFour(float[] x, int a, int b, int c, int d, int lanes, int group, float[] chunk) {
        FloatVector m1 = FloatVector.zero(S);
        FloatVector m2 = FloatVector.zero(S);
        FloatVector p1 = FloatVector.zero(S);
        FloatVector p2 = FloatVector.zero(S);
        FloatVector q1 = FloatVector.zero(S);
        FloatVector q2 = FloatVector.zero(S);
        FloatVector r1 = FloatVector.zero(S);
        FloatVector r2 = FloatVector.zero(S);
        // with group 1 the upper half is the lower half's own vector again (the blend keeps it)
        int up = group == 2 ? NormKernels.MOMENTS_CHUNK * lanes - lanes : 0;
        for (int j = 0; j < NormKernels.MOMENTS_CHUNK; j++) {
            float w = NormKernels.WELFORD_WEIGHTS[j];
            int o = j * lanes;
            FloatVector v = FloatVector.fromArray(S, x, a + o).blend(FloatVector.fromArray(S, x, a + up + o), HIGH_HALF);
            FloatVector u = FloatVector.fromArray(S, x, b + o).blend(FloatVector.fromArray(S, x, b + up + o), HIGH_HALF);
            FloatVector t = FloatVector.fromArray(S, x, c + o).blend(FloatVector.fromArray(S, x, c + up + o), HIGH_HALF);
            FloatVector z = FloatVector.fromArray(S, x, d + o).blend(FloatVector.fromArray(S, x, d + up + o), HIGH_HALF);
            FloatVector dv = v.sub(m1);
            FloatVector du = u.sub(p1);
            FloatVector dt = t.sub(q1);
            FloatVector dz = z.sub(r1);
            m1 = m1.add(dv.mul(w));
            p1 = p1.add(du.mul(w));
            q1 = q1.add(dt.mul(w));
            r1 = r1.add(dz.mul(w));
            m2 = m2.add(dv.mul(v.sub(m1)));
            p2 = p2.add(du.mul(u.sub(p1)));
            q2 = q2.add(dt.mul(t.sub(q1)));
            r2 = r2.add(dz.mul(z.sub(r1)));
        }
        int n = S.length();
        m1.intoArray(chunk, 0);
        m2.intoArray(chunk, n);
        p1.intoArray(chunk, 2 * n);
        p2.intoArray(chunk, 3 * n);
        q1.intoArray(chunk, 4 * n);
        q2.intoArray(chunk, 5 * n);
        r1.intoArray(chunk, 6 * n);
        r2.intoArray(chunk, 7 * n);
    }

    /**
     * The unfused Welford loop of two whole chunks of half a vector's lanes from {@code base}, the lower half of each
     * vector running the first, the upper half the second: the means into {@code chunk[0, S)}, the sums of squares
     * into {@code chunk[S, 2S)}.
     */
    private static void welfordHalves(float[] x, int base, int lanes, float[] chunk) {
        FloatVector m1 = FloatVector.zero(S);
        FloatVector m2 = FloatVector.zero(S);
        int up = NormKernels.MOMENTS_CHUNK * lanes - lanes;
        for (int j = 0; j < NormKernels.MOMENTS_CHUNK; j++) {
            FloatVector v = FloatVector.fromArray(S, x, base + j * lanes)
                    .blend(FloatVector.fromArray(S, x, base + up + j * lanes), HIGH_HALF);
            FloatVector d = v.sub(m1);
            m1 = m1.add(d.mul(NormKernels.WELFORD_WEIGHTS[j]));
            m2 = m2.add(d.mul(v.sub(m1)));
        }
        m1.intoArray(chunk, 0);
        m2.intoArray(chunk, S.length());
    }

    /**
     * The unfused Welford loop of {@code steps} vectors of {@code lanes} floats from {@code base}, one chunk: the means'
     * lanes into {@code chunk[0, lanes)}, the sums of squares' into {@code chunk[S, S + lanes)} (lanes past
     * {@code lanes} run past the chunk and are dropped).
     */
    private static void welfordOne(float[] x, int base, int steps, int lanes, float[] chunk) {
        FloatVector m1 = FloatVector.zero(S);
        FloatVector m2 = FloatVector.zero(S);
        for (int j = 0; j < steps; j++) {
            FloatVector v = FloatVector.fromArray(S, x, base + j * lanes);
            FloatVector d = v.sub(m1);
            m1 = m1.add(d.mul(NormKernels.WELFORD_WEIGHTS[j]));
            m2 = m2.add(d.mul(v.sub(m1)));
        }
        m1.intoArray(chunk, 0);
        m2.intoArray(chunk, S.length());
    }

    @Override
    public void layerNormOut(float[] x, int xo, float scale, float bias, float[] w, float[] b, float[] o, int oo,
                             int n, boolean fused) {
        int bound = S.loopBound(n);
        FloatVector sv = FloatVector.broadcast(S, scale);
        FloatVector bv = FloatVector.broadcast(S, bias);
        if (fused) {
            for (int j = 0; j < bound; j += S.length()) {
                FloatVector.fromArray(S, x, xo + j).fma(sv, bv)
                        .fma(FloatVector.fromArray(S, w, j), FloatVector.fromArray(S, b, j)).intoArray(o, oo + j);
            }
        } else {
            for (int j = 0; j < bound; j += S.length()) {
                FloatVector.fromArray(S, x, xo + j).mul(sv).add(bv).mul(FloatVector.fromArray(S, w, j))
                        .add(FloatVector.fromArray(S, b, j)).intoArray(o, oo + j);
            }
        }
        for (int j = bound; j < n; j++) {
            float t = CpuCapability.mulAdd(fused, x[xo + j], scale, bias);
            o[oo + j] = CpuCapability.mulAdd(fused, t, w[j], b[j]);
        }
    }

    @Override
    public boolean layerNormBackwardRow(float[] x, int xo, float[] g, int go, float[] w, float mu, float a,
                                        float scale, float[] dx, int dxo, float[] bw, float[] bb, int n, int lanes,
                                        float[] acc) {
        if (lanes != S.length()) {
            // another lane count's sums (an AVX2 order on an AVX-512 machine) are NormKernels' scalar form: a second
            // float species here would slow every Vector API kernel (VectorHelpersInlineTest)
            return false;
        }
        int bound = S.loopBound(n);
        // one loop per output, each with its operations only (no vector value crosses a branch)
        if (bw != null) {
            float nb = -a * mu;
            FloatVector av = FloatVector.broadcast(S, a);
            FloatVector nbv = FloatVector.broadcast(S, nb);
            for (int j = 0; j < bound; j += S.length()) {
                FloatVector.fromArray(S, g, go + j).fma(av.fma(FloatVector.fromArray(S, x, xo + j), nbv),
                        FloatVector.fromArray(S, bw, j)).intoArray(bw, j);
            }
            for (int j = bound; j < n; j++) {
                bw[j] = Math.fma(g[go + j], Math.fma(a, x[xo + j], nb), bw[j]);
            }
        }
        if (bb != null) {
            for (int j = 0; j < bound; j += S.length()) {
                FloatVector.fromArray(S, bb, j).add(FloatVector.fromArray(S, g, go + j)).intoArray(bb, j);
            }
            for (int j = bound; j < n; j++) {
                bb[j] += g[go + j];
            }
        }
        if (dx == null) {
            return true;
        }
        if (n < lanes) {
            NormKernels.layerNormBackwardRow(x, xo, g, go, w, mu, a, scale, dx, dxo, null, null, n, lanes, true, true,
                    acc);
            return true;
        }
        int whole = n - n % lanes;
        laneSumsWide(x, xo, g, go, w, whole, acc);
        NormKernels.laneSums(x, xo, g, go, w, whole, n, lanes, true, acc);
        NormKernels.layerNormCoefficients(acc, n, lanes, true, true, mu, a, scale);
        float b = acc[2 * lanes];
        float c = acc[2 * lanes + 1];
        FloatVector av = FloatVector.broadcast(S, a);
        FloatVector bv = FloatVector.broadcast(S, b);
        FloatVector cv = FloatVector.broadcast(S, c);
        if (w != null) {
            for (int j = 0; j < bound; j += S.length()) {
                bv.fma(FloatVector.fromArray(S, x, xo + j), av.mul(FloatVector.fromArray(S, g, go + j))
                        .mul(FloatVector.fromArray(S, w, j))).add(cv).intoArray(dx, dxo + j);
            }
        } else {
            for (int j = 0; j < bound; j += S.length()) {
                bv.fma(FloatVector.fromArray(S, x, xo + j), av.mul(FloatVector.fromArray(S, g, go + j))).add(cv)
                        .intoArray(dx, dxo + j);
            }
        }
        for (int j = bound; j < n; j++) {
            float t = w == null ? a * g[go + j] : a * g[go + j] * w[j];
            dx[dxo + j] = Math.fma(b, x[xo + j], t) + c;
        }
        return true;
    }

    @Override
    public boolean addMomentsLanes(float c, float m0, float[] a1, int o1, float[] a2, int o2, float[] stk1,
                                   float[] stk2, int s, int lanes) {
        if (lanes != S.length()) {
            return false;
        }
        FloatVector s1 = FloatVector.fromArray(S, stk1, s);
        FloatVector d = FloatVector.fromArray(S, a1, o1).sub(s1);
        s1.add(d.mul(c)).intoArray(stk1, s);
        FloatVector.fromArray(S, stk2, s).add(d.mul(d).mul(c).mul(m0).add(FloatVector.fromArray(S, a2, o2)))
                .intoArray(stk2, s);
        return true;
    }

    @Override
    public boolean layerNormBackwardRowOnePass(float[] x, int xo, float[] g, int go, float[] w, float mu, float a,
                                               float scale, float[] dx, int dxo, float[] bw, float[] bb, int n,
                                               int lanes, float[] acc) {
        int l = S.length();
        if (lanes != l || w == null || bw == null || bb == null || dx == null || n < lanes) {
            return false;
        }
        // layerNormBackwardRow's weight and bias terms and its lane sums (laneSumsWide) in one loop over the row:
        // each element's operations and each chain's order as there (the outputs are separate arrays), one read of
        // g, x and w instead of three
        int whole = n - n % lanes;
        float nb = -a * mu;
        FloatVector av = FloatVector.broadcast(S, a);
        FloatVector nbv = FloatVector.broadcast(S, nb);
        FloatVector g0 = FloatVector.fromArray(S, g, go);
        FloatVector x0 = FloatVector.fromArray(S, x, xo);
        FloatVector w0 = FloatVector.fromArray(S, w, 0);
        g0.fma(av.fma(x0, nbv), FloatVector.fromArray(S, bw, 0)).intoArray(bw, 0);
        FloatVector.fromArray(S, bb, 0).add(g0).intoArray(bb, 0);
        FloatVector ds = g0.mul(x0).mul(w0);
        FloatVector db = g0.mul(w0);
        for (int j = l; j < whole; j += l) {
            FloatVector gj = FloatVector.fromArray(S, g, go + j);
            FloatVector xj = FloatVector.fromArray(S, x, xo + j);
            FloatVector wj = FloatVector.fromArray(S, w, j);
            gj.fma(av.fma(xj, nbv), FloatVector.fromArray(S, bw, j)).intoArray(bw, j);
            FloatVector.fromArray(S, bb, j).add(gj).intoArray(bb, j);
            ds = gj.mul(xj).fma(wj, ds);
            db = gj.fma(wj, db);
        }
        ds.intoArray(acc, 0);
        db.intoArray(acc, l);
        for (int j = whole; j < n; j++) {
            bw[j] = Math.fma(g[go + j], Math.fma(a, x[xo + j], nb), bw[j]);
            bb[j] += g[go + j];
        }
        NormKernels.laneSums(x, xo, g, go, w, whole, n, lanes, true, acc);
        NormKernels.layerNormCoefficients(acc, n, lanes, true, true, mu, a, scale);
        float b = acc[2 * lanes];
        float c = acc[2 * lanes + 1];
        FloatVector bv = FloatVector.broadcast(S, b);
        FloatVector cv = FloatVector.broadcast(S, c);
        for (int j = 0; j < whole; j += l) {
            bv.fma(FloatVector.fromArray(S, x, xo + j), av.mul(FloatVector.fromArray(S, g, go + j))
                    .mul(FloatVector.fromArray(S, w, j))).add(cv).intoArray(dx, dxo + j);
        }
        for (int j = whole; j < n; j++) {
            dx[dxo + j] = Math.fma(b, x[xo + j], a * g[go + j] * w[j]) + c;
        }
        return true;
    }

    /** Layer norm's sums in the preferred species' lanes over the whole vectors below {@code whole} into {@code acc}. */
    private static void laneSumsWide(float[] x, int xo, float[] g, int go, float[] w, int whole, float[] acc) {
        int l = S.length();
        FloatVector gv = FloatVector.fromArray(S, g, go);
        FloatVector xv = FloatVector.fromArray(S, x, xo);
        if (w != null) {
            FloatVector wv = FloatVector.fromArray(S, w, 0);
            FloatVector ds = gv.mul(xv).mul(wv);
            FloatVector db = gv.mul(wv);
            for (int j = l; j < whole; j += l) {
                FloatVector gj = FloatVector.fromArray(S, g, go + j);
                FloatVector wj = FloatVector.fromArray(S, w, j);
                ds = gj.mul(FloatVector.fromArray(S, x, xo + j)).fma(wj, ds);
                db = gj.fma(wj, db);
            }
            ds.intoArray(acc, 0);
            db.intoArray(acc, l);
        } else {
            FloatVector ds = gv.mul(xv);
            FloatVector db = gv;
            for (int j = l; j < whole; j += l) {
                FloatVector gj = FloatVector.fromArray(S, g, go + j);
                ds = gj.fma(FloatVector.fromArray(S, x, xo + j), ds);
                db = db.add(gj);
            }
            ds.intoArray(acc, 0);
            db.intoArray(acc, l);
        }
    }

    @Override
    public void normForwardOut(double[] row, double mu, double r, double[] w, double[] b, float[] o, int oo, int n) {
        int m = S.loopBound(n);
        int half = DS.length();
        DoubleVector muv = DoubleVector.broadcast(DS, mu);
        DoubleVector rv = DoubleVector.broadcast(DS, r);
        // one loop per case, each with its operations only (no vector value crosses a branch or a call)
        if (w != null && b != null) {
            for (int j = 0; j < m; j += S.length()) {
                DoubleVector lo = DoubleVector.fromArray(DS, row, j).sub(muv).mul(rv)
                        .mul(DoubleVector.fromArray(DS, w, j)).add(DoubleVector.fromArray(DS, b, j));
                DoubleVector hi = DoubleVector.fromArray(DS, row, j + half).sub(muv).mul(rv)
                        .mul(DoubleVector.fromArray(DS, w, j + half)).add(DoubleVector.fromArray(DS, b, j + half));
                FloatVector low = (FloatVector) lo.convertShape(VectorOperators.D2F, S, 0);
                FloatVector high = (FloatVector) hi.convertShape(VectorOperators.D2F, S, 0);
                low.blend(high.rearrange(SWAP_HALVES), HIGH_HALF).intoArray(o, oo + j);
            }
        } else if (w != null) {
            for (int j = 0; j < m; j += S.length()) {
                DoubleVector lo = DoubleVector.fromArray(DS, row, j).sub(muv).mul(rv)
                        .mul(DoubleVector.fromArray(DS, w, j));
                DoubleVector hi = DoubleVector.fromArray(DS, row, j + half).sub(muv).mul(rv)
                        .mul(DoubleVector.fromArray(DS, w, j + half));
                FloatVector low = (FloatVector) lo.convertShape(VectorOperators.D2F, S, 0);
                FloatVector high = (FloatVector) hi.convertShape(VectorOperators.D2F, S, 0);
                low.blend(high.rearrange(SWAP_HALVES), HIGH_HALF).intoArray(o, oo + j);
            }
        } else if (b != null) {
            for (int j = 0; j < m; j += S.length()) {
                DoubleVector lo = DoubleVector.fromArray(DS, row, j).sub(muv).mul(rv)
                        .add(DoubleVector.fromArray(DS, b, j));
                DoubleVector hi = DoubleVector.fromArray(DS, row, j + half).sub(muv).mul(rv)
                        .add(DoubleVector.fromArray(DS, b, j + half));
                FloatVector low = (FloatVector) lo.convertShape(VectorOperators.D2F, S, 0);
                FloatVector high = (FloatVector) hi.convertShape(VectorOperators.D2F, S, 0);
                low.blend(high.rearrange(SWAP_HALVES), HIGH_HALF).intoArray(o, oo + j);
            }
        } else {
            for (int j = 0; j < m; j += S.length()) {
                DoubleVector lo = DoubleVector.fromArray(DS, row, j).sub(muv).mul(rv);
                DoubleVector hi = DoubleVector.fromArray(DS, row, j + half).sub(muv).mul(rv);
                FloatVector low = (FloatVector) lo.convertShape(VectorOperators.D2F, S, 0);
                FloatVector high = (FloatVector) hi.convertShape(VectorOperators.D2F, S, 0);
                low.blend(high.rearrange(SWAP_HALVES), HIGH_HALF).intoArray(o, oo + j);
            }
        }
        for (int j = m; j < n; j++) {
            double y = (row[j] - mu) * r;
            if (w != null) {
                y *= w[j];
            }
            if (b != null) {
                y += b[j];
            }
            o[oo + j] = (float) y;
        }
    }

    @Override
    public double sumOfWidened(float[] x, int xo, int n, double mu, boolean centred, double[] scratch) {
        // sumOf's blocks, vectors and lanes over the widened floats (two kernels, each small enough for C2 to
        // compile whole: one with both loops ran out of nodes and boxed its lane reads), then its finish
        int half = DS.length();
        int bound4 = n - n % (4 * half);
        if (centred) {
            centredSquaresWidened(x, xo, bound4, mu, scratch);
        } else {
            sumBlocksWidened(x, xo, bound4, scratch);
        }
        // sumOf's whole vectors past the blocks go into its first accumulator, the four are combined lane by lane,
        // (a0 + a1) + (a2 + a3), then the lanes first to last: here lane by lane in scalars, the same operations in
        // the same order (vector additions are lane-wise)
        int bound = n - n % half;
        double total = 0;
        if (bound != 0) {
            for (int lane = 0; lane < half; lane++) {
                double t0 = scratch[lane];
                for (int j = bound4 + lane; j < bound; j += half) {
                    double d = (double) x[xo + j] - mu;
                    t0 += centred ? d * d : x[xo + j];
                }
                total += (t0 + scratch[half + lane]) + (scratch[2 * half + lane] + scratch[3 * half + lane]);
            }
        }
        for (int i = bound; i < n; i++) {
            double v = x[xo + i];
            total += centred ? (v - mu) * (v - mu) : v;
        }
        return total;
    }

    /**
     * sumOf's four accumulators of centred squares over the blocks of four double vectors below {@code bound4} of the
     * widened floats, into {@code acc[0, 4 half)}: accumulator t of a block takes the doubles
     * {@code [i + t half, i + (t + 1) half)}, here the lower half of a load of its own from there (no permute; the last
     * load reads half a vector past the block: blocks where that would leave x take the permutes).
     */
    private static void centredSquaresWidened(float[] x, int xo, int bound4, double mu, double[] acc) {
        int half = DS.length();
        int block = 4 * half;
        int fast = Math.min(bound4, Math.max(0, x.length - xo - 3 * half - S.length() + 1));
        fast -= fast % block;
        DoubleVector m = DoubleVector.broadcast(DS, mu);
        DoubleVector a0 = DoubleVector.zero(DS);
        DoubleVector a1 = a0;
        DoubleVector a2 = a0;
        DoubleVector a3 = a0;
        int i = 0;
        for (; i < fast; i += block) {
            int at = xo + i;
            DoubleVector d0 = ((DoubleVector) FloatVector.fromArray(S, x, at)
                    .convertShape(VectorOperators.F2D, DS, 0)).sub(m);
            DoubleVector d1 = ((DoubleVector) FloatVector.fromArray(S, x, at + half)
                    .convertShape(VectorOperators.F2D, DS, 0)).sub(m);
            DoubleVector d2 = ((DoubleVector) FloatVector.fromArray(S, x, at + 2 * half)
                    .convertShape(VectorOperators.F2D, DS, 0)).sub(m);
            DoubleVector d3 = ((DoubleVector) FloatVector.fromArray(S, x, at + 3 * half)
                    .convertShape(VectorOperators.F2D, DS, 0)).sub(m);
            a0 = a0.add(d0.mul(d0));
            a1 = a1.add(d1.mul(d1));
            a2 = a2.add(d2.mul(d2));
            a3 = a3.add(d3.mul(d3));
        }
        for (; i < bound4; i += block) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector w = FloatVector.fromArray(S, x, xo + i + S.length());
            DoubleVector d0 = ((DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0)).sub(m);
            DoubleVector d1 = ((DoubleVector) v.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0))
                    .sub(m);
            DoubleVector d2 = ((DoubleVector) w.convertShape(VectorOperators.F2D, DS, 0)).sub(m);
            DoubleVector d3 = ((DoubleVector) w.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0))
                    .sub(m);
            a0 = a0.add(d0.mul(d0));
            a1 = a1.add(d1.mul(d1));
            a2 = a2.add(d2.mul(d2));
            a3 = a3.add(d3.mul(d3));
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, half);
        a2.intoArray(acc, 2 * half);
        a3.intoArray(acc, 3 * half);
    }

    /** {@link #centredSquaresWidened}'s accumulators for the plain sum (sumOf's terms a[j]). */
    private static void sumBlocksWidened(float[] x, int xo, int bound4, double[] acc) {
        int half = DS.length();
        int block = 4 * half;
        int fast = Math.min(bound4, Math.max(0, x.length - xo - 3 * half - S.length() + 1));
        fast -= fast % block;
        DoubleVector a0 = DoubleVector.zero(DS);
        DoubleVector a1 = a0;
        DoubleVector a2 = a0;
        DoubleVector a3 = a0;
        int i = 0;
        for (; i < fast; i += block) {
            int at = xo + i;
            a0 = a0.add((DoubleVector) FloatVector.fromArray(S, x, at).convertShape(VectorOperators.F2D, DS, 0));
            a1 = a1.add((DoubleVector) FloatVector.fromArray(S, x, at + half)
                    .convertShape(VectorOperators.F2D, DS, 0));
            a2 = a2.add((DoubleVector) FloatVector.fromArray(S, x, at + 2 * half)
                    .convertShape(VectorOperators.F2D, DS, 0));
            a3 = a3.add((DoubleVector) FloatVector.fromArray(S, x, at + 3 * half)
                    .convertShape(VectorOperators.F2D, DS, 0));
        }
        for (; i < bound4; i += block) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector w = FloatVector.fromArray(S, x, xo + i + S.length());
            a0 = a0.add((DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0));
            a1 = a1.add((DoubleVector) v.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0));
            a2 = a2.add((DoubleVector) w.convertShape(VectorOperators.F2D, DS, 0));
            a3 = a3.add((DoubleVector) w.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0));
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, half);
        a2.intoArray(acc, 2 * half);
        a3.intoArray(acc, 3 * half);
    }

    @Override
    public void normForwardOut(float[] x, int xo, double mu, double r, double[] w, double[] b, float[] o, int oo,
                               int n) {
        // normForwardOut(double[], ...) with the floats widened in registers (the same doubles as its row): each
        // half vector from the lower half of a load of its own (no permute; the second load reads half a vector past
        // the vector: the vectors where that would leave x go to the scalar loop, the same operations per element)
        int half = DS.length();
        // each result vector's halves stored as the lower halves of two overlapping stores (no permute, no blend):
        // the second's upper half lands past the vector, inside the row (the next vector overwrites it), so the
        // vector loops stop a half vector before the row's end
        int m = Math.min(Math.max(0, n - half - S.length() + 1),
                Math.max(0, x.length - xo - half - S.length() + 1));
        m -= m % S.length();
        DoubleVector muv = DoubleVector.broadcast(DS, mu);
        DoubleVector rv = DoubleVector.broadcast(DS, r);
        // one loop per case, each with its operations only (no vector value crosses a branch or a call)
        if (w != null && b != null) {
            for (int j = 0; j < m; j += S.length()) {
                DoubleVector lo = ((DoubleVector) FloatVector.fromArray(S, x, xo + j).convertShape(VectorOperators.F2D, DS, 0)).sub(muv).mul(rv)
                        .mul(DoubleVector.fromArray(DS, w, j)).add(DoubleVector.fromArray(DS, b, j));
                DoubleVector hi = ((DoubleVector) FloatVector.fromArray(S, x, xo + j + half)
                        .convertShape(VectorOperators.F2D, DS, 0))
                        .sub(muv).mul(rv).mul(DoubleVector.fromArray(DS, w, j + half))
                        .add(DoubleVector.fromArray(DS, b, j + half));
                ((FloatVector) lo.convertShape(VectorOperators.D2F, S, 0)).intoArray(o, oo + j);
                ((FloatVector) hi.convertShape(VectorOperators.D2F, S, 0)).intoArray(o, oo + j + half);
            }
        } else if (w != null) {
            for (int j = 0; j < m; j += S.length()) {
                DoubleVector lo = ((DoubleVector) FloatVector.fromArray(S, x, xo + j).convertShape(VectorOperators.F2D, DS, 0)).sub(muv).mul(rv)
                        .mul(DoubleVector.fromArray(DS, w, j));
                DoubleVector hi = ((DoubleVector) FloatVector.fromArray(S, x, xo + j + half)
                        .convertShape(VectorOperators.F2D, DS, 0))
                        .sub(muv).mul(rv).mul(DoubleVector.fromArray(DS, w, j + half));
                ((FloatVector) lo.convertShape(VectorOperators.D2F, S, 0)).intoArray(o, oo + j);
                ((FloatVector) hi.convertShape(VectorOperators.D2F, S, 0)).intoArray(o, oo + j + half);
            }
        } else if (b != null) {
            for (int j = 0; j < m; j += S.length()) {
                DoubleVector lo = ((DoubleVector) FloatVector.fromArray(S, x, xo + j).convertShape(VectorOperators.F2D, DS, 0)).sub(muv).mul(rv)
                        .add(DoubleVector.fromArray(DS, b, j));
                DoubleVector hi = ((DoubleVector) FloatVector.fromArray(S, x, xo + j + half)
                        .convertShape(VectorOperators.F2D, DS, 0))
                        .sub(muv).mul(rv).add(DoubleVector.fromArray(DS, b, j + half));
                ((FloatVector) lo.convertShape(VectorOperators.D2F, S, 0)).intoArray(o, oo + j);
                ((FloatVector) hi.convertShape(VectorOperators.D2F, S, 0)).intoArray(o, oo + j + half);
            }
        } else {
            for (int j = 0; j < m; j += S.length()) {
                DoubleVector lo = ((DoubleVector) FloatVector.fromArray(S, x, xo + j).convertShape(VectorOperators.F2D, DS, 0)).sub(muv).mul(rv);
                DoubleVector hi = ((DoubleVector) FloatVector.fromArray(S, x, xo + j + half)
                        .convertShape(VectorOperators.F2D, DS, 0))
                        .sub(muv).mul(rv);
                ((FloatVector) lo.convertShape(VectorOperators.D2F, S, 0)).intoArray(o, oo + j);
                ((FloatVector) hi.convertShape(VectorOperators.D2F, S, 0)).intoArray(o, oo + j + half);
            }
        }
        for (int j = m; j < n; j++) {
            double y = ((double) x[xo + j] - mu) * r;
            if (w != null) {
                y *= w[j];
            }
            if (b != null) {
                y += b[j];
            }
            o[oo + j] = (float) y;
        }
    }

    @Override
    public void normBackwardOut(double[] dh, double[] xh, double r, double m1, double m2, float[] o, int oo, int n) {
        int m = S.loopBound(n);
        int half = DS.length();
        DoubleVector rv = DoubleVector.broadcast(DS, r);
        DoubleVector m1v = DoubleVector.broadcast(DS, m1);
        DoubleVector m2v = DoubleVector.broadcast(DS, m2);
        for (int j = 0; j < m; j += S.length()) {
            DoubleVector lo = rv.mul(DoubleVector.fromArray(DS, dh, j).sub(m1v)
                    .sub(DoubleVector.fromArray(DS, xh, j).mul(m2v)));
            DoubleVector hi = rv.mul(DoubleVector.fromArray(DS, dh, j + half).sub(m1v)
                    .sub(DoubleVector.fromArray(DS, xh, j + half).mul(m2v)));
            FloatVector low = (FloatVector) lo.convertShape(VectorOperators.D2F, S, 0);
            FloatVector high = (FloatVector) hi.convertShape(VectorOperators.D2F, S, 0);
            low.blend(high.rearrange(SWAP_HALVES), HIGH_HALF).intoArray(o, oo + j);
        }
        for (int j = m; j < n; j++) {
            o[oo + j] = (float) (r * (dh[j] - m1 - xh[j] * m2));
        }
    }

    /** {@code x[xo..xo+m)} as doubles in {@code d[0..m)}; m is a multiple of the float vector's length. */
    private static void widenVectors(float[] x, int xo, double[] d, int m) {
        for (int i = 0; i < m; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            ((DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0)).intoArray(d, i);
            ((DoubleVector) v.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0))
                    .intoArray(d, i + DS.length());
        }
    }

    /** {@code d[0..m)} rounded to floats into {@code o[oo..oo+m)}. */
    private static void narrowVectors(double[] d, float[] o, int oo, int m) {
        for (int i = 0; i < m; i += S.length()) {
            FloatVector low = (FloatVector) DoubleVector.fromArray(DS, d, i).convertShape(VectorOperators.D2F, S, 0);
            FloatVector high = (FloatVector) DoubleVector.fromArray(DS, d, i + DS.length())
                    .convertShape(VectorOperators.D2F, S, 0);
            low.blend(high.rearrange(SWAP_HALVES), HIGH_HALF).intoArray(o, oo + i);
        }
    }

    /**
     * {@code d[i] = e^(sign * d[i])} for i below m, as {@link ElementwiseKernels#expRounded} computes it before its
     * rounding, operation for operation: the reduction by ln 2 and the Taylor polynomial to degree 13.
     */
    private static void expDoubles(double[] d, int m, double sign) {
        double[] c = ElementwiseKernels.EXPD_P;
        for (int i = 0; i < m; i += DS.length()) {
            DoubleVector x = DoubleVector.fromArray(DS, d, i).mul(sign)
                    .max(ElementwiseKernels.EXPD_MIN).min(ElementwiseKernels.EXPD_MAX);
            DoubleVector t = x.fma(ElementwiseKernels.EXPD_LOG2E, ElementwiseKernels.EXPD_ROUND);
            DoubleVector n = t.sub(ElementwiseKernels.EXPD_ROUND);
            DoubleVector r = n.fma(DoubleVector.broadcast(DS, -ElementwiseKernels.EXPD_LN2_HI), x);
            r = n.fma(DoubleVector.broadcast(DS, -ElementwiseKernels.EXPD_LN2_LO), r);
            LongVector e = t.reinterpretAsLongs().sub(Double.doubleToRawLongBits(ElementwiseKernels.EXPD_ROUND));
            DoubleVector p = DoubleVector.broadcast(DS, c[13]).fma(r, DoubleVector.broadcast(DS, c[12]))
                    .fma(r, DoubleVector.broadcast(DS, c[11])).fma(r, DoubleVector.broadcast(DS, c[10]))
                    .fma(r, DoubleVector.broadcast(DS, c[9])).fma(r, DoubleVector.broadcast(DS, c[8]))
                    .fma(r, DoubleVector.broadcast(DS, c[7])).fma(r, DoubleVector.broadcast(DS, c[6]))
                    .fma(r, DoubleVector.broadcast(DS, c[5])).fma(r, DoubleVector.broadcast(DS, c[4]))
                    .fma(r, DoubleVector.broadcast(DS, c[3])).fma(r, DoubleVector.broadcast(DS, c[2]))
                    .fma(r, DoubleVector.broadcast(DS, c[1])).fma(r, DoubleVector.broadcast(DS, c[0]));
            p.mul(e.add(1023).lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles()).intoArray(d, i);
        }
    }

    /**
     * {@code d[i] = tanh(d[i])} for i below m, as {@link ElementwiseKernels#tanhRounded} computes it before its
     * rounding: with y = min(2|x|, 80) and m = e^y - 1 by the same reduction and (e^r - 1) / r to degree 14,
     * m / (m + 2), the sign of x copied (the result is positive or NaN).
     */
    private static void tanhDoubles(double[] d, int m) {
        double[] c = ElementwiseKernels.EXPD_P;
        for (int i = 0; i < m; i += DS.length()) {
            DoubleVector x = DoubleVector.fromArray(DS, d, i);
            DoubleVector y = x.abs().mul(2.0).min(ElementwiseKernels.TANH_MAX_2X);
            DoubleVector t = y.fma(ElementwiseKernels.EXPD_LOG2E, ElementwiseKernels.EXPD_ROUND);
            DoubleVector n = t.sub(ElementwiseKernels.EXPD_ROUND);
            DoubleVector r = n.fma(DoubleVector.broadcast(DS, -ElementwiseKernels.EXPD_LN2_HI), y);
            r = n.fma(DoubleVector.broadcast(DS, -ElementwiseKernels.EXPD_LN2_LO), r);
            LongVector e = t.reinterpretAsLongs().sub(Double.doubleToRawLongBits(ElementwiseKernels.EXPD_ROUND));
            DoubleVector scale = e.add(1023).lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
            DoubleVector p = DoubleVector.broadcast(DS, c[14]).fma(r, DoubleVector.broadcast(DS, c[13]))
                    .fma(r, DoubleVector.broadcast(DS, c[12])).fma(r, DoubleVector.broadcast(DS, c[11]))
                    .fma(r, DoubleVector.broadcast(DS, c[10])).fma(r, DoubleVector.broadcast(DS, c[9]))
                    .fma(r, DoubleVector.broadcast(DS, c[8])).fma(r, DoubleVector.broadcast(DS, c[7]))
                    .fma(r, DoubleVector.broadcast(DS, c[6])).fma(r, DoubleVector.broadcast(DS, c[5]))
                    .fma(r, DoubleVector.broadcast(DS, c[4])).fma(r, DoubleVector.broadcast(DS, c[3]))
                    .fma(r, DoubleVector.broadcast(DS, c[2])).fma(r, DoubleVector.broadcast(DS, c[1]));
            DoubleVector em1 = scale.fma(r.mul(p), scale.sub(1));
            LongVector sign = x.reinterpretAsLongs().and(Long.MIN_VALUE);
            em1.div(em1.add(2)).reinterpretAsLongs().or(sign).reinterpretAsDoubles().intoArray(d, i);
        }
    }

    /**
     * {@code d[i] = log(d[i])} for i below m, as {@link ElementwiseKernels#logRounded} computes it before its rounding,
     * operation for operation; the exponent k comes as a double from its bits (the exponent field over 2^52's bits,
     * less 2^52 + 1023), which is the scalar form's exact conversion.
     */
    private static void logDoubles(double[] d, int m) {
        double[] c = ElementwiseKernels.LOGD_P;
        for (int i = 0; i < m; i += DS.length()) {
            DoubleVector x = DoubleVector.fromArray(DS, d, i);
            LongVector bits = x.reinterpretAsLongs();
            DoubleVector k = bits.lanewise(VectorOperators.LSHR, 52).or(0x4330000000000000L).reinterpretAsDoubles()
                    .sub(4503599627370496.0 + 1023);
            DoubleVector mant = bits.and(ElementwiseKernels.LOGD_MANTISSA).or(ElementwiseKernels.LOGD_ONE)
                    .reinterpretAsDoubles();
            VectorMask<Double> big = mant.compare(VectorOperators.GT, ElementwiseKernels.LOGD_SQRT2);
            mant = mant.blend(mant.mul(0.5), big);
            k = k.blend(k.add(1.0), big);
            DoubleVector f = mant.sub(1.0).div(mant.add(1.0));
            DoubleVector f2 = f.mul(f);
            DoubleVector p = DoubleVector.broadcast(DS, c[11]).fma(f2, DoubleVector.broadcast(DS, c[10]))
                    .fma(f2, DoubleVector.broadcast(DS, c[9])).fma(f2, DoubleVector.broadcast(DS, c[8]))
                    .fma(f2, DoubleVector.broadcast(DS, c[7])).fma(f2, DoubleVector.broadcast(DS, c[6]))
                    .fma(f2, DoubleVector.broadcast(DS, c[5])).fma(f2, DoubleVector.broadcast(DS, c[4]))
                    .fma(f2, DoubleVector.broadcast(DS, c[3])).fma(f2, DoubleVector.broadcast(DS, c[2]))
                    .fma(f2, DoubleVector.broadcast(DS, c[1]));
            DoubleVector twoF = f.add(f);
            DoubleVector logM = twoF.mul(f2).fma(p, twoF);
            DoubleVector r = k.fma(DoubleVector.broadcast(DS, ElementwiseKernels.EXPD_LN2_HI),
                    k.fma(DoubleVector.broadcast(DS, ElementwiseKernels.EXPD_LN2_LO), logM));
            r = r.blend(Double.NaN, x.compare(VectorOperators.LT, 0.0).or(x.test(VectorOperators.IS_NAN)))
                    .blend(Double.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0.0))
                    .blend(Double.POSITIVE_INFINITY, x.compare(VectorOperators.EQ, Double.POSITIVE_INFINITY));
            r.intoArray(d, i);
        }
    }

    /** {@code d[i] = 1 + u[i]} for i below m. */
    private static void onePlus(double[] u, double[] d, int m) {
        for (int i = 0; i < m; i += DS.length()) {
            DoubleVector.fromArray(DS, u, i).add(1.0).intoArray(d, i);
        }
    }

    /**
     * Where |u[i]| is below {@link ElementwiseKernels#LOG1P_SMALL}, {@code d[i] = u - u^2 / 2} as
     * {@link ElementwiseKernels#log1pRounded} computes it (1 + u would round there).
     */
    private static void log1pSmall(double[] u, double[] d, int m) {
        for (int i = 0; i < m; i += DS.length()) {
            DoubleVector x = DoubleVector.fromArray(DS, u, i);
            DoubleVector.fromArray(DS, d, i).blend(x.mul(-0.5).fma(x, x),
                    x.abs().compare(VectorOperators.LT, ElementwiseKernels.LOG1P_SMALL)).intoArray(d, i);
        }
    }

    /** The functions of {@link #widened}. */
    private static final int EXP = 0;
    private static final int SIGMOID = 1;
    private static final int TANH = 2;
    private static final int LOG = 3;
    private static final int LOG1P = 4;
    /** The widened inputs of log1p's last pass. */
    private static final ThreadLocal<double[]> WIDE_INPUT = ThreadLocal.withInitial(() -> new double[WIDE_BLOCK]);

    /** {@code o[oo + i] = fn(x[xo + i])} for i below {@code bound}, a multiple of the float vector's length. */
    private static void widened(int fn, float[] x, int xo, float[] o, int oo, int bound) {
        if (bound == 0) {
            return; // rows shorter than a vector (a 10-class softmax) run the scalar form alone
        }
        double[] d = WIDE.get();
        for (int b = 0; b < bound; b += WIDE_BLOCK) {
            int m = Math.min(WIDE_BLOCK, bound - b);
            if (fn == LOG1P) {
                double[] u = WIDE_INPUT.get();
                widenVectors(x, xo + b, u, m);
                onePlus(u, d, m);
                logDoubles(d, m);
                log1pSmall(u, d, m);
                narrowVectors(d, o, oo + b, m);
                continue;
            }
            widenVectors(x, xo + b, d, m);
            if (fn == TANH) {
                tanhDoubles(d, m);
            } else if (fn == LOG) {
                logDoubles(d, m);
            } else {
                expDoubles(d, m, fn == SIGMOID ? -1.0 : 1.0);
            }
            narrowVectors(d, o, oo + b, m);
            if (fn == SIGMOID) {
                // 1 / (1 + e^-x) in float, as the scalar form
                FloatVector one = FloatVector.broadcast(S, 1f);
                for (int i = 0; i < m; i += S.length()) {
                    one.div(FloatVector.fromArray(S, o, oo + b + i).add(1f)).intoArray(o, oo + b + i);
                }
            }
        }
    }

    @Override
    public void tanh(float[] x, int xo, float[] o, int oo, int n) {
        if (!SleefFloat.exact()) {
            VectorSleef.tanh(x, xo, o, oo, n);
            return;
        }
        int bound = S.loopBound(n);
        widened(TANH, x, xo, o, oo, bound);
        for (int i = bound; i < n; i++) {
            o[oo + i] = ElementwiseKernels.tanhRounded(x[xo + i]);
        }
    }

    @Override
    public void exp(float[] x, int xo, float[] o, int oo, int n) {
        if (!SleefFloat.exact()) {
            VectorSleef.exp(x, xo, o, oo, n);
            return;
        }
        int bound = S.loopBound(n);
        widened(EXP, x, xo, o, oo, bound);
        for (int i = bound; i < n; i++) {
            o[oo + i] = ElementwiseKernels.expRounded(x[xo + i]);
        }
    }

    @Override
    public void log(boolean onePlus, float[] x, int xo, float[] o, int oo, int n) {
        if (!onePlus && !SleefFloat.exact()) {
            VectorSleef.log(x, xo, o, oo, n);
            return;
        }
        int bound = S.loopBound(n);
        widened(onePlus ? LOG1P : LOG, x, xo, o, oo, bound);
        for (int i = bound; i < n; i++) {
            o[oo + i] = onePlus ? ElementwiseKernels.log1pRounded(x[xo + i]) : ElementwiseKernels.logRounded(x[xo + i]);
        }
    }

    @Override
    public void sigmoid(float[] x, int xo, float[] o, int oo, int n) {
        if (!SleefFloat.exact()) {
            VectorSleef.sigmoid(x, xo, o, oo, n);
            return;
        }
        int bound = S.loopBound(n);
        widened(SIGMOID, x, xo, o, oo, bound);
        for (int i = bound; i < n; i++) {
            o[oo + i] = ElementwiseKernels.sigmoidFloat(x[xo + i]);
        }
    }

    @Override
    public int lstmBackwardRow(float[] gOut, int go, float[] gH, int gh, float[] gC, int gc, float[] sv, int s,
                               float[] cPrev, int cp, float[] gG, int gg, float[] gCPrev, int gcp, int h) {
        int bound = S.loopBound(h);
        // 1 - x as a subtraction, as the scalar tail and PyTorch's vectorized tanh/sigmoid backward: -x + 1 gives
        // the same numbers but a NaN x's sign flipped
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int j = 0; j < bound; j += S.length()) {
            FloatVector i = FloatVector.fromArray(S, sv, s + j);
            FloatVector f = FloatVector.fromArray(S, sv, s + h + j);
            FloatVector g = FloatVector.fromArray(S, sv, s + 2 * h + j);
            FloatVector o = FloatVector.fromArray(S, sv, s + 3 * h + j);
            FloatVector t = FloatVector.fromArray(S, sv, s + 4 * h + j);
            FloatVector dh = FloatVector.fromArray(S, gH, gh + j);
            if (gOut != null) {
                dh = FloatVector.fromArray(S, gOut, go + j).add(dh);
            }
            FloatVector dc = FloatVector.fromArray(S, gC, gc + j).add(dh.mul(o).mul(one.sub(t.mul(t))));
            dc.mul(g).mul(i.mul(one.sub(i))).intoArray(gG, gg + j);
            dc.mul(FloatVector.fromArray(S, cPrev, cp + j)).mul(f.mul(one.sub(f))).intoArray(gG, gg + h + j);
            dc.mul(i).mul(one.sub(g.mul(g))).intoArray(gG, gg + 2 * h + j);
            dh.mul(t).mul(o.mul(one.sub(o))).intoArray(gG, gg + 3 * h + j);
            dc.mul(f).intoArray(gCPrev, gcp + j);
        }
        return bound;
    }

    @Override
    public void pow(float[] x, int xo, int xs, float[] y, int yo, int ys, float[] o, int oo, int n) {
        VectorSleefPow.pow(x, xo, xs, y, yo, ys, o, oo, n);
    }

    @Override
    public void softmaxColumns(float[] x, int xo, float[] o, int oo, int n, int inner, int from, int to) {
        VectorSleef.softmaxColumns(x, xo, o, oo, n, inner, from, to);
    }

    @Override
    public void logSoftmaxColumns(float[] x, int xo, float[] o, int oo, int n, int inner, int from, int to,
                                  float[] scratch) {
        VectorSleef.logSoftmaxColumns(x, xo, o, oo, n, inner, from, to, scratch);
    }

    @Override
    public void softmaxBackwardColumns(float[] g, int go, float[] y, int yo, float[] o, int oo, int n, int inner,
                                       int from, int to, boolean log) {
        VectorSleef.softmaxBackwardColumns(g, go, y, yo, o, oo, n, inner, from, to, log);
    }

    @Override
    public void logSoftmaxChunk(float[] x, int xo, float[] o, int oo, int n, int inner, int from, int to,
                                float[] scratch) {
        VectorSleef.logSoftmaxChunk(x, xo, o, oo, n, inner, from, to, scratch);
    }

    @Override
    public void softmaxBackwardChunk(float[] g, int go, float[] y, int yo, float[] o, int oo, int n, int inner,
                                     int from, int to, boolean log, float[] scratch) {
        VectorSleef.softmaxBackwardChunk(g, go, y, yo, o, oo, n, inner, from, to, log, scratch);
    }

    @Override
    public void silu(float[] g, int go, int gs, float[] x, int xo, float[] o, int oo, int n) {
        VectorSleef.silu(g, go, gs, x, xo, o, oo, n);
    }

    @Override
    public void geluTanh(float[] x, int xo, float[] o, int oo, int n) {
        VectorSleef.geluTanh(x, xo, o, oo, n);
    }

    @Override
    public void geluTanhBackward(float[] g, int go, float[] x, int xo, float[] o, int oo, int n) {
        VectorSleef.geluTanhBackward(g, go, x, xo, o, oo, n);
    }

    @Override
    public void softmaxRow(float[] x, int xo, float[] o, int oo, int n, boolean log, float[] lanes) {
        float max = VectorSleef.rowMax(extreme(true, x, xo, n), x, xo, n, lanes);
        VectorSleef.softmaxRow(x, xo, o, oo, n, log, max, lanes);
    }

    @Override
    public boolean softmaxRowsFit(int n) {
        return VectorSoftmaxRows.fits(n);
    }

    @Override
    public void softmaxRows(float[] x, int xo, float[] o, int oo, int n, int rows, boolean log, float[] scratch) {
        VectorSoftmaxRows.rows(x, xo, o, oo, n, rows, log, scratch);
    }

    @Override
    public void softmaxBackwardRow(float[] g, int go, float[] y, int yo, float[] o, int oo, int n, boolean log,
                                   float[] lanes) {
        float sum = VectorSleef.backwardSum(g, go, y, yo, n, log, lanes);
        VectorSleef.softmaxBackwardRow(g, go, y, yo, o, oo, n, log, sum);
    }

    @Override
    public void softmaxBackwardRows(float[] g, int go, float[] y, int yo, float[] o, int oo, int n, int rows,
                                    boolean log, float[] scratch) {
        VectorSoftmaxRows.backwardRows(g, go, y, yo, o, oo, n, rows, log, scratch);
    }

    @Override
    public void geluKernel(float[] x, int xo, float[] o, int oo, int n) {
        VectorGeluErf.gelu(x, xo, o, oo, n);
    }

    @Override
    public void geluKernelBackward(float[] g, int go, float[] x, int xo, float[] o, int oo, int n) {
        VectorGeluErf.geluBackward(g, go, x, xo, o, oo, n);
    }

    @Override
    public void gelu(float[] x, int xo, float[] o, int oo, int n) {
        if (OneDnnGelu.on()) {
            VectorOneDnnGelu.gelu(x, xo, o, oo, n);
            return;
        }
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector a = v.mul(ElementwiseKernels.GELU_ALPHA);
            FloatVector cdf = erf(a, exp(a.mul(a).neg())).add(1f);
            v.mul(0.5f).mul(cdf).intoArray(o, oo + i);
        }
        for (; i < n; i++) {
            o[oo + i] = ElementwiseKernels.geluFloat(x[xo + i]);
        }
    }

    @Override
    public void activationBackward(boolean tanh, boolean fused, float[] g, int go, float[] y, int yo, float[] o, int oo,
                                   int n) {
        int bound = S.loopBound(n);
        int i = 0;
        FloatVector one = FloatVector.broadcast(S, 1f);
        if (!tanh) {
            // (g * (1 - y)) * y, PyTorch's order
            for (; i < bound; i += S.length()) {
                FloatVector v = FloatVector.fromArray(S, y, yo + i);
                FloatVector.fromArray(S, g, go + i).mul(one.sub(v)).mul(v).intoArray(o, oo + i);
            }
            for (; i < n; i++) {
                o[oo + i] = ActivationBackwardKernels.sigmoidBackward(g[go + i], y[yo + i]);
            }
        } else if (fused) {
            for (; i < bound; i += S.length()) {
                FloatVector v = FloatVector.fromArray(S, y, yo + i);
                FloatVector.fromArray(S, g, go + i).mul(v.neg().fma(v, one)).intoArray(o, oo + i);
            }
            for (; i < n; i++) {
                o[oo + i] = ActivationBackwardKernels.tanhBackward(true, g[go + i], y[yo + i]);
            }
        } else {
            for (; i < bound; i += S.length()) {
                FloatVector v = FloatVector.fromArray(S, y, yo + i);
                FloatVector.fromArray(S, g, go + i).mul(one.sub(v.mul(v))).intoArray(o, oo + i);
            }
            for (; i < n; i++) {
                o[oo + i] = ActivationBackwardKernels.tanhBackward(false, g[go + i], y[yo + i]);
            }
        }
    }

    @Override
    public void activationBackward(boolean tanh, boolean fused, double[] g, int go, double[] y, int yo, double[] o,
                                   int oo, int n) {
        int bound = DS.loopBound(n);
        int i = 0;
        DoubleVector one = DoubleVector.broadcast(DS, 1.0);
        if (!tanh) {
            for (; i < bound; i += DS.length()) {
                DoubleVector v = DoubleVector.fromArray(DS, y, yo + i);
                DoubleVector.fromArray(DS, g, go + i).mul(one.sub(v)).mul(v).intoArray(o, oo + i);
            }
            for (; i < n; i++) {
                o[oo + i] = ActivationBackwardKernels.sigmoidBackward(g[go + i], y[yo + i]);
            }
        } else if (fused) {
            for (; i < bound; i += DS.length()) {
                DoubleVector v = DoubleVector.fromArray(DS, y, yo + i);
                DoubleVector.fromArray(DS, g, go + i).mul(v.neg().fma(v, one)).intoArray(o, oo + i);
            }
            for (; i < n; i++) {
                o[oo + i] = ActivationBackwardKernels.tanhBackward(true, g[go + i], y[yo + i]);
            }
        } else {
            for (; i < bound; i += DS.length()) {
                DoubleVector v = DoubleVector.fromArray(DS, y, yo + i);
                DoubleVector.fromArray(DS, g, go + i).mul(one.sub(v.mul(v))).intoArray(o, oo + i);
            }
            for (; i < n; i++) {
                o[oo + i] = ActivationBackwardKernels.tanhBackward(false, g[go + i], y[yo + i]);
            }
        }
    }

    @Override
    public void geluBackward(float[] g, int go, float[] x, int xo, float[] o, int oo, int n) {
        if (OneDnnGelu.on()) {
            VectorOneDnnGelu.geluBackward(g, go, x, xo, o, oo, n);
            return;
        }
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector a = v.mul(ElementwiseKernels.GELU_ALPHA);
            FloatVector e = exp(a.mul(a).neg()); // one exponential for both: a second one is past C2's node cutoff
            FloatVector cdf = erf(a, e).add(1f).mul(0.5f);
            FloatVector pdf = e.mul(ElementwiseKernels.GELU_PDF_F);
            FloatVector.fromArray(S, g, go + i).mul(v.fma(pdf, cdf)).intoArray(o, oo + i);
        }
        for (; i < n; i++) {
            o[oo + i] = ElementwiseKernels.geluBackwardFloat(g[go + i], x[xo + i]);
        }
    }

    /**
     * A vector's width of windows at a time (eight with AVX2): the two input rows are split into their even and odd columns, and
     * the scalar kernel's selection tree runs lane-wise (strictly greater wins, so ties keep the first). A row's
     * last group overlaps the one before it instead of leaving a scalar tail.
     */
    @Override
    public int maxPool2x2Row(float[] x, int r0, int w, float[] o, int oo, long[] ind, byte[] codes, int at, int ow) {
        int lanes = S.length();
        if (ow < lanes) {
            return 0;
        }
        int r1 = r0 + w;
        for (int xo = 0; xo < ow; xo += lanes) {
            if (xo > ow - lanes) {
                xo = ow - lanes;
            }
            int c = 2 * xo;
            FloatVector a0 = FloatVector.fromArray(S, x, r0 + c);
            FloatVector a1 = FloatVector.fromArray(S, x, r0 + c + lanes);
            FloatVector b0 = FloatVector.fromArray(S, x, r1 + c);
            FloatVector b1 = FloatVector.fromArray(S, x, r1 + c + lanes);
            FloatVector topLeft = a0.rearrange(EVEN).blend(a1.rearrange(EVEN), HIGH_HALF);
            FloatVector topRight = a0.rearrange(ODD).blend(a1.rearrange(ODD), HIGH_HALF);
            FloatVector bottomLeft = b0.rearrange(EVEN).blend(b1.rearrange(EVEN), HIGH_HALF);
            FloatVector bottomRight = b0.rearrange(ODD).blend(b1.rearrange(ODD), HIGH_HALF);
            FloatVector sum = topLeft.add(topRight).add(bottomLeft).add(bottomRight);
            if (sum.compare(VectorOperators.NE, sum).anyTrue()) {
                return xo; // a NaN (or infinities of both signs) in one of these windows: the scalar rule decides
            }
            VectorMask<Float> right0 = topRight.compare(VectorOperators.GT, topLeft);
            VectorMask<Float> right1 = bottomRight.compare(VectorOperators.GT, bottomLeft);
            FloatVector top = topLeft.blend(topRight, right0);
            FloatVector bottom = bottomLeft.blend(bottomRight, right1);
            VectorMask<Float> lower = bottom.compare(VectorOperators.GT, top);
            top.blend(bottom, lower).intoArray(o, oo + xo);
            if (codes != null) {
                // the window's positions 0 1 / 2 3, one byte each
                IntVector zero = IntVector.zero(IS);
                IntVector inTop = zero.add(1, right0.cast(IS));
                IntVector inBottom = zero.add(2).add(1, right1.cast(IS));
                inTop.blend(inBottom, lower.cast(IS)).convertShape(VectorOperators.I2B, BS, 0)
                        .reinterpretAsBytes().intoArray(codes, oo + xo);
            } else if (ind != null) {
                IntVector zero = IntVector.zero(IS);
                IntVector inTop = zero.add(1, right0.cast(IS));
                IntVector inBottom = zero.add(w).add(1, right1.cast(IS));
                IntVector index = EVEN_OFFSETS.add(at + c).add(inTop.blend(inBottom, lower.cast(IS)));
                index.convertShape(VectorOperators.I2L, LS, 0).reinterpretAsLongs().intoArray(ind, oo + xo);
                index.convertShape(VectorOperators.I2L, LS, 1).reinterpretAsLongs().intoArray(ind, oo + xo + lanes / 2);
            }
        }
        return ow;
    }

    /**
     * A vector's width of windows at a time: their gradients and codes are each doubled in place ({@link #ZIP_LOW},
     * {@link #ZIP_HIGH}) to line up with the two input columns under each window, and every input position takes the
     * gradient where the window's code names it, zero elsewhere. A row's last group overlaps the one before it.
     */
    @Override
    public boolean maxPool2x2RowBackward(float[] g, int go, byte[] codes, float[] d, int top, int w, int ow) {
        int lanes = S.length();
        if (ow < lanes) {
            return false;
        }
        int bottom = top + w;
        FloatVector zero = FloatVector.zero(S);
        for (int xo = 0; xo < ow; xo += lanes) {
            if (xo > ow - lanes) {
                xo = ow - lanes;
            }
            FloatVector gv = FloatVector.fromArray(S, g, go + xo).add(0f);
            FloatVector cv = (FloatVector) ByteVector.fromArray(BS, codes, go + xo).convertShape(VectorOperators.B2F, S, 0);
            int c = 2 * xo;
            FloatVector gl = gv.rearrange(ZIP_LOW);
            FloatVector cl = cv.rearrange(ZIP_LOW);
            zero.blend(gl, cl.compare(VectorOperators.EQ, TOP_CODES)).intoArray(d, top + c);
            zero.blend(gl, cl.compare(VectorOperators.EQ, BOTTOM_CODES)).intoArray(d, bottom + c);
            FloatVector gh = gv.rearrange(ZIP_HIGH);
            FloatVector ch = cv.rearrange(ZIP_HIGH);
            zero.blend(gh, ch.compare(VectorOperators.EQ, TOP_CODES)).intoArray(d, top + c + lanes);
            zero.blend(gh, ch.compare(VectorOperators.EQ, BOTTOM_CODES)).intoArray(d, bottom + c + lanes);
        }
        return true;
    }

    private static float[] columnParities() {
        float[] p = new float[S.length()];
        for (int i = 0; i < p.length; i++) {
            p[i] = i % 2;
        }
        return p;
    }
}
