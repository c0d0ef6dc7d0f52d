package dev.ember;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.function.BinaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The typed comparison and logical loops of two bool or two int64 operands (session 57) against the generic loop they
 * replace ({@code -Dember.cpu.predicate.genericIntegral=true}, read per call: each element read through the storage's
 * {@code getDouble} / {@code getLong}) and against the ops' definitions element by element: contiguous, transposed,
 * broadcast (a row and a 0-dim operand), sliced with a step, a tail shorter than any vector, empty.
 */
class PredicateTypedRunsTest {
    private static final String GENERIC = "ember.cpu.predicate.genericIntegral";

    private static final List<String> OPS = List.of("eq", "ne", "lt", "le", "gt", "ge", "and", "or", "xor");

    private static Tensor apply(String op, Tensor a, Tensor b) {
        switch (op) {
            case "eq": return a.eq(b);
            case "ne": return a.ne(b);
            case "lt": return a.lt(b);
            case "le": return a.le(b);
            case "gt": return a.gt(b);
            case "ge": return a.ge(b);
            case "and": return a.logicalAnd(b);
            case "or": return a.logicalOr(b);
            default: return a.logicalXor(b);
        }
    }

    /** The op's definition over two values (bools as 0 and 1). */
    private static boolean expected(String op, long x, long y) {
        switch (op) {
            case "eq": return x == y;
            case "ne": return x != y;
            case "lt": return x < y;
            case "le": return x <= y;
            case "gt": return x > y;
            case "ge": return x >= y;
            case "and": return x != 0 && y != 0;
            case "or": return x != 0 || y != 0;
            default: return (x != 0) != (y != 0);
        }
    }

    private static Tensor generic(String op, Tensor a, Tensor b) {
        System.setProperty(GENERIC, "true");
        try {
            return apply(op, a, b);
        } finally {
            System.clearProperty(GENERIC);
        }
    }

    /** The pairs of operands: each with its broadcast partner, in several layouts. */
    private static List<Tensor[]> pairs(Tensor x, Tensor y) {
        return List.of(
                new Tensor[] {x, y},
                new Tensor[] {x.transpose(0, 1), y.transpose(0, 1)},
                new Tensor[] {x, y.select(0, 3)},
                new Tensor[] {x, y.select(0, 0).select(0, 5)},
                new Tensor[] {x.slice(1, 1, 37, 3), y.slice(1, 0, 36, 3)},
                new Tensor[] {x.narrow(1, 0, 5), y.narrow(1, 2, 5)},
                new Tensor[] {x.narrow(0, 0, 0), y.narrow(0, 0, 0)});
    }

    private static void check(Tensor x, Tensor y) {
        int compared = 0;
        for (Tensor[] p : pairs(x, y)) {
            for (String op : OPS) {
                Tensor r = apply(op, p[0], p[1]);
                Tensor g = generic(op, p[0], p[1]);
                assertEquals(DType.BOOL, r.dtype());
                assertArrayEquals(g.shape(), r.shape(), op);
                boolean[] got = r.contiguous().toBooleanArray();
                assertArrayEquals(g.contiguous().toBooleanArray(), got, op);
                List<Tensor> b = Tensor.broadcastTensors(List.of(p[0], p[1]));
                long[] xa = b.get(0).to(DType.INT64).contiguous().toLongArray();
                long[] ya = b.get(1).to(DType.INT64).contiguous().toLongArray();
                for (int i = 0; i < got.length; i++) {
                    assertEquals(expected(op, xa[i], ya[i]), got[i], op + " at " + i);
                }
                compared += got.length;
            }
        }
        assertEquals(true, compared > 0);
    }

    @Test
    void boolOperands() {
        Generator gen = new Generator(57);
        check(Tensor.rand(gen, DType.FLOAT32, 9, 41).gt(0.5), Tensor.rand(gen, DType.FLOAT32, 9, 41).gt(0.4));
    }

    @Test
    void int64Operands() {
        Generator gen = new Generator(58);
        check(Tensor.randint(gen, -3, 4, 9, 41), Tensor.randint(gen, -3, 4, 9, 41));
    }

    @Test
    void largeMasksSplitOverThreads() {
        Generator gen = new Generator(59);
        Tensor x = Tensor.randn(gen, DType.FLOAT32, 16, 128, 512);
        Tensor inside = x.ge(-0.5).logicalAnd(x.le(0.5));
        BinaryOperator<Tensor> and = Tensor::logicalAnd;
        assertArrayEquals(generic("and", x.ge(-0.5), x.le(0.5)).toBooleanArray(), inside.toBooleanArray());
        float[] v = x.toFloatArray();
        boolean[] got = and.apply(x.ge(-0.5), x.le(0.5)).toBooleanArray();
        for (int i = 0; i < v.length; i++) {
            assertEquals(v[i] >= -0.5f && v[i] <= 0.5f, got[i]);
        }
    }
}
