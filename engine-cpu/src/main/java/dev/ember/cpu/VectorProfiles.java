package dev.ember.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Gives the Vector API's shared operator code, before any kernel runs, the variety of operators the kernels will bring
 * it anyway, so that C2 never speculates on one operator class there.
 *
 * <p>Why: the kernels run in the interpreter and C1 for their first calls, which makes the Vector API's internals
 * ({@code FloatVector.opCode}, {@code VectorOperators.opCode}, {@code VectorOperators.ImplCache.find}) hot on their
 * own. C2 compiles them with the operator classes their profiles saw so far (say only {@code +} and {@code *}); the
 * first FMA or negation then deoptimizes them, and after four such traps their profiles hold four recorded traps. JDK
 * 17's C2 adds those counts up over every inlined copy of a method in a compilation: a kernel with 25 or more vector
 * operations passes the per-method limit of 100, C2 stops speculating on types in the whole kernel, and its stores and
 * FMAs, which need an exact vector class, become calls that allocate every vector. In 14 of 21 runs of the main job
 * (AMD EPYC Zen 5, 2 cores) that left the GEMM tile and a convolution row kernel allocating to the end of the run
 * (second epoch 4.5-7.0 s against 3.0-4.2 s). Seen once each, unary, binary, associative and ternary operators leave these profiles polymorphic,
 * and C2 then compiles them without a speculation to trap on. ({@code -XX:PerMethodTrapLimit=100000} avoids the limit
 * itself; JDK 25 keeps its intrinsics either way.)
 *
 * <p>Only the preferred float species is used, so the vector-class profiles the kernels rely on stay monomorphic
 * (see {@code VectorHelpersInlineTest.oneFloatSpecies}). {@code -Dember.cpu.seedVectorProfiles=false} skips it.
 */
final class VectorProfiles {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final AtomicBoolean SEEDED = new AtomicBoolean();
    /**
     * Enough calls for the JIT's first compilation of the operator code to profile the mix (the first call, the Vector
     * API's start-up included, took 101-150 ms in a harness; 61 ms with 3,000 rounds).
     */
    private static final int ROUNDS = 20_000;
    /** Keeps the result observable, so the loop is not dead code. */
    static volatile float sink;

    private VectorProfiles() {
    }

    /** Runs the mix once per JVM (later calls return at once); the kernel classes call it when they load. */
    static void seedOnce() {
        if (!Boolean.parseBoolean(System.getProperty("ember.cpu.seedVectorProfiles", "true"))
                || !SEEDED.compareAndSet(false, true)) {
            return;
        }
        VectorOperators.Unary[] unary = {VectorOperators.NEG, VectorOperators.ABS};
        VectorOperators.Binary[] binary = {VectorOperators.ADD, VectorOperators.SUB, VectorOperators.MUL,
                VectorOperators.DIV, VectorOperators.MIN, VectorOperators.MAX};
        FloatVector v = FloatVector.broadcast(S, 0.5f);
        FloatVector w = FloatVector.broadcast(S, 0.25f);
        for (int i = 0; i < ROUNDS; i++) {
            w = w.lanewise(unary[i & 1]).lanewise(binary[i % binary.length], v).lanewise(VectorOperators.FMA, v, w);
        }
        sink = w.lane(0);
    }
}
