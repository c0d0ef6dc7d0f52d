package dev.ember;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code x.grad = g} refused in PyTorch 2.x's words, derived by the exact rule of THPVariable_set_grad as of 2.10
 * (torch/csrc/autograd/python_variable.cpp): the dtype against the tensor's grad_dtype (its dtype; the gradient's dtype
 * printed as its caffe2::TypeMeta, a C++ type name, the grad_dtype as its c10::ScalarType), then the device type, the
 * device index and the size (printed as an IntArrayRef); 1.13's "assigned grad has data of a different type/size" is
 * gone since 2.1. The device index check needs two CUDA devices and is not exercised here. Also the C++ type names
 * TypeMeta prints for the types added after 1.13 (fp8, uint16/32/64), which Ember printed as 'bool'.
 */
class SetGradWordingTest {
    private static final String DTYPE_TAIL = "'. The gradient must match the tensor's grad_dtype (defaults to the "
            + "tensor's dtype). You can set the tensor's grad_dtype attribute with a specific dtype, or None to allow any "
            + "dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor and its gradient may break downstream "
            + "systems that assume they match.";

    private static String refusal(Tensor x, Tensor g) {
        Tensor before = x.grad() == null ? null : x.grad().clone();
        String message = assertThrows(IllegalArgumentException.class, () -> x.setGrad(g)).getMessage();
        if (before == null) {
            assertEquals(null, x.grad());
        } else {
            assertTrue(before.equal(x.grad()), "the refused assignment changed the gradient");
        }
        return message;
    }

    @Test
    void theDtypeIsCheckedFirstAgainstTheGradDtype() {
        Tensor x = Tensor.zeros(DType.FLOAT32, 2, 3).requiresGrad_(true);
        x.setGrad(Tensor.ones(DType.FLOAT32, 2, 3));
        // a half gradient of another size on the meta device: the dtype is named, not the device or the size
        assertEquals("attempting to assign a gradient with dtype 'c10::Half' to a tensor with grad_dtype 'Float"
                + DTYPE_TAIL, refusal(x, Tensor.full(DType.FLOAT16, Device.META, 0.0, 5)));
        assertEquals("attempting to assign a gradient with dtype 'long int' to a tensor with grad_dtype 'Float"
                + DTYPE_TAIL, refusal(x, Tensor.zeros(DType.INT64, 2, 3)));
        Tensor d = Tensor.zeros(DType.FLOAT64, 4);
        assertEquals("attempting to assign a gradient with dtype 'c10::BFloat16' to a tensor with grad_dtype 'Double"
                + DTYPE_TAIL, refusal(d, Tensor.zeros(DType.BFLOAT16, 4)));
    }

    @Test
    void thenTheDeviceTypeThenTheSize() {
        Tensor x = Tensor.zeros(DType.FLOAT64, 2, 3).requiresGrad_(true);
        assertEquals("attempting to assign a gradient with device type 'meta' to a tensor with device type 'cpu'. Please "
                + "ensure that the gradient and the tensor are on the same device",
                refusal(x, Tensor.full(DType.FLOAT64, Device.META, 0.0, 7)));
        assertEquals("attempting to assign a gradient of size '[3, 2]' to a tensor of size '[2, 3]'. Please ensure that "
                + "the gradient and the tensor are the same size", refusal(x, Tensor.zeros(DType.FLOAT64, 3, 2)));
        Tensor s = Tensor.zeros(DType.FLOAT64).requiresGrad_(true);
        assertEquals("attempting to assign a gradient of size '[1]' to a tensor of size '[]'. Please ensure that the "
                + "gradient and the tensor are the same size", refusal(s, Tensor.zeros(DType.FLOAT64, 1)));
        assertEquals("can't assign Variable as its own grad", refusal(s, s));
        x.setGrad(Tensor.ones(DType.FLOAT64, 2, 3));
        assertTrue(x.grad().equal(Tensor.ones(DType.FLOAT64, 2, 3)));
    }

    @Test
    void typeMetaNamesTheTypesAddedAfter113() {
        // masked_fill_ prints the mask's caffe2::TypeMeta (ATen's masked_fill__cpu: "... with dtype ", mask.dtype())
        Tensor x = Tensor.zeros(3);
        String head = "masked_fill_ only supports boolean masks, but got mask with dtype ";
        assertEquals(head + "c10::Float8_e4m3fn", assertThrows(IllegalArgumentException.class,
                () -> x.maskedFill(Tensor.zeros(DType.FLOAT8_E4M3FN, 3), 1.0)).getMessage());
        assertEquals(head + "c10::Float8_e5m2", assertThrows(IllegalArgumentException.class,
                () -> x.maskedFill(Tensor.zeros(DType.FLOAT8_E5M2, 3), 1.0)).getMessage());
        assertEquals(head + "short unsigned int", assertThrows(IllegalArgumentException.class,
                () -> x.maskedFill(Tensor.zeros(DType.UINT16, 3), 1.0)).getMessage());
        assertEquals(head + "unsigned int", assertThrows(IllegalArgumentException.class,
                () -> x.maskedFill(Tensor.zeros(DType.UINT32, 3), 1.0)).getMessage());
        assertEquals(head + "long unsigned int", assertThrows(IllegalArgumentException.class,
                () -> x.maskedFill(Tensor.zeros(DType.UINT64, 3), 1.0)).getMessage());
        // a gradient of a new type: the TypeMeta name, the grad_dtype's ScalarType name
        Tensor f = Tensor.zeros(DType.FLOAT32, 2);
        assertEquals("attempting to assign a gradient with dtype 'c10::Float8_e4m3fn' to a tensor with grad_dtype 'Float"
                + DTYPE_TAIL, refusal(f, Tensor.zeros(DType.FLOAT8_E4M3FN, 2)));
        Tensor u = Tensor.zeros(DType.UINT16, 2);
        assertEquals("attempting to assign a gradient with dtype 'float' to a tensor with grad_dtype 'UInt16"
                + DTYPE_TAIL, refusal(u, Tensor.zeros(DType.FLOAT32, 2)));
    }
}
