package dev.ember.cpu;

import dev.ember.Tensor;
import dev.ember.backend.CpuCapability;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * float32 pow with PyTorch's CPU bits, against PyTorch 1.13's results under the capability Ember follows
 * ({@link CpuCapability}: AVX-512's passes of 32 floats on this machine, AVX2's 16 with
 * {@code -Dember.cpu.capability=avx2}; powbits/make_expected.py): a tensor by a number (sizes around the passes, a
 * stride-2 view and the rows of a narrowed matrix, which PyTorch computes in its scalar form, a transposed matrix run
 * in memory order, and the special exponents' exact formulas), two tensors, and a number by a tensor; bases and
 * exponents include +-0, NaN, +-inf, +-1, subnormals, the float range's ends, negative bases with integer, odd and
 * non-integer exponents, and exponents beyond 2^24. Exponents a float cannot hold (0.1, 16777217.0, 1e-320, NaN,
 * 2.0000000001: rounded to float in the vectorized part only, as given in the scalar part), contiguous and strided,
 * with the specials in either part; a 0-dim float64 exponent tensor and such a number as the base (both rounded to
 * float). Tests the Sleef path ({@link SleefPathFixture}).
 */
class PowBitsTest extends SleefPathFixture {
    private static final int P = 4099;

    private static byte[] bytes(String name) throws IOException {
        return resource("powbits/" + name);
    }

    private static int[] ints(String name) throws IOException {
        return resourceInts("powbits/" + name);
    }

    private static float[] floats(String name) throws IOException {
        return bitsToFloats(ints(name));
    }

    /** A number as Python's repr writes it ({@code nan}, {@code inf}, {@code -inf} included). */
    private static double number(String repr) {
        switch (repr) {
            case "nan": return Double.NaN;
            case "inf": return Double.POSITIVE_INFINITY;
            case "-inf": return Double.NEGATIVE_INFINITY;
            default: return Double.parseDouble(repr);
        }
    }

    /** Each case's Ember result, row-major, in the order of cases.txt. */
    private static List<float[]> results(List<String[]> cases) throws IOException {
        float[] pool = floats("pool.bin");
        float[] epool = floats("epool.bin");
        List<float[]> out = new ArrayList<>();
        for (int c = 0; c < cases.size(); c++) {
            String[] parts = cases.get(c);
            String kind = parts[1];
            int[] nums = new int[parts.length - 3];
            for (int k = 0; k < nums.length; k++) {
                nums[k] = Integer.parseInt(parts[k + 3]);
            }
            boolean shifted = kind.equals("cs") || kind.equals("ds");
            int shift = shifted ? nums[1] : 37 * c;
            int[] shape = kind.equals("s2") || kind.equals("ds") ? new int[] {2 * nums[0]}
                    : nums.length == 1 || shifted ? new int[] {nums[0]} : new int[] {nums[0], nums[1]};
            int numel = shape.length == 1 ? shape[0] : shape[0] * shape[1];
            float[] base = new float[numel];
            for (int i = 0; i < numel; i++) {
                base[i] = pool[(i + shift) % P];
            }
            Tensor x = Tensor.fromArray(base).reshape(shape);
            switch (kind) {
                case "s2":
                case "ds":
                    x = x.slice(0, 0, 2 * nums[0], 2);
                    break;
                case "rows": x = x.narrow(1, 0, nums[2]); break;
                case "t": x = x.t(); break;
                default: break;
            }
            Tensor y;
            if (kind.equals("tt")) {
                float[] e = new float[numel];
                for (int i = 0; i < numel; i++) {
                    e[i] = epool[(3 * i + shift) % P];
                }
                y = x.pow(Tensor.fromArray(e));
            } else if (kind.equals("t0")) {
                y = x.pow(Tensor.fromArray(new double[] {number(parts[2])}).reshape());
            } else if (kind.equals("sf")) {
                y = Tensor.pow(number(parts[2]), x);
            } else {
                y = x.pow(number(parts[2]));
            }
            out.add(y.contiguous().toFloatArray());
        }
        return out;
    }

    private static List<String[]> cases() throws IOException {
        List<String[]> cases = new ArrayList<>();
        for (String line : new String(bytes("cases.txt"), StandardCharsets.US_ASCII).split("\n")) {
            if (!line.isBlank()) {
                cases.add(line.trim().split(" "));
            }
        }
        return cases;
    }

    private static int[] expected() throws IOException {
        return ints("out_" + (CpuCapability.value().equals("AVX512") ? "avx512" : "avx2") + ".bin");
    }

    @Test
    void powHasPyTorchsBits() throws IOException {
        List<String[]> cases = cases();
        int[] expected = expected();
        List<float[]> results = results(cases);
        int at = 0;
        for (int c = 0; c < cases.size(); c++) {
            float[] r = results.get(c);
            for (int i = 0; i < r.length; i++) {
                int want = expected[at + i];
                assertEquals(want, Float.floatToRawIntBits(r[i]), cases.get(c)[0] + " element " + i + ": PyTorch "
                        + Float.intBitsToFloat(want) + ", Ember " + r[i]);
            }
            at += r.length;
        }
        assertEquals(expected.length, at, "every expected element compared");
    }

    @Test
    void exactPropertyKeepsTheNearestFloat() throws IOException {
        List<String[]> cases = cases();
        int[] expected = expected();
        System.setProperty(SleefFloat.EXACT_PROPERTY, "true");
        List<float[]> results = results(cases);
        int differ = 0;
        int at = 0;
        for (float[] r : results) {
            for (int i = 0; i < r.length; i++) {
                if (Float.floatToRawIntBits(r[i]) != expected[at + i]) {
                    differ++;
                }
            }
            at += r.length;
        }
        // the nearest float differs from Sleef's powf in about 1.7% of the random elements of the vectorized part
        assertTrue(differ > 100, "the old path should differ from PyTorch's vectorized bits somewhere, got " + differ);
    }
}
