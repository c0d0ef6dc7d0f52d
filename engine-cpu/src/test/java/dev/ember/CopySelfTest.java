package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code x.copy_(src)} where src is x's own data (same storage, offset, sizes, strides and dtype): PyTorch's copy_impl
 * returns at once, so an expanded x is not refused for its overlap, while the version is bumped and, with autograd,
 * CopyBackwards recorded; a partly overlapping src is still refused. Expected values: {@code copyself/make_expected.py}.
 */
class CopySelfTest {
    private static final Map<String, ReferenceCases.Case> CASES = ReferenceCases.byFirstWord("/copyself/expected.txt")
            .stream().collect(Collectors.toMap(ReferenceCases.Case::key, c -> c));

    private static void same(String key, Tensor got) {
        ReferenceCases.assertClose(key, PyTorchCases.tensor(CASES.get(key).get("out")), got, 0);
    }

    @Test
    void expandedTensorCopiedIntoItselfIsANoOpThatBumpsTheVersion() {
        Tensor base = Tensor.arange(3).to(DType.FLOAT32);
        Tensor x = base.expand(2, 3);
        x.copy_(x);
        same("expanded", x);
        assertEquals(Integer.parseInt(CASES.get("expanded").get("version")), base.version());
    }

    @Test
    void aViewCopiedFromAnotherViewOfTheSameElements() {
        Tensor y = Tensor.arange(6).to(DType.FLOAT64).reshape(2, 3);
        y.select(0, 0).copy_(y.select(0, 0));
        same("sameview", y);
        assertEquals(Integer.parseInt(CASES.get("sameview").get("version")), y.version());
    }

    @Test
    void withAutogradCopyBackwardsIsRecorded() {
        ReferenceCases.Case c = CASES.get("grad");
        Tensor leaf = Tensor.fromArray(new double[] {1, -2, 3}).requiresGrad_(true);
        Tensor a = leaf.mul(2L);
        a.copy_(a);
        same("grad", a.detach());
        assertEquals(c.get("fn"), a.gradFn().name());
        assertEquals(Integer.parseInt(c.get("version")), a.version());
        a.mul(Tensor.fromArray(new double[] {1, 2, 3})).sum().backward();
        ReferenceCases.assertClose("grad", PyTorchCases.tensor(c.get("grad")), leaf.grad(), 0);
    }

    @Test
    void aPartlyOverlappingSourceIsStillRefused() {
        Tensor z = Tensor.arange(4).to(DType.FLOAT32);
        Exception e = assertThrows(IllegalArgumentException.class, () -> z.narrow(0, 0, 3).copy_(z.narrow(0, 1, 3)));
        assertEquals(CASES.get("shifted").get("error"), e.getMessage());
        assertEquals(List.of(0.0, 1.0, 2.0, 3.0), java.util.Arrays.stream(z.toDoubleArray()).boxed().toList());
        assertEquals(0, z.version());
    }
}
