package dev.ember;

import dev.ember.nn.Functional;
import dev.ember.nn.Upsample;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The resampling completed in session 19 against PyTorch ({@code resample/make_expected.py}, read through
 * {@link ReferenceCases}: values, nodes, gradients, errors): {@code F.interpolate} with modes "linear" (3-D),
 * "trilinear" (5-D) and "area" on 3-D and 5-D input; {@code F.grid_sample} with mode "bicubic" and on 5-D input;
 * {@code F.affine_grid} for 5-D sizes. Then gradchecks and gradgradchecks (PyTorch's upsampling and pooling backwards
 * differentiate again; its grid sampler's backward does not, and Ember raises PyTorch's error there), the second-order
 * nodes, the {@code Upsample} module with the new modes, and the half types.
 */
class ResampleMoreTest {
    private static final String RESOURCE = "/resample/expected.txt";

    private static int[] ints(List<String> w, int from) {
        List<Integer> v = new ArrayList<>();
        for (int i = from; i < w.size() && w.get(i).matches("\\d+"); i++) {
            v.add(Integer.parseInt(w.get(i)));
        }
        return v.stream().mapToInt(Integer::intValue).toArray();
    }

    private static double[] doubles(List<String> w, int from) {
        List<Double> v = new ArrayList<>();
        for (int i = from; i < w.size() && w.get(i).matches("[\\d.]+"); i++) {
            v.add(Double.parseDouble(w.get(i)));
        }
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static Function<Tensor[], Tensor> interpolate(String name) {
        List<String> w = List.of(name.split(" "));
        String mode = w.get(0);
        String last = w.get(w.size() - 1);
        Boolean ac = last.equals("True") || last.equals("False") ? Boolean.valueOf(last.equals("True")) : null;
        Boolean recompute = name.endsWith("recompute") ? Boolean.TRUE : null;
        int[] size = w.contains("size") ? ints(w, w.indexOf("size") + 1) : null;
        double[] scale = w.contains("scale") ? doubles(w, w.indexOf("scale") + 1) : null;
        Function<Tensor, Tensor> view = x -> x;
        if (name.endsWith("from 1")) {
            size = new int[] {4};
        } else if (name.endsWith("same")) {
            size = new int[] {5};
        } else if (name.endsWith("empty batch")) {
            size = new int[] {mode.equals("linear") ? 7 : mode.equals("trilinear") ? 3 : 2};
        } else if (name.endsWith("noncontiguous")) {
            size = mode.equals("linear") ? new int[] {8} : mode.equals("trilinear") ? new int[] {3, 4, 5} : new int[] {3, 2, 4};
            view = mode.equals("linear") ? x -> x.permute(2, 1, 0) : x -> x.transpose(2, 4);
        }
        int[] s = size;
        Function<Tensor, Tensor> v = view;
        return a -> Functional.interpolate(v.apply(a[0]), s, scale, mode, ac, recompute);
    }

    private static Function<Tensor[], Tensor> grid(String name) {
        if (name.endsWith(" noncontiguous border True")) {
            return a -> Functional.gridSample(a[0].transpose(2, 3), a[1], "bicubic", "border", true);
        }
        if (name.endsWith(" noncontiguous bilinear reflection True")) {
            return a -> Functional.gridSample(a[0].transpose(2, 4), a[1].transpose(1, 2), "bilinear", "reflection", true);
        }
        name = name.replace(" nograd1", "");
        String[] w = name.split(" ");
        if (name.endsWith("empty batch")) {
            String mode = name.contains("bicubic") ? "bicubic" : "bilinear";
            return a -> Functional.gridSample(a[0], a[1], mode, "zeros", false);
        }
        if (name.startsWith("grid 5d special") || name.startsWith("grid 5d depth 1")) {
            boolean ac = name.contains("depth");
            return a -> Functional.gridSample(a[0], a[1], "bilinear", w[w.length - 1], ac);
        }
        boolean ac = Boolean.parseBoolean(w[w.length - 1]);
        String padding = w[w.length - 2];
        String mode = name.startsWith("grid bicubic") ? "bicubic" : w[w.length - 3];
        return a -> Functional.gridSample(a[0], a[1], mode, padding, ac);
    }

    private static Function<Tensor[], Tensor> affine(String name) {
        if (name.equals("affine3d unit size empty batch")) {
            return a -> Functional.affineGrid(a[0], new int[] {0, 1, 1, 2, 2}, true);
        }
        String[] w = name.split(" ");
        boolean ac = Boolean.parseBoolean(w[w.length - 1]);
        if (name.contains("then grid_sample")) {
            return a -> Functional.gridSample(a[1], Functional.affineGrid(a[0], new int[] {2, 1, 2, 2, 3}, ac), "bilinear",
                    "zeros", ac);
        }
        int[] size = name.contains("float32") ? new int[] {2, 1, 3, 2, 2} : name.contains("depth 1") ? new int[] {2, 1, 1, 2, 3}
                : new int[] {2, 3, 2, 3, 4};
        return a -> Functional.affineGrid(a[0], size, ac);
    }

    private static Function<Tensor[], Tensor> error(String name) {
        switch (name) {
            case "error linear 4d": case "error linear 5d": case "error linear long":
                return a -> Functional.interpolate(a[0], new int[] {3}, "linear");
            case "error trilinear 3d": case "error trilinear 4d": case "error trilinear long":
            case "error trilinear no channels":
                return a -> Functional.interpolate(a[0], new int[] {3}, "trilinear");
            case "error bicubic 3d": case "error bicubic 5d":
                return a -> Functional.interpolate(a[0], new int[] {3}, "bicubic");
            case "error area 1d long": case "error area 3d long": case "error area 3d empty depth":
            case "error area 1d empty width":
                return a -> Functional.interpolate(a[0], new int[] {3}, "area");
            case "error linear size 0": return a -> Functional.interpolate(a[0], new int[] {0}, "linear");
            case "error linear empty width": case "error linear no channels":
                return a -> Functional.interpolate(a[0], new int[] {3}, "linear");
            case "error trilinear size 0": return a -> Functional.interpolate(a[0], new int[] {2, 0, 1}, "trilinear");
            case "error area align_corners":
                return a -> Functional.interpolate(a[0], new int[] {3}, null, "area", true, null);
            case "error grid 5d bicubic": return a -> Functional.gridSample(a[0], a[1], "bicubic", "zeros", false);
            case "error affine3d bad theta": return a -> Functional.affineGrid(a[0], new int[] {2, 1, 2, 2, 2}, false);
            case "error affine2d given 3d theta": return a -> Functional.affineGrid(a[0], new int[] {2, 1, 2, 2}, false);
            case "error affine3d zero size": return a -> Functional.affineGrid(a[0], new int[] {2, 1, 2, 0, 2}, false);
            case "error affine 6d size": return a -> Functional.affineGrid(a[0], new int[] {2, 1, 2, 2, 2, 2}, false);
            default:
                if (name.startsWith("error grid")) {
                    return a -> Functional.gridSample(a[0], a[1], "bilinear", "zeros", false);
                }
                throw new IllegalStateException("no Ember call for case " + name);
        }
    }

    private static Function<Tensor[], Tensor> op(String name) {
        if (name.startsWith("error ")) {
            return error(name);
        }
        if (name.startsWith("grid ")) {
            return grid(name);
        }
        if (name.startsWith("affine3d")) {
            return affine(name);
        }
        return interpolate(name);
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        // float32: PyTorch's kernels round the weights and sums in their own order
        return ReferenceCases.tests(RESOURCE, ResampleMoreTest::op, 2e-5);
    }

    private static final Generator GEN = new Generator(1919);

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT64, shape).mul(2.0).sub(1.0).requiresGrad_(true);
    }

    private static DynamicTest first(String name, Function<Tensor[], Tensor> f, Tensor... in) {
        return DynamicTest.dynamicTest(name + " (gradcheck)", () -> assertTrue(Autograd.gradcheck(f, in)));
    }

    /** gradgradcheck of {@code f(x)^2}: the ops are linear in x, so their second derivative is seen through the square. */
    private static DynamicTest second(String name, Function<Tensor[], Tensor> f, Tensor... in) {
        return DynamicTest.dynamicTest(name + " (gradgradcheck)",
                () -> assertTrue(Autograd.gradgradcheck(p -> f.apply(p).pow(2L), in)));
    }

    @TestFactory
    List<DynamicTest> gradchecks() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor x3 = r(2, 2, 5);
        Tensor x5 = r(1, 2, 2, 3, 4);
        for (boolean ac : new boolean[] {false, true}) {
            Function<Tensor[], Tensor> lin = p -> Functional.interpolate(p[0], new int[] {8}, null, "linear", ac, null);
            Function<Tensor[], Tensor> tri = p -> Functional.interpolate(p[0], new int[] {3, 5, 3}, null, "trilinear", ac,
                    null);
            t.add(first("linear " + ac, lin, x3));
            t.add(second("linear " + ac, lin, x3));
            t.add(first("trilinear " + ac, tri, x5));
            t.add(second("trilinear " + ac, tri, x5));
        }
        Function<Tensor[], Tensor> linScale = p -> Functional.interpolate(p[0], null, new double[] {0.7}, "linear", null,
                null);
        t.add(first("linear scale 0.7", linScale, x3));
        Function<Tensor[], Tensor> area1 = p -> Functional.interpolate(p[0], new int[] {3}, "area");
        Function<Tensor[], Tensor> area3 = p -> Functional.interpolate(p[0], new int[] {3, 2, 3}, "area");
        Function<Tensor[], Tensor> area3up = p -> Functional.interpolate(p[0], new int[] {1, 4, 5}, "area");
        t.add(first("area 1-D", area1, x3));
        t.add(second("area 1-D", area1, x3));
        t.add(first("area 3-D", area3, x5));
        t.add(second("area 3-D", area3, x5));
        t.add(first("area 3-D up", area3up, x5));
        t.add(second("area 3-D up", area3up, x5));

        Tensor img = r(1, 2, 4, 5);
        Tensor vol = r(1, 2, 3, 3, 4);
        // positions kept away from pixel centres and the clipping limits, where the derivative jumps
        Tensor g2 = Tensor.rand(GEN, DType.FLOAT64, 1, 3, 2, 2).mul(1.6).sub(0.8).requiresGrad_(true);
        Tensor g3 = Tensor.rand(GEN, DType.FLOAT64, 1, 2, 2, 2, 3).mul(1.6).sub(0.8).requiresGrad_(true);
        for (String padding : new String[] {"zeros", "border", "reflection"}) {
            for (boolean ac : new boolean[] {false, true}) {
                t.add(first("grid_sample bicubic " + padding + " " + ac,
                        p -> Functional.gridSample(p[0], p[1], "bicubic", padding, ac), img, g2));
                t.add(first("grid_sample 5-D bilinear " + padding + " " + ac,
                        p -> Functional.gridSample(p[0], p[1], "bilinear", padding, ac), vol, g3));
            }
        }
        t.add(first("grid_sample 5-D nearest (input)",
                p -> Functional.gridSample(p[0], g3.detach(), "nearest", "reflection", false), vol));
        Tensor theta = r(2, 3, 4);
        Function<Tensor[], Tensor> aff = p -> Functional.affineGrid(p[0], new int[] {2, 1, 2, 3, 4}, false).mul(p[0].sum());
        t.add(first("affine_grid 3-D", aff, theta));
        t.add(second("affine_grid 3-D", aff, theta));
        return t;
    }

    /** The gradient's node when the graph of the backward is kept (create_graph), with a gradient that requires grad. */
    private static String backwardNode(Function<Tensor, Tensor> f, Tensor x) {
        Tensor out = f.apply(x);
        Tensor w = out.detach().onesLike().requiresGrad_(true);
        Tensor g = Autograd.grad(List.of(out), List.of(x), List.of(w), true).get(0);
        return g.gradFn().name();
    }

    @Test
    void secondOrderNodes() {
        Tensor x3 = r(1, 2, 4);
        Tensor x5 = r(1, 1, 2, 3, 3);
        assertEquals("UpsampleLinear1DBackwardBackward0",
                backwardNode(x -> Functional.interpolate(x, new int[] {7}, "linear"), x3));
        assertEquals("UpsampleTrilinear3DBackwardBackward0",
                backwardNode(x -> Functional.interpolate(x, new int[] {3, 4, 5}, "trilinear"), x5));
        assertEquals("AdaptiveAvgPool3DBackwardBackward0",
                backwardNode(x -> Functional.interpolate(x, new int[] {1, 2, 2}, "area"), x5));
    }

    /** PyTorch: "derivative for aten::grid_sampler_2d_backward is not implemented" (and 3d), raised at the second backward. */
    @Test
    void gridSamplerBackwardIsNotDifferentiable() {
        Tensor[][] cases = {{r(1, 1, 3, 3), r(1, 2, 2, 2)}, {r(1, 1, 3, 3, 3), r(1, 2, 2, 2, 3)}};
        for (Tensor[] c : cases) {
            for (String mode : new String[] {"bilinear", "nearest", "bicubic"}) {
                if (c[0].dim() == 5 && mode.equals("bicubic")) {
                    continue;
                }
                Tensor out = Functional.gridSample(c[0], c[1], mode, "zeros", false);
                List<Tensor> g = Autograd.grad(List.of(out.sum()), List.of(c[0], c[1]), null, true);
                assertEquals("NotImplemented", g.get(0).gradFn().name());
                assertEquals("NotImplemented", g.get(1).gradFn().name());
                String op = c[0].dim() == 4 ? "grid_sampler_2d_backward" : "grid_sampler_3d_backward";
                RuntimeException e = assertThrows(RuntimeException.class, () -> g.get(0).sum().add(g.get(1).sum()).backward());
                assertEquals("derivative for aten::" + op + " is not implemented", e.getMessage(), mode);
            }
        }
    }

    @Test
    void upsampleModuleTakesTheNewModes() {
        Tensor x3 = r(1, 2, 4);
        Tensor x5 = r(1, 1, 2, 3, 2);
        String[][] cases = {{"linear", "3"}, {"trilinear", "5"}, {"area", "3"}, {"area", "5"}};
        for (String[] c : cases) {
            Tensor x = c[1].equals("3") ? x3 : x5;
            double scale = c[0].equals("area") ? 0.5 : 2.0;
            Upsample m = new Upsample(scale, c[0]);
            Tensor expected = Functional.interpolate(x, scale, c[0]);
            assertArrayEquals(expected.toDoubleArray(), m.forward(x).toDoubleArray(), c[0]);
            assertEquals(expected.gradFn().name(), m.forward(x).gradFn().name(), c[0]);
        }
        // PyTorch 2.x's extra_repr (the mode quoted), as nn.Upsample(scale_factor=2.0, mode='trilinear', align_corners=True)
        Upsample m = new Upsample(null, new double[] {2.0, 1.5, 1.0}, "trilinear", true, null);
        assertEquals("Upsample(scale_factor=(2.0, 1.5, 1.0), mode='trilinear')", m.toString());
        assertArrayEquals(Functional.interpolate(x5, null, new double[] {2.0, 1.5, 1.0}, "trilinear", true, null)
                .toDoubleArray(), m.forward(x5).toDoubleArray());
    }

    /** float16 and bfloat16: computed in float32 and rounded once, so the float32 result rounded to the type. */
    @Test
    void halfTypesRoundTheFloat32Result() {
        for (DType t : new DType[] {DType.FLOAT16, DType.BFLOAT16}) {
            Tensor x3 = Tensor.rand(GEN, DType.FLOAT32, 2, 2, 5).to(t);
            Tensor x5 = Tensor.rand(GEN, DType.FLOAT32, 1, 2, 2, 3, 4).to(t);
            Tensor[] got = {Functional.interpolate(x3, new int[] {9}, "linear"),
                Functional.interpolate(x5, new int[] {3, 4, 5}, "trilinear"),
                Functional.interpolate(x5, new int[] {1, 2, 3}, "area")};
            Tensor[] want = {Functional.interpolate(x3.to(DType.FLOAT32), new int[] {9}, "linear").to(t),
                Functional.interpolate(x5.to(DType.FLOAT32), new int[] {3, 4, 5}, "trilinear").to(t),
                Functional.interpolate(x5.to(DType.FLOAT32), new int[] {1, 2, 3}, "area").to(t)};
            for (int i = 0; i < got.length; i++) {
                assertEquals(t, got[i].dtype());
                double[] g = got[i].toDoubleArray();
                double[] e = want[i].toDoubleArray();
                assertEquals(e.length, g.length);
                for (int k = 0; k < e.length; k++) {
                    // the weights are rounded to the type before the float32 sums, so within a rounding step
                    assertTrue(Math.abs(e[k] - g[k]) <= (t == DType.FLOAT16 ? 2e-3 : 1.6e-2) * Math.max(1, Math.abs(e[k])),
                            t + " case " + i + " [" + k + "]: " + e[k] + " vs " + g[k]);
                }
            }
        }
    }
}
