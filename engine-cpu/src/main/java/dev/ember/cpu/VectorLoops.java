package dev.ember.cpu;

import dev.ember.backend.BinaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Contiguous float32 arithmetic on the incubating Vector API: C2 does not vectorize the plain loops when the
 * output may alias an input (every in-place update, such as an optimizer step), so these run up to a vector's
 * width faster. Loaded only through {@link ElementwiseKernels}'s probe, like {@link VectorMicroKernels}.
 */
final class VectorLoops implements ElementwiseKernels.FloatLoops {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

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
            default:
                return false;
        }
    }

    @Override
    public boolean binaryScalar(BinaryOp op, float[] x, int xo, float s, float[] o, int oo, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        FloatVector sv = FloatVector.broadcast(S, s);
        switch (op) {
            case ADD:
                for (; i < bound; i += S.length()) {
                    FloatVector.fromArray(S, x, xo + i).add(sv).intoArray(o, oo + i);
                }
                for (; i < n; i++) {
                    o[oo + i] = x[xo + i] + s;
                }
                return true;
            case SUB:
                for (; i < bound; i += S.length()) {
                    FloatVector.fromArray(S, x, xo + i).sub(sv).intoArray(o, oo + i);
                }
                for (; i < n; i++) {
                    o[oo + i] = x[xo + i] - s;
                }
                return true;
            case MUL:
                for (; i < bound; i += S.length()) {
                    FloatVector.fromArray(S, x, xo + i).mul(sv).intoArray(o, oo + i);
                }
                for (; i < n; i++) {
                    o[oo + i] = x[xo + i] * s;
                }
                return true;
            default:
                return false;
        }
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
        float sum = s0.add(s1).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
        for (; i < n; i++) {
            sum = Math.fma(x[xo + i], y[yo + i], sum);
        }
        return sum;
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
}
