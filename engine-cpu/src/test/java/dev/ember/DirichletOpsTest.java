package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link Tensor#dirichletGrad} broadcasting its three arguments as {@code torch._dirichlet_grad}'s TensorIterator does,
 * and the refusals of it and of {@link Tensor#sampleDirichlet} in PyTorch's words and order (dirichletops/
 * make_expected.py); the values of both through the distributions are in FuzzRound20FixesTest.
 */
class DirichletOpsTest {
    private static final Map<String, String> EXPECTED = LabelledLines.load("/dirichletops/expected.txt");

    private static String bits(Tensor t) {
        StringBuilder b = new StringBuilder();
        for (double v : t.to(DType.FLOAT64).contiguous().toDoubleArray()) {
            b.append(b.length() == 0 ? "" : " ").append(String.format("%016x", Double.doubleToRawLongBits(v)));
        }
        return b.toString();
    }

    @Test
    void gradBroadcastsItsArgumentsAsPyTorchs() {
        Tensor x = Tensor.tensor(new double[] {0.1, 0.35, 0.8}, DType.FLOAT64);
        Tensor out = Tensor.dirichletGrad(x, Tensor.tensor(new double[] {0.7}, DType.FLOAT64),
                Tensor.tensor(2.5, DType.FLOAT64, Device.CPU));
        assertEquals(EXPECTED.get("broadcast_shape"), Arrays.toString(out.shape()));
        assertEquals(EXPECTED.get("broadcast_f64"), bits(out));
        Tensor out32 = Tensor.dirichletGrad(x.to(DType.FLOAT32),
                Tensor.tensor(new double[] {0.7, 1.9}, DType.FLOAT32).reshape(2, 1),
                Tensor.tensor(2.5, DType.FLOAT32, Device.CPU));
        assertEquals(DType.FLOAT32, out32.dtype());
        assertEquals(EXPECTED.get("broadcast_f32_shape"), Arrays.toString(out32.shape()));
        assertEquals(EXPECTED.get("broadcast_f32"), bits(out32));
    }

    @Test
    void badArgumentsAreRefusedInPyTorchsWords() {
        Tensor f3 = Tensor.rand(3);
        assertEquals(EXPECTED.get("err_shape"), assertThrows(IllegalArgumentException.class,
                () -> Tensor.dirichletGrad(f3, Tensor.rand(3), Tensor.rand(2))).getMessage());
        assertEquals(EXPECTED.get("err_dtype"), assertThrows(IllegalArgumentException.class,
                () -> Tensor.dirichletGrad(f3, Tensor.rand(3).to(DType.FLOAT64), Tensor.rand(3))).getMessage());
        Tensor h3 = Tensor.rand(3).to(DType.FLOAT16);
        assertEquals(EXPECTED.get("err_half"), assertThrows(IllegalArgumentException.class,
                () -> Tensor.dirichletGrad(h3, h3, h3)).getMessage());
        assertEquals(EXPECTED.get("err_sample_half"), assertThrows(IllegalArgumentException.class,
                () -> Tensor.sampleDirichlet(h3, Generator.DEFAULT)).getMessage());
        assertEquals(EXPECTED.get("err_sample_long"), assertThrows(IllegalArgumentException.class,
                () -> Tensor.sampleDirichlet(Tensor.tensor(new long[] {1, 2}), Generator.DEFAULT)).getMessage());
    }
}
