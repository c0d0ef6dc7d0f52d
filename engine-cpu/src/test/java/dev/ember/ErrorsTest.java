package dev.ember;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input gets PyTorch's message as an IllegalArgumentException, and leaves every tensor as it was. */
class ErrorsTest {

    private static void fails(String message, Executable call, Tensor... untouched) {
        float[][] before = new float[untouched.length][];
        int[] versions = new int[untouched.length];
        for (int i = 0; i < untouched.length; i++) {
            before[i] = untouched[i].toFloatArray();
            versions[i] = untouched[i].version();
        }
        Throwable e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(message, e.getMessage());
        for (int i = 0; i < untouched.length; i++) {
            assertArrayEquals(before[i], untouched[i].toFloatArray());
            assertEquals(versions[i], untouched[i].version());
        }
    }

    @Test
    void broadcastMismatch() {
        Tensor a = Tensor.ones(2, 3);
        Tensor b = Tensor.ones(4);
        fails("The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1", () -> a.add(b), a, b);
        fails("output with shape [3] doesn't match the broadcast shape [2, 3]", () -> Tensor.ones(3).add_(a), a);
        Tensor c = Tensor.ones(3);
        fails("The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1", () -> a.add_(b), a, b);
        fails("output with shape [3] doesn't match the broadcast shape [2, 3]", () -> c.mul_(a), c, a);
    }

    /**
     * With several bad dimensions, PyTorch's infer_size and expand check from the last one and name it (messages from
     * PyTorch 1.13: {@code torch.zeros(2,3) + torch.zeros(4,5)}, {@code F.mse_loss(torch.zeros(2,3), torch.zeros(3,2))},
     * {@code torch.zeros(2,3).expand(4,5)}, {@code torch.zeros(3).expand(-1,4)}).
     */
    @Test
    void severalMismatchesNameTheLast() {
        Tensor a = Tensor.ones(2, 3);
        fails("The size of tensor a (3) must match the size of tensor b (5) at non-singleton dimension 1",
                () -> a.add(Tensor.ones(4, 5)), a);
        fails("The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1",
                () -> dev.ember.nn.Functional.mseLoss(a, Tensor.ones(3, 2)), a);
        fails("The expanded size of the tensor (5) must match the existing size (3) at non-singleton dimension 1.  "
                + "Target sizes: [4, 5].  Tensor sizes: [2, 3]", () -> a.expand(4, 5), a);
        fails("The expanded size of the tensor (4) must match the existing size (3) at non-singleton dimension 1.  "
                + "Target sizes: [-1, 4].  Tensor sizes: [3]", () -> Tensor.ones(3).expand(-1, 4));
    }

    @Test
    void matmulShapes() {
        Tensor a = Tensor.ones(2, 3);
        Tensor b = Tensor.ones(4, 5);
        fails("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)", () -> a.mm(b), a, b);
        fails("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)", () -> a.matmul(b), a, b);
        fails("self must be a matrix", () -> Tensor.ones(3).mm(b));
        fails("batch1 must be a 3D tensor", () -> a.bmm(b));
        fails("Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [2, 4].",
                () -> Tensor.ones(2, 2, 3).bmm(Tensor.ones(2, 4, 1)));
        fails("inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, but got 3 "
                + "and 4 elements respectively", () -> Tensor.ones(3).dot(Tensor.ones(4)));
        fails("both arguments to matmul need to be at least 1D, but they are 0D and 2D", () -> Tensor.scalar(1).matmul(a));
    }

    @Test
    void dtypes() {
        Tensor f = Tensor.ones(2, 2);
        Tensor d = Tensor.ones(DType.FLOAT64, 2, 2);
        fails("expected m1 and m2 to have the same dtype, but got: float != double", () -> f.mm(d), f, d);
        Tensor l = Tensor.ones(DType.INT64, 2);
        fails("result type Float can't be cast to the desired output type Long", () -> l.add_(1.5), l);
        fails("result type Float can't be cast to the desired output type Long", () -> l.div_(2), l);
        fails("only Tensors of floating point dtype can require gradients", () -> l.requiresGrad_(true));
        fails("where expected condition to be a boolean tensor, but got a tensor with dtype Float",
                () -> Tensor.where(f, f, f));
        fails("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` "
                + "operator instead.", () -> Tensor.tensor(new boolean[] {true}).sub(Tensor.tensor(new boolean[] {false})));
        fails("mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long",
                () -> l.mean());
    }

