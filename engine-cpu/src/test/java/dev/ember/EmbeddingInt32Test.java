package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Embedding, its max_norm renorm and embedding_bag take int32 indices and offsets as PyTorch does (torch 1.13:
 * {@code embedint32/make_expected.py}), and int16 gets checkScalarTypes' message.
 */
class EmbeddingInt32Test {
    private static final PyTorchCases CASES = new PyTorchCases("/embedint32/expected.txt");

    private static Tensor weight() {
        return Tensor.arange(0, 15, 1, DType.FLOAT64).reshape(5, 3).div(7).sub(1);
    }

    private static Tensor ints(DType dtype, long... v) {
        return Tensor.tensor(v, DType.INT64, Device.CPU).to(dtype);
    }

    private static void close(double[] expect, Tensor got, String what) {
        assertArrayEquals(expect, got.toDoubleArray(), 1e-12, what);
    }

    @Test
    void embeddingTakesInt32Indices() {
        Tensor x = weight().requiresGrad_(true);
        Tensor y = Functional.embedding(ints(DType.INT32, 0, 2, 4, 2).reshape(2, 2), x, 2L, null, 2.0, true);
        y.backward(Tensor.arange(0, 12, 1, DType.FLOAT64).reshape(2, 2, 3).div(5));
        close(PyTorchCases.numbers(CASES.field("embedding", "value")), y, "value");
        close(PyTorchCases.numbers(CASES.field("embedding", "grad")), x.grad(), "grad");
        assertEquals(CASES.field("embedding", "gradfn"), y.gradFn().name());
    }

    @Test
    void maxNormRenormTakesInt32Indices() {
        Tensor x = weight();
        Tensor y = Functional.embedding(ints(DType.INT32, 0, 2, 4, 2).reshape(2, 2), x, null, 1.0, 2.0, false);
        close(PyTorchCases.numbers(CASES.field("renorm", "value")), y, "value");
        close(PyTorchCases.numbers(CASES.field("renorm", "weight")), x, "renormed weight");
    }

    @Test
    void embeddingBagTakesInt32IndicesAndOffsets() {
        Tensor x = weight().requiresGrad_(true);
        Tensor y = Functional.embeddingBag(ints(DType.INT32, 0, 2, 4, 2, 1), x, ints(DType.INT32, 0, 2), "mean");
        y.backward(y.onesLike());
        close(PyTorchCases.numbers(CASES.field("bag", "value")), y, "value");
        close(PyTorchCases.numbers(CASES.field("bag", "grad")), x.grad(), "grad");
    }

    @Test
    void gradchecksWithInt32Indices() {
        Tensor idx = ints(DType.INT32, 0, 2, 4, 2, 1).reshape(5);
        // (padding_idx and scale_grad_by_freq change the gradient on purpose: gradcheck takes the plain embedding)
        assertTrue(Autograd.gradcheck(a -> Functional.embedding(idx.reshape(5, 1), a[0]), weight().requiresGrad_(true)));
        assertTrue(Autograd.gradcheck(a -> Functional.embeddingBag(idx, a[0], ints(DType.INT32, 0, 2), "mean"),
                weight().requiresGrad_(true)));
    }

    @Test
    void int16IsRefusedWithPyTorchsMessage() {
        Tensor w = weight();
        Tensor idx = ints(DType.INT16, 0, 2, 4, 2).reshape(2, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Functional.embedding(idx, w));
        assertEquals(CASES.error("int16"), e.getMessage());
    }
}
