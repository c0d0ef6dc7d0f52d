package dev.ember;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BinaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Complex64 add's vector loop as one sum {@code (a + alpha b) + swap(b) (-0, +0)} (session 58) against the loop it
 * replaced ({@code -Dember.complex.addBlend=true}: the zero products subtracted and added, then blended) and against the
 * scalar loop ({@code -Dember.complex.oldLoops=true}), bit for bit with NaN as NaN (which NaN a sum of two NaNs returns
 * depends on C2's operand order, so NaN signs are not compared): zeros of both signs (where the zero products decide a
 * zero's sign), infinities (where they make NaN), NaNs, huge and subnormal parts, over odd lengths (tails), broadcast and
 * 0-dim operands, conjugate views, alpha 1, 2.5 and -1 (sub), and in place.
 */
class ComplexAddLoopTest {
    private static final String OLD = "ember.complex.addBlend";
    private static final String SCALAR = "ember.complex.oldLoops";

    private static final float[] SPECIAL = {0f, -0f, 1f, -1f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.NaN, 1e-40f, -3e38f, 3e38f};

    @AfterEach
    void clear() {
        System.clearProperty(OLD);
        System.clearProperty(SCALAR);
    }

    private static Tensor draw(Random r, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        float[] re = new float[n];
        float[] im = new float[n];
        for (int i = 0; i < n; i++) {
            re[i] = r.nextInt(3) == 0 ? SPECIAL[r.nextInt(SPECIAL.length)] : (float) r.nextGaussian();
            im[i] = r.nextInt(3) == 0 ? SPECIAL[r.nextInt(SPECIAL.length)] : (float) r.nextGaussian();
        }
        return Tensor.complex(Tensor.fromArray(re).reshape(shape), Tensor.fromArray(im).reshape(shape));
    }

    private static int[] bits(Tensor z) {
        float[] p = z.resolveConj().viewAsReal().contiguous().toFloatArray();
        int[] out = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = Float.isNaN(p[i]) ? 1 : Float.floatToRawIntBits(p[i]);
        }
        return out;
    }

    private static int[] with(String property, Tensor a, Tensor b, BinaryOperator<Tensor> op) {
        if (property != null) {
            System.setProperty(property, "true");
        }
        try {
            return bits(op.apply(a, b));
        } finally {
            if (property != null) {
                System.clearProperty(property);
            }
        }
    }

    @Test
    void oneSumKeepsTheBlendedLoopsAndTheScalarLoopsBits() {
        Random r = new Random(58);
        List<Tensor[]> cases = new ArrayList<>();
        for (int n : new int[] {1, 3, 4, 5, 8, 9, 17, 1001, 4099}) {
            cases.add(new Tensor[] {draw(r, n), draw(r, n)});
        }
        cases.add(new Tensor[] {draw(r, 13, 37), draw(r, 37)});
        cases.add(new Tensor[] {draw(r, 13, 37), draw(r)});
        cases.add(new Tensor[] {draw(r), draw(r, 45)});
        cases.add(new Tensor[] {draw(r, 257).conj(), draw(r, 257)});
        cases.add(new Tensor[] {draw(r, 257), draw(r, 257).conj()});
        List<BinaryOperator<Tensor>> ops = List.of(Tensor::add, (a, b) -> a.add(b, 2.5), Tensor::sub);
        int compared = 0;
        for (Tensor[] ab : cases) {
            for (int k = 0; k < ops.size(); k++) {
                BinaryOperator<Tensor> op = ops.get(k);
                String what = "op " + k + " " + Arrays.toString(ab[0].shape()) + " " + Arrays.toString(ab[1].shape());
                int[] now = with(null, ab[0], ab[1], op);
                assertArrayEquals(with(OLD, ab[0], ab[1], op), now, "blended loop, " + what);
                assertArrayEquals(with(SCALAR, ab[0], ab[1], op), now, "scalar loop, " + what);
                if (Arrays.equals(ab[0].shape(), Shapes.broadcast(ab[0].shape(), ab[1].shape())) && !ab[0].isConj()) {
                    Tensor x = ab[0].clone();
                    if (k == 0) {
                        x.add_(ab[1]);
                        assertArrayEquals(now, bits(x), "add_ " + what);
                    }
                }
                compared += now.length;
            }
        }
        assertTrue(compared > 30000, "compared " + compared);
    }
}
