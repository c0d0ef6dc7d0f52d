package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static dev.ember.ShapeSortCases.check;
import static dev.ember.ShapeSortCases.fails;
import static dev.ember.ShapeSortCases.grad;
import static dev.ember.ShapeSortCases.input;
import static dev.ember.ShapeSortCases.names;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shape ops against PyTorch ({@code shapesort/make_expected.py}): split/chunk/unbind/tensor_split, repeat/tile/
 * repeat_interleave, flip/roll/movedim/unflatten, tril/triu/diag/diagonal/diag_embed/trace, outer/kron, meshgrid and
 * broadcasting, F.pad in its four modes; node names (PyTorch 2.x's), gradients against PyTorch's, float64
 * gradcheck/gradgradcheck, and errors with inputs unchanged.
 */
class ShapeOpsTest {
    private final Tensor a = input("a");
    private final Tensor b = input("b");
    private final Tensor m = input("m");
    private final Tensor e = input("e");
    private final Tensor s0 = input("s0");
    private final Tensor p1 = input("p1");
    private final Tensor p2 = input("p2");
    private final Tensor p3 = input("p3");

    @Test
    void splitting() {
        check("split.2", m.split(2, 1));
        check("split.big", m.split(5, 0));
        check("split.sizes", m.split(new int[] {1, 0, 3}, 1));
        check("split.empty", Tensor.zeros(0, 2).split(0));
        check("chunk.5", m.chunk(5, 0));
        check("chunk.3", m.chunk(3, 1));
        check("chunk.empty", e.chunk(2, 0));
        check("unbind.1", m.unbind(1));
        check("tsplit.3", Tensor.arange(7).tensorSplit(3));
        check("tsplit.more", Tensor.arange(2).tensorSplit(4));
        check("tsplit.idx", m.tensorSplit(new int[] {1, 5, 2}, 1));
        check("tsplit.neg", m.tensorSplit(new int[] {-1}, 1));
        fails("split.zero", () -> m.split(0), m);
        fails("split.neg", () -> m.split(-1), m);
        fails("split.scalar", () -> s0.split(1), s0);
        fails("split.sum", () -> m.split(new int[] {1, 1}, 0), m);
        fails("split.negsize", () -> m.split(new int[] {4, -1}, 1), m);
        fails("chunk.zero", () -> m.chunk(0), m);
        fails("chunk.scalar", () -> s0.chunk(1), s0);
        fails("unbind.scalar", () -> s0.unbind(0), s0);
        fails("tsplit.zero", () -> m.tensorSplit(0), m);
        fails("tsplit.scalar", () -> s0.tensorSplit(1), s0);
        // the pieces are views
        List<Tensor> parts = m.split(2, 1);
        assertTrue(parts.get(1).isView());
        assertEquals(2, parts.get(1).storageOffset());
    }

    @Test
    void repeating() {
        check("repeat.lead", m.repeat(2, 1, 2));
        check("repeat.t", m.t().repeat(1, 2));
        check("repeat.zero", m.repeat(0, 2));
        check("repeat.scalar", s0.repeat(2, 2));
        check("tile.short", m.tile(2));
        check("tile.long", Tensor.arange(3).tile(2, 1, 2));
        check("ri.flat", m.repeatInterleave(2, null));
        check("ri.dim1", m.t().repeatInterleave(3, 1));
        check("ri.zero", m.repeatInterleave(0, 0));
        check("ri.scalar", s0.repeatInterleave(3, null));
        fails("repeat.few", () -> m.repeat(2), m);
        fails("repeat.neg", () -> m.repeat(2, -1), m);
        fails("ri.neg", () -> m.repeatInterleave(-1, null), m);
    }

    @Test
    void flipRollMovedimUnflatten() {
        check("flip.01", m.flip(0, 1));
        check("flip.b", b.slice(1, 0, 4, 2).flip(-1, 0));
        check("flip.none", m.flip());
        check("flip.scalar", s0.flip(0));
        check("roll.flat", m.roll(1));
        check("roll.flat.big", m.roll(-13));
        check("roll.dims", m.roll(new int[] {1, -1}, new int[] {0, 1}));
        check("roll.t", m.t().roll(2, 0));
        check("roll.empty", e.roll(1, 0));
        check("roll.scalar", s0.roll(1));
        check("movedim.1", b.movedim(0, 2));
        check("movedim.multi", Tensor.arange(120).reshape(2, 3, 4, 5).movedim(new int[] {0, 1}, new int[] {3, 0}));
        check("unflatten", m.unflatten(1, 2, -1));
        check("unflatten.t", m.t().unflatten(0, 2, 2));
        fails("flip.dup", () -> m.flip(0, -2), m);
        fails("flip.dim", () -> m.flip(2), m);
        fails("roll.align", () -> m.roll(new int[] {1, 2}, new int[] {0}), m);
        fails("roll.none", () -> m.roll(new int[0], new int[0]), m);
        fails("movedim.len", () -> m.movedim(new int[] {0, 1}, new int[] {0}), m);
        fails("movedim.dup", () -> m.movedim(new int[] {0, 0}, new int[] {0, 1}), m);
        fails("movedim.dupdst", () -> m.movedim(new int[] {0, 1}, new int[] {1, 1}), m);
        fails("unflatten.bad", () -> m.unflatten(1, 3, 2), m);
        fails("unflatten.empty", () -> m.unflatten(1), m);
        fails("unflatten.two", () -> m.unflatten(1, -1, -1), m);
        assertTrue(m.movedim(0, 1).isView());
        assertTrue(m.unflatten(1, 2, 2).isView());
    }

    @Test
    void trianglesAndDiagonals() {
        check("tril", m.tril());
        check("tril.neg", m.tril(-1));
        check("triu.2", Tensor.arange(24).reshape(2, 3, 4).triu(2));
        check("triu.float.t", a.t().triu(-2));
        check("tril.bool", Tensor.ones(DType.BOOL, 3, 4).tril(1));
        check("tril.far", m.tril(10));
        check("triu.far", m.triu(10));
        check("diag.vec", Tensor.arange(3).diag());
        check("diag.vec.off", Tensor.arange(3).diag(-2));
        check("diag.mat", m.diag());
        check("diag.mat.off", m.diag(1));
        check("diag.mat.far", m.diag(-5));
        check("diagonal", m.diagonal());
        check("diagonal.neg", m.diagonal(-1, 0, 1));
        check("diagonal.3d", Tensor.arange(24).reshape(2, 3, 4).diagonal(1, 2, 0));
        check("diag_embed", Tensor.arange(6).reshape(2, 3).diagEmbed());
        check("diag_embed.dims", Tensor.arange(6).reshape(2, 3).diagEmbed(1, 0, 2));
        check("trace", m.trace());
        check("trace.float", a.trace());
        fails("tril.1d", () -> Tensor.zeros(3).tril());
        fails("triu.1d", () -> Tensor.zeros(3).triu());
        fails("diag.3d", () -> b.diag(), b);
        fails("diagonal.same", () -> m.diagonal(0, 1, -1), m);
        fails("diagonal.1d", () -> Tensor.zeros(3).diagonal());
        fails("diag_embed.same", () -> m.diagEmbed(0, 1, 1), m);
        fails("trace.1d", () -> Tensor.zeros(3).trace());
        fails("trace.bool", () -> Tensor.tensor(new boolean[] {true, false}).trace());
        // diagonal is a view, with the strides of the diagonal
        Tensor d = m.diagonal(1, 0, 1);
        assertTrue(d.isView());
        assertArrayEquals(new int[] {5}, d.stride());
    }

    @Test
    void productsGridsAndBroadcasting() {
        check("outer", Tensor.arange(0, 3, 1, DType.FLOAT32).outer(Tensor.tensor(new float[] {1, -2})));
        check("outer.mixed", Tensor.arange(3).outer(Tensor.tensor(new float[] {0.5f, 2})));
        check("kron", Tensor.tensor(new long[][] {{1, 2}, {3, 4}}).kron(Tensor.tensor(new long[][] {{0, 1}, {1, 0}})));
        check("kron.ranks", Tensor.arange(0, 3, 1, DType.FLOAT32).kron(m.toFloat()));
        check("kron.scalar", s0.kron(Tensor.tensor(new float[] {1, 2})));
        check("meshgrid.ij", Tensor.meshgrid(List.of(Tensor.arange(2), Tensor.arange(3), Tensor.tensor(5L)), "ij"));
        check("meshgrid.xy", Tensor.meshgrid(List.of(Tensor.arange(2), Tensor.arange(3), Tensor.arange(4)), "xy"));
        check("broadcast_to", m.narrow(1, 0, 1).broadcastTo(2, 3, 4));
        check("broadcast_tensors", Tensor.broadcastTensors(List.of(m, Tensor.arange(4), Tensor.zeros(DType.INT64, 2, 1, 1))));
        assertEquals(ShapeSortCases.TORCH.field("broadcast_shapes", "value"),
                java.util.Arrays.toString(Tensor.broadcastShapes(new int[] {3, 1}, new int[] {1, 5}, new int[0],
                        new int[] {2, 1, 1})));
        List<Tensor> same = Tensor.broadcastTensors(List.of(m, Tensor.arange(4)));
        assertSame(m, same.get(0)); // a tensor already of the shape comes back itself, as PyTorch's expand_outplace
        fails("outer.2d", () -> m.outer(Tensor.zeros(3)), m);
        fails("outer.2d.b", () -> Tensor.zeros(3).outer(m), m);
        // PyTorch's message ends with the tensor as its C++ code prints it; Ember's with Ember's printing
        String prefix = "torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: ";
        assertTrue(ShapeSortCases.TORCH.error("meshgrid.2d").startsWith(prefix));
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Tensor.meshgrid(List.of(Tensor.zeros(3), m.toFloat()), "ij")).getMessage().startsWith(prefix));
        fails("meshgrid.indexing", () -> Tensor.meshgrid(List.of(Tensor.zeros(3), Tensor.zeros(2)), "ab"));
        fails("meshgrid.dtypes", () -> Tensor.meshgrid(List.of(Tensor.zeros(3), Tensor.zeros(DType.INT64, 2)), "ij"));
        fails("meshgrid.empty", () -> Tensor.meshgrid(List.of(), "ij"));
        fails("broadcast_to.bad", () -> m.broadcastTo(3, 5), m);
        fails("broadcast_tensors.bad", () -> Tensor.broadcastTensors(List.of(m, Tensor.zeros(5))), m);
        fails("broadcast_shapes.bad", () -> Tensor.broadcastShapes(new int[] {3, 4}, new int[] {5}));
        fails("broadcast_shapes.neg", () -> Tensor.broadcastShapes(new int[] {3, -4}, new int[] {5}));
    }

    @Test
    void padding() {
        check("pad.const", Functional.pad(p1, new int[] {2, 1}));
        check("pad.const.2d", Functional.pad(p2, new int[] {1, 0, -1, 2}, "constant", -1.5));
        check("pad.const.neg", Functional.pad(p1, new int[] {-1, -2}));
        check("pad.const.int", Functional.pad(m, new int[] {1, 1, 1, 0}, "constant", 7));
        check("pad.const.3d", Functional.pad(p2, new int[] {1, 1, 1, 1, 1, 1}));
        check("pad.reflect", Functional.pad(p1, new int[] {2, 3}, "reflect"));
        check("pad.reflect.neg", Functional.pad(p1, new int[] {2, -3}, "reflect"));
        check("pad.reflect.neg2", Functional.pad(p1, new int[] {-2, 3}, "reflect"));
        check("pad.reflect.2d", Functional.pad(p2, new int[] {3, 1, 2, 1}, "reflect"));
        check("pad.reflect.3d", Functional.pad(p3, new int[] {1, 1, 1, 2, 1, 0}, "reflect"));
        check("pad.replicate", Functional.pad(p1, new int[] {3, 1}, "replicate"));
        check("pad.replicate.neg", Functional.pad(p1, new int[] {2, -3}, "replicate"));
        check("pad.replicate.2d", Functional.pad(p2, new int[] {2, 1, 1, 3}, "replicate"));
        check("pad.replicate.3d", Functional.pad(p3, new int[] {0, 2, 1, 1, 2, 1}, "replicate"));
        check("pad.circular", Functional.pad(p1, new int[] {2, 4}, "circular"));
        check("pad.circular.neg", Functional.pad(p1, new int[] {-1, 3}, "circular"));
        check("pad.circular.neg2", Functional.pad(p1, new int[] {3, -1}, "circular"));
        check("pad.circular.3d", Functional.pad(p3, new int[] {1, 1, 2, 1, 1, 2}, "circular"));
        check("pad.circular.int", Functional.pad(m.reshape(1, 3, 4), new int[] {1, 2}, "circular"));
        fails("pad.odd", () -> Functional.pad(p1, new int[] {1}), p1);
        fails("pad.long", () -> Functional.pad(p1, new int[] {1, 1, 1, 1, 1, 1, 1, 1}), p1);
        fails("pad.mode", () -> Functional.pad(p1, new int[] {1, 1}, "xyz"), p1);
        fails("pad.value", () -> Functional.pad(p1, new int[] {1, 1}, "reflect", 1.0), p1);
        fails("pad.reflect.big", () -> Functional.pad(p1, new int[] {5, 1}, "reflect"), p1);
        fails("pad.reflect.big2d", () -> Functional.pad(p2, new int[] {1, 1, 3, 1}, "reflect"), p2);
        fails("pad.reflect.1d", () -> Functional.pad(Tensor.zeros(5), new int[] {1, 1}, "reflect"));
        fails("pad.replicate.small", () -> Functional.pad(p1, new int[] {-6, 1}, "replicate"), p1);
        fails("pad.replicate.empty", () -> Functional.pad(Tensor.zeros(1, 0, 5), new int[] {1, 1}, "replicate"));
        fails("pad.reflect.empty", () -> Functional.pad(Tensor.zeros(1, 0, 5), new int[] {1, 1}, "reflect"));
        fails("pad.reflect.int", () -> Functional.pad(m.reshape(1, 3, 4), new int[] {1, 1}, "reflect"), m);
        fails("pad.replicate.int", () -> Functional.pad(m.reshape(1, 3, 4), new int[] {1, 1}, "replicate"), m);
        fails("pad.circular.big", () -> Functional.pad(p1, new int[] {6, 1}, "circular"), p1);
        fails("pad.const.empty", () -> Functional.pad(Tensor.zeros(0, 3), new int[] {1, 1, 0, 0}));
        fails("pad.const.crop", () -> Functional.pad(p1, new int[] {-3, -3}), p1);
        // circular padding of an input without a batch dimension (PyTorch 2.x): as with a batch of one
        Tensor unbatched = Functional.pad(p2, new int[] {1, 2, 2, 1}, "circular");
        Tensor batched = Functional.pad(p2.unsqueeze(0), new int[] {1, 2, 2, 1}, "circular").squeeze(0);
        assertTrue(unbatched.equal(batched));
    }

    @Test
    void nodeNamesAndGradientsAgainstPyTorch() {
        Tensor x = b.detach().clone().requiresGrad_(true);
        Tensor y = x.select(0, 0).detach().clone().requiresGrad_(true);
        List<Tensor> all = new ArrayList<>();
        all.addAll(x.split(2, 1));
        all.addAll(x.split(new int[] {1, 3}, 1));
        all.addAll(x.chunk(2, 1));
        all.addAll(x.unbind(1));
        all.addAll(x.tensorSplit(3, 2));
        all.addAll(List.of(x.repeat(2, 1, 1), x.tile(2), x.flip(0), x.roll(1, 0), x.roll(1), x.movedim(0, 1),
                x.unflatten(1, 2, 2), y.tril(), y.triu(1), y.select(0, 0).diag(), x.diagonal(), x.diagEmbed(), y.trace(),
                y.select(0, 0).outer(y.select(0, 1)), y.kron(y)));
        all.addAll(Tensor.meshgrid(List.of(y.select(0, 0), y.select(0, 1)), "ij"));
        all.addAll(List.of(y.select(0, 0).broadcastTo(2, 6), Functional.pad(x, new int[] {1, 1}),
                Functional.pad(x, new int[] {1, 1}, "reflect"), Functional.pad(x, new int[] {1, 1, 1, 1}, "reflect"),
                Functional.pad(x, new int[] {1, 1}, "replicate"), Functional.pad(x, new int[] {1, 1, 1, 1}, "replicate"),
                Functional.pad(x, new int[] {1, 1}, "circular")));
        names("names.shape", all.toArray(new Tensor[0]));
        Tensor copied = y.t().reshape(-1);
        List<String> got = List.of(x.repeatInterleave(2, 0).gradFn().name(), y.diag().gradFn().name(),
                copied.gradFn().name(), copied.gradFn().nextFunctions().get(0).name(), x.reshape(-1).gradFn().name());
        assertEquals(ShapeSortCases.TORCH.field("names.shape2x", "names"),
                got.stream().map(n -> "'" + n + "'").collect(java.util.stream.Collectors.joining(", ", "[", "]")));

        check("grad.split", grad(b, t -> {
            List<Tensor> parts = new ArrayList<>();
            int i = 1;
            for (Tensor p : t.split(3, 2)) {
                parts.add(p.mul((double) i++));
            }
            return Tensor.cat(parts, 2);
        }, 3, 4, 6));
        check("grad.repeat", grad(b, t -> t.narrow(1, 1, 2).repeat(2, 1, 2, 1), 2, 3, 4, 6));
        check("grad.ri", grad(b, t -> t.repeatInterleave(2, 1), 3, 8, 6));
        check("grad.flip", grad(b, t -> t.flip(0, 2), 3, 4, 6));
        check("grad.roll", grad(b, t -> t.roll(new int[] {2, -1}, new int[] {2, 0}), 3, 4, 6));
        check("grad.tril", grad(b, t -> t.tril(1), 3, 4, 6));
        Tensor b0 = b.select(0, 0);
        check("grad.diag", grad(b0, t -> t.diag(1), 4));
        check("grad.diag_embed", grad(b0, t -> t.diagEmbed(-1, 0, 2), 7, 4, 7));
        Tensor leaf = b0.detach().clone().requiresGrad_(true);
        leaf.trace().backward(Tensor.tensor(1.5, DType.FLOAT64));
        check("grad.trace", leaf.grad());
        Tensor k = Tensor.tensor(new double[][] {{1, 2}, {3, 4}}, DType.FLOAT64);
        check("grad.kron", grad(b0.narrow(0, 0, 2).narrow(1, 0, 3), t -> t.kron(k), 4, 6));
        padGrad("constant", new int[] {2, -1, 1, 1}, 1, 3, 6, 7);
        padGrad("reflect", new int[] {2, 3, 1, 2}, 1, 3, 7, 11);
        padGrad("reflect", new int[] {-2, 3}, 3, 4, 7);
        padGrad("replicate", new int[] {3, 1, 2, 0}, 1, 3, 6, 10);
        padGrad("replicate", new int[] {2, -3, 0, 1}, 1, 3, 5, 5);
        padGrad("circular", new int[] {2, 4, -1, 2}, 1, 3, 5, 12);
        padGrad("reflect", new int[] {1, 0, 2, 1, 1, 1}, 1, 1, 5, 7, 7);
        padGrad("replicate", new int[] {0, 2, 1, 1, 2, 0}, 1, 1, 5, 6, 8);
    }

    private void padGrad(String mode, int[] pads, int... weightShape) {
        StringBuilder key = new StringBuilder("grad.pad." + mode + ".");
        for (int i = 0; i < pads.length; i++) {
            key.append(i > 0 ? "_" : "").append(pads[i]);
        }
        int[] shape = new int[pads.length / 2 + 2];
        java.util.Arrays.fill(shape, 1);
        shape[shape.length - 3] = 3;
        shape[shape.length - 2] = 4;
        shape[shape.length - 1] = 6;
        check(key.toString(), grad(b, t -> Functional.pad(t.reshape(shape), pads, mode, 0), weightShape));
    }

    // ------------------------------------------------------------------ gradcheck

    private static final Generator GEN = new Generator(11);

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT64, shape).mul(2).sub(1.0).detach().requiresGrad_(true);
    }

    /** gradcheck, and gradgradcheck of the square (these ops' gradients are linear in the incoming gradient). */
    private static void both(List<DynamicTest> t, String name, Function<Tensor[], Tensor> f, Tensor... in) {
        t.add(DynamicTest.dynamicTest(name, () -> assertTrue(Autograd.gradcheck(f, in))));
        t.add(DynamicTest.dynamicTest(name + " (second order)",
                () -> assertTrue(Autograd.gradgradcheck(x -> f.apply(x).pow(2), in))));
    }

    private static Tensor sumOf(List<Tensor> parts) {
        Tensor s = null;
        int i = 1;
        for (Tensor p : parts) {
            Tensor term = p.mul((double) i++).sum();
            s = s == null ? term : s.add(term);
        }
        return s;
    }

    @TestFactory
    List<DynamicTest> gradcheck() {
        List<DynamicTest> t = new ArrayList<>();
        both(t, "split", x -> sumOf(x[0].split(2, 1)), r(3, 5));
        both(t, "split sizes", x -> sumOf(x[0].split(new int[] {1, 3}, 0)), r(4, 2));
        both(t, "chunk", x -> sumOf(x[0].chunk(3, 1)), r(2, 7));
        both(t, "unbind", x -> sumOf(x[0].unbind(1)), r(3, 4));
        both(t, "tensorSplit", x -> sumOf(x[0].tensorSplit(new int[] {1, 3}, 0)), r(5, 2));
        both(t, "repeat", x -> x[0].repeat(2, 1, 3), r(3, 2));
        both(t, "repeat transposed", x -> x[0].t().repeat(2, 2), r(2, 3));
        both(t, "tile", x -> x[0].tile(2), r(2, 3));
        both(t, "repeatInterleave", x -> x[0].repeatInterleave(3, 1), r(2, 3));
        both(t, "repeatInterleave flat", x -> x[0].repeatInterleave(2, null), r(2, 3));
        both(t, "flip", x -> x[0].flip(0, 2), r(2, 3, 4));
        both(t, "roll", x -> x[0].roll(new int[] {1, -2}, new int[] {0, 1}), r(3, 4));
        both(t, "roll flat", x -> x[0].roll(5), r(3, 4));
        both(t, "movedim", x -> x[0].movedim(new int[] {0, 2}, new int[] {2, 0}), r(2, 3, 4));
        both(t, "unflatten", x -> x[0].unflatten(1, 2, 3), r(2, 6));
        both(t, "tril", x -> x[0].tril(-1), r(2, 4, 3));
        both(t, "triu", x -> x[0].triu(1), r(4, 3));
        both(t, "diag of a vector", x -> x[0].diag(1), r(3));
        both(t, "diag of a matrix", x -> x[0].diag(-1), r(4, 3));
        both(t, "diagonal", x -> x[0].diagonal(1, 2, 0), r(3, 2, 4));
        both(t, "diagEmbed", x -> x[0].diagEmbed(-1, 0, 2), r(2, 3));
        both(t, "trace", x -> x[0].trace(), r(3, 4));
        both(t, "outer", x -> x[0].outer(x[1]), r(3), r(2));
        both(t, "kron", x -> x[0].kron(x[1]), r(2, 2), r(3));
        both(t, "meshgrid", x -> sumOf(Tensor.meshgrid(List.of(x[0], x[1]), "xy")), r(3), r(2));
        both(t, "broadcastTo", x -> x[0].broadcastTo(2, 3, 4), r(3, 1));
        both(t, "broadcastTensors", x -> sumOf(Tensor.broadcastTensors(List.of(x[0], x[1]))), r(3, 1), r(4));
        both(t, "pad constant", x -> x[0].padNd(new int[] {1, -1, 2, 0}), r(2, 3, 4));
        both(t, "pad reflect", x -> x[0].padNd(new int[] {2, 1}, "reflect", 0), r(2, 4));
        both(t, "pad reflect 2d negative", x -> x[0].padNd(new int[] {-1, 2, 2, 1}, "reflect", 0), r(1, 3, 4));
        both(t, "pad replicate 3d", x -> x[0].padNd(new int[] {1, 0, 0, 2, 1, 1}, "replicate", 0), r(1, 2, 2, 3));
        both(t, "pad circular", x -> x[0].padNd(new int[] {1, 2, -1, 1}, "circular", 0), r(1, 3, 4));
        both(t, "reshape that copies", x -> x[0].t().reshape(-1), r(3, 4));
        return t;
    }

    /** Ops on non-contiguous inputs (transposed, strided, broadcast) give what they give on contiguous copies. */
    @Test
    void stridedInputsGiveTheResultsOfTheirCopies() {
        Tensor base = input("b");
        List<Function<Tensor, Tensor>> views = List.of(x -> x.transpose(0, 2), x -> x.slice(2, 1, 6, 2),
                x -> x.select(1, 2).unsqueeze(1).expand(3, 4, 6), x -> x.permute(1, 0, 2));
        List<Function<Tensor, Tensor>> ops = List.of(x -> x.flip(0, 2), x -> x.roll(new int[] {1, 2}, new int[] {0, 2}),
                x -> x.repeat(2, 1, 2), x -> x.tril(1), x -> x.triu(-1), x -> x.diagonal(1, 0, 2).mul(1.0),
                x -> x.diagEmbed(), x -> Functional.pad(x, new int[] {1, 2, 2, 1}, "reflect"),
                x -> Functional.pad(x, new int[] {2, 1, 1, 0}, "replicate"),
                x -> Functional.pad(x, new int[] {1, 2, 0, 1}, "circular"), x -> Functional.pad(x, new int[] {1, -1}),
                x -> x.sort(1, true).values(), x -> x.sort(2, false).indices(), x -> x.topk(2, 0, true, true).values(),
                x -> x.kthvalue(2, 1, false).values(), x -> x.median(2, true).indices(), x -> x.mode(0, false).values(),
                x -> x.cumsum(0), x -> x.cumprod(2), x -> x.cummax(1).indices(), x -> x.logcumsumexp(2),
                x -> x.unique(true, true, false).inverse(), x -> x.histc(5), x -> x.repeatInterleave(2, 1),
                x -> Tensor.searchsorted(Tensor.tensor(new double[] {-1, 0, 0.5, 1}, DType.FLOAT64), x, true),
                x -> x.movedim(2, 0).unflatten(0, -1, 1).mul(1.0), x -> Tensor.stack(x.unbind(2), 0),
                x -> Tensor.cat(x.chunk(2, 1), 1));
        for (Function<Tensor, Tensor> view : views) {
            Tensor strided = view.apply(base);
            Tensor dense = strided.contiguous();
            for (int i = 0; i < ops.size(); i++) {
                Tensor got = ops.get(i).apply(strided);
                Tensor want = ops.get(i).apply(dense);
                assertArrayEquals(want.shape(), got.shape(), "op " + i);
                assertArrayEquals(want.toDoubleArray(), got.toDoubleArray(), 0, "op " + i + " on " + strided.layout());
            }
        }
    }

    @Test
    void aReshapeThatCopiesIsNotAView() {
        Tensor x = input("b").requiresGrad_(true);
        Tensor y = x.transpose(0, 2).reshape(-1);
        assertEquals("UnsafeViewBackward0", y.gradFn().name());
        assertFalse(y.isView());
        Tensor z = y.mul(1.0);
        z.add_(1.0); // an ordinary in-place op on the result (PyTorch: _unsafe_view is not a view)
        assertEquals("AddBackward0", z.gradFn().name());
    }
}
