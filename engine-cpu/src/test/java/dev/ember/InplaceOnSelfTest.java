package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * In-place ops under autograd that run on {@code self} itself rather than on a snapshot of it (session 54: relu_,
 * sigmoid_, tanh_, exp_, neg_, add_, sub_, mul_, div_ through {@code InplaceOps.inplaceSingleNode}): values, node
 * names, gradients (first and second order) and the in-place errors equal PyTorch's ({@code inplaceonself/
 * make_expected.py}), every result is bit-identical to the snapshot path kept behind
 * {@code -Dember.inplace.snapshot=true}, and the new path leaves out the snapshot (one storage fewer an op) except
 * where the op's node saves self's old values (mul_ and div_ by an operand that needs a gradient), which it then copies.
 */
class InplaceOnSelfTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/inplaceonself/expected.txt");
    private static final String OLD_PATH = "ember.inplace.snapshot";
    private static final Tensor X0 = TORCH.tensor("mul_other_grad", "x");
    private static final Tensor W0 = TORCH.tensor("mul_other_grad", "w");
    private static final Tensor C0 = TORCH.tensor("mul_other_grad", "c");

    /** Fresh leaves x and w (PyTorch's x0 and w0) that require grad. */
    private static Tensor[] leaves() {
        return new Tensor[] {X0.clone().requiresGrad_(true), W0.clone().requiresGrad_(true)};
    }

    /** Runs {@code program} with the old path ({@code -Dember.inplace.snapshot=true}) or the new one. */
    private static <T> T withOldPath(boolean old, Supplier<T> program) {
        return InplaceIntoSelfTest.withProperty(OLD_PATH, old, program);
    }

    /** The node names from {@code t}'s node along the first edges, as the generator's {@code chain}. */
    private static String chain(Tensor t) {
        return InplaceIntoSelfTest.chain(t);
    }

    private static void same(String key, String field, Tensor actual) {
        InplaceIntoSelfTest.same(TORCH, key, field, actual);
    }

    /**
     * Runs {@code program} (returning the chain's tensor first, then the tensors named {@code fields}) on the new path
     * and on the old: the new one's node names and values are PyTorch's, and each value is bit-identical to the old's.
     */
    private static void check(String key, Supplier<Tensor[]> program, String... fields) {
        Tensor[] now = withOldPath(false, program);
        Tensor[] old = withOldPath(true, program);
        assertEquals(TORCH.field(key, "chain"), chain(now[0]), key + " chain");
        assertEquals(chain(old[0]), chain(now[0]), key + " chain, old path");
        for (int i = 0; i < fields.length; i++) {
            same(key, fields[i], now[i + 1]);
            assertArrayEquals(old[i + 1].toDoubleArray(), now[i + 1].toDoubleArray(), key + " " + fields[i] + ": bits");
        }
    }

    @Test
    void mulAndDivByAnOperandThatNeedsAGradientKeepSelfsOldValues() {
        check("mul_other_grad", () -> {
            Tensor[] l = leaves();
            Tensor y = l[0].mul(2.0);
            y.mul_(l[1]);
            y.add_(1.0); // self's saved old values are a copy: changing self again is no error
            y.mul(C0).sum().backward();
            return new Tensor[] {y, y.detach(), l[0].grad(), l[1].grad()};
        }, "y", "grad_x", "grad_w");
        check("div_other_grad", () -> {
            Tensor[] l = leaves();
            Tensor y = l[0].mul(1.5).add(2.0);
            y.div_(l[1]);
            y.sub_(0.5);
            y.mul(C0).sum().backward();
            return new Tensor[] {y, y.detach(), l[0].grad(), l[1].grad()};
        }, "y", "grad_x", "grad_w");
        check("plain_self", () -> {
            Tensor[] l = leaves();
            Tensor p = X0.add(1.0);
            p.mul_(l[1]);
            p.mul(C0).sum().backward();
            return new Tensor[] {p, p.detach(), l[1].grad()};
        }, "p", "grad_w");
    }

    @Test
    void unaryOpsSavingTheirResultAndOpsSavingNothing() {
        for (String op : new String[] {"relu_", "sigmoid_", "tanh_", "exp_"}) {
            Function<Tensor, Tensor> f = op.equals("relu_") ? Tensor::relu_ : op.equals("sigmoid_") ? Tensor::sigmoid_
                    : op.equals("tanh_") ? Tensor::tanh_ : Tensor::exp_;
            check("unary_" + op, () -> {
                Tensor[] l = leaves();
                Tensor y = l[0].mul(1.5);
                f.apply(y);
                y.mul(C0).sum().backward();
                return new Tensor[] {y, y.detach(), l[0].grad()};
            }, "y", "grad_x");
        }
        check("binary_chain", () -> {
            Tensor[] l = leaves();
            Tensor w = l[1];
            Tensor y = l[0].mul(1.5);
            y.neg_();
            y.sub_(w, 0.5);
            y.add_(w, 2);
            y.mul_(3.0);
            y.div_(2.0);
            y.add_(w);
            y.sub_(w);
            y.mul(C0).sum().backward();
            return new Tensor[] {y, y.detach(), l[0].grad(), w.grad()};
        }, "y", "grad_x", "grad_w");
    }

    @Test
    void theSavedOldSelfCarriesSelfsHistoryForASecondOrderGradient() {
        Supplier<Tensor[]> program = () -> {
            Tensor[] l = leaves();
            Tensor y = l[0].mul(2.0);
            y.mul_(l[1]);
            Tensor g = Autograd.grad(List.of(y.sum()), List.of(l[1]), null, true).get(0);
            g.mul(C0).sum().backward();
            return new Tensor[] {g.detach(), l[0].grad()};
        };
        Tensor[] now = withOldPath(false, program);
        Tensor[] old = withOldPath(true, program);
        same("second_order", "g", now[0]);
        same("second_order", "grad_x", now[1]);
        assertArrayEquals(old[1].toDoubleArray(), now[1].toDoubleArray(), "second_order grad_x: bits");
    }

    @Test
    void aTransposedSelfIsWrittenInItsLayout() {
        Supplier<Tensor[]> program = () -> {
            Tensor[] l = leaves();
            Tensor y = l[0].t().mul(1.0);
            Tensor ww = W0.t().clone().requiresGrad_(true);
            y.mul_(ww);
            y.relu_();
            y.mul(C0.t()).sum().backward();
            return new Tensor[] {y.detach(), l[0].grad(), ww.grad()};
        };
        Tensor[] now = withOldPath(false, program);
        Tensor[] old = withOldPath(true, program);
        assertEquals(TORCH.field("transposed_self", "strides"), java.util.Arrays.toString(now[0].stride()));
        same("transposed_self", "y", now[0]);
        same("transposed_self", "grad_x", now[1]);
        same("transposed_self", "grad_w", now[2]);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(old[i].toDoubleArray(), now[i].toDoubleArray(), "transposed_self " + i + ": bits");
        }
    }

    @Test
    void changingWhatTheBackwardReadsIsPyTorchsError() {
        for (boolean old : new boolean[] {false, true}) {
            withOldPath(old, () -> {
                Tensor[] l = leaves();
                Tensor y = l[0].exp();
                y.relu_();
                y.add_(1.0);
                RuntimeException e = assertThrows(RuntimeException.class, () -> y.sum().backward());
                assertEquals(TORCH.field("relu_then_add", "error"), e.getMessage(), "relu_then_add, old path " + old);

                Tensor z = leaves()[0].mul(1.0);
                z.mul_(z);
                RuntimeException e2 = assertThrows(RuntimeException.class, () -> z.sum().backward());
                assertEquals(TORCH.field("mul_by_itself", "error"), e2.getMessage(), "mul_by_itself, old path " + old);
                return null;
            });
        }
    }

    @Test
    void savedTensorHooksPackTheOldValues() {
        Tensor[] l = leaves();
        Tensor y = l[0].mul(2.0);
        List<Tensor> packed = new ArrayList<>();
        try (SavedTensorsHooks h = Autograd.savedTensorsHooks((Tensor t) -> {
            packed.add(t.detach().clone());
            return t;
        }, t -> t)) {
            y.mul_(l[1]);
        }
        y.mul(C0).sum().backward();
        assertEquals(TORCH.field("hooks", "packs"), Integer.toString(packed.size()));
        same("hooks", "grad_x", l[0].grad());
        same("hooks", "grad_w", l[1].grad());
    }

    /**
     * How many storages {@code op} makes on a fresh {@code y = x * 1.5} (and w), on the old path or the new, both with
     * session 55's {@code -Dember.inplace.copyResult=true} (the result copied into self; InplaceIntoSelfTest counts the
     * direct write).
     */
    private static long storages(boolean old, Function<Tensor[], Tensor> op) {
        return InplaceIntoSelfTest.withProperty("ember.inplace.copyResult", true, () -> withOldPath(old, () -> {
            Tensor[] l = leaves();
            Tensor y = l[0].mul(1.5);
            Tensor w = l[1];
            long before = StorageLease.live();
            op.apply(new Tensor[] {y, w});
            return StorageLease.live() - before;
        }));
    }

    @Test
    void theNewPathLeavesOutTheSnapshotUnlessTheNodeSavesSelf() {
        List<Function<Tensor[], Tensor>> noSelf = List.of(a -> a[0].relu_(), a -> a[0].sigmoid_(),
                a -> a[0].tanh_(), a -> a[0].exp_(), a -> a[0].neg_(), a -> a[0].add_(a[1]), a -> a[0].sub_(a[1]),
                a -> a[0].add_(a[1], 2), a -> a[0].sub_(a[1], 0.5), a -> a[0].mul_(3.0), a -> a[0].div_(2.0),
                a -> a[0].mul_(a[1].detach()));
        for (int i = 0; i < noSelf.size(); i++) {
            assertEquals(storages(true, noSelf.get(i)) - 1, storages(false, noSelf.get(i)), "op " + i);
        }
        // mul_ and div_ by w, which needs a gradient: the node reads self's old values, copied (as the snapshot was)
        List<Function<Tensor[], Tensor>> savesSelf = List.of(a -> a[0].mul_(a[1]), a -> a[0].div_(a[1]));
        for (int i = 0; i < savesSelf.size(); i++) {
            assertEquals(storages(true, savesSelf.get(i)), storages(false, savesSelf.get(i)), "saving op " + i);
        }
    }
}