    @Test
    void dimsAndSizes() {
        Tensor a = Tensor.ones(2, 3);
        Throwable e = assertThrows(IndexOutOfBoundsException.class, () -> a.sum(2));
        assertEquals("Dimension out of range (expected to be in range of [-2, 1], but got 2)", e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class, () -> a.select(0, 2));
        assertEquals("select(): index 2 out of range for tensor of size [2, 3] at dimension 0", e.getMessage());
        fails("Trying to create tensor with negative dimension -1: [2, -1]", () -> Tensor.zeros(2, -1));
        fails("shape '[4, 2]' is invalid for input of size 6", () -> a.view(4, 2), a);
        fails("only one dimension can be inferred", () -> a.view(-1, -1), a);
        fails("view size is not compatible with input tensor's size and stride (at least one dimension spans across two "
                + "contiguous subspaces). Use .reshape(...) instead.", () -> a.t().view(6), a);
        fails("The expanded size of the tensor (4) must match the existing size (3) at non-singleton dimension 1.  "
                + "Target sizes: [2, 4].  Tensor sizes: [2, 3]", () -> a.expand(2, 4), a);
        fails("start (2) + length (2) exceeds dimension size (3).", () -> a.narrow(1, 2, 2), a);
        fails("Sizes of tensors must match except in dimension 0. Expected size 3 but got size 2 for tensor number 1 in the "
                + "list.", () -> Tensor.cat(java.util.List.of(a, Tensor.ones(1, 2)), 0), a);
        fails("expected sequence of length 2 at dim 1 (got 1)", () -> Tensor.tensor(new double[][] {{1, 2}, {3}}));
        fails("a Tensor with 6 elements cannot be converted to Scalar", a::item, a);
        fails("Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and output[0] has a shape of torch.Size([2, 3]).",
                () -> a.mul(1.0).requiresGrad_(true).backward(Tensor.ones(2)));
    }

    @Test
    void autogradStateErrors() {
        Tensor w = Tensor.ones(3).requiresGrad_(true);
        Throwable e = assertThrows(IllegalStateException.class, () -> w.add_(1.0));
        assertEquals("a leaf Variable that requires grad is being used in an in-place operation.", e.getMessage());
        assertEquals(0, w.version());
        e = assertThrows(IllegalStateException.class, () -> w.mul(2.0).backward());
        assertEquals("grad can be implicitly created only for scalar outputs", e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> w.narrow(0, 0, 2).mul_(2.0));
        assertEquals("a view of a leaf Variable that requires grad is being used in an in-place operation.", e.getMessage());
        // in a noGrad scope the leaf may change in place (optimizer updates)
        try (GradMode g = Ember.noGrad()) {
            w.sub_(1.0);
        }
        assertEquals("tensor([0., 0., 0.], requires_grad=True)", w.toString());
        assertEquals(1, w.version());
    }

    @Test
    void savedTensorModifiedInPlace() {
        Tensor a = Tensor.tensor(new double[] {1, 2}).requiresGrad_(true);
        Tensor b = a.mul(1.0);
        Tensor c = b.sigmoid();
        Tensor d = c.mul(b);
        c.mul_(2.0); // c was saved by SigmoidBackward0 (its output) and by MulBackward0
        Throwable e = assertThrows(IllegalStateException.class, () -> d.sum().backward());
        // d's MulBackward0 reads c first, an input to it: PyTorch (1.13 printed this) names c's grad_fn at the time
        // of the error, the MulBackward0 of the mul_
        assertTrue(e.getMessage().startsWith("one of the variables needed for gradient computation has been modified by an "
                + "inplace operation: [torch.FloatTensor [2]], which is output 0 of MulBackward0, is at version 1; "
                + "expected version 0 instead."), e.getMessage());
    }

    @Test
    void mixedDevicesAreRejected() {
        Backends2.registerFakeCuda();
        Tensor cpu = Tensor.ones(2);
        Tensor gpu = Tensor.ones(2).to(Device.cuda(0));
        assertEquals("tensor([1., 1.], device='cuda:0')", gpu.toString());
        fails("Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!",
                () -> cpu.add(gpu), cpu);
        fails("Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!",
                () -> gpu.reshape(1, 2).mm(Tensor.ones(2, 1)), cpu);
        assertEquals("tensor([2., 2.])", gpu.add(gpu).to(Device.CPU).toString());
        assertEquals("Invalid device ordinal cuda:1: 1 cuda device(s) present",
                assertThrows(IllegalArgumentException.class, () -> cpu.to(Device.cuda(1))).getMessage());
    }
}
