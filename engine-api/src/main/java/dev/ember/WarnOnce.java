package dev.ember;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * PyTorch's {@code TORCH_WARN_ONCE} for Ember's core ops: each message is logged once per process, at level WARNING, to
 * the {@code "dev.ember"} logger, where the warnings of Ember's other ops go.
 */
final class WarnOnce {
    private static final System.Logger LOG = System.getLogger("dev.ember");

    /** The messages logged so far (package-private so that tests can forget one, as a fresh process would). */
    static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

    /** 2.x's {@code numpy_T} on a tensor of neither 0 nor 2 dimensions (since 1.11). */
    static final String T_NOT_MATRIX = "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
            + "deprecated and it will throw an error in a future release. Consider `x.mT` to transpose batches of "
            + "matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.";
    /** 2.0's {@code numpy_T} on a 0-D tensor. */
    static final String T_SCALAR = "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.";
    /** 2.0's {@code matrix_H} on a 0-D tensor. */
    static final String H_SCALAR = "Tensor.H is deprecated on 0-D tensors. Consider using x.conj().";
    /** 2.0's {@code mT} on a 0-D tensor. */
    static final String MT_SCALAR = "Tensor.mT is deprecated on 0-D tensors. This function is the identity in these "
            + "cases.";
    /** 2.0's {@code mH} on a 0-D tensor. */
    static final String MH_SCALAR = "Tensor.mH is deprecated on 0-D tensors. Consider using x.conj().";
    /** 2.0's {@code adjoint} on a 0-D tensor. */
    static final String ADJOINT_SCALAR = "adjoint() is deprecated on 0-D tensors. Consider using x.conj().";

    /** {@code torch.qr}'s deprecation (LinearAlgebra's {@code qr}, since 1.9, the same in 2.x). */
    static final String QR = "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future PyTorch "
            + "release.\nThe boolean parameter 'some' has been replaced with a string parameter 'mode'.\nQ, R = "
            + "torch.qr(A, some)\nshould be replaced with\nQ, R = torch.linalg.qr(A, 'reduced' if some else 'complete')";
    /** {@code torch.chain_matmul}'s deprecation (since 1.9, the same in 2.x). */
    static final String CHAIN_MATMUL = "torch.chain_matmul is deprecated and will be removed in a future PyTorch release. "
            + "Use torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than multiple "
            + "parameters.";
    /** {@code torch.lu_solve}'s deprecation (since 1.13, the same in 2.x, its missing space included). */
    static final String LU_SOLVE = "torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a "
            + "future PyTorch release.\nNote that torch.linalg.lu_solve has its arguments reversed.\nX = torch.lu_solve(B, "
            + "LU, pivots)\nshould be replaced with\nX = torch.linalg.lu_solve(LU, pivots, B)";

    /** 2.x's UserWarning for {@code torch.tensor(sourceTensor)} (torch/csrc/utils/tensor_new.cpp). */
    static final String COPY_CONSTRUCT = "To copy construct from a tensor, it is recommended to use "
            + "sourceTensor.detach().clone() or sourceTensor.detach().clone().requires_grad_(True), rather than "
            + "torch.tensor(sourceTensor).";
    /** 2.x's warning for {@code torch.meshgrid} without {@code indexing} (ATen's TensorShape.cpp meshgrid). */
    static final String MESHGRID_INDEXING = "torch.meshgrid: in an upcoming release, it will be required to pass the "
            + "indexing argument.";

    /** The autograd engine's warning for the {@code .grad} of a non-leaf (2.x's wording, Ember's retainGrad name). */
    static final String NON_LEAF_GRAD = "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
            + ".grad attribute won't be populated during autograd.backward(). If you indeed want the .grad field to be "
            + "populated for a non-leaf Tensor, use .retainGrad() on the non-leaf Tensor. If you access the non-leaf "
            + "Tensor by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 "
            + "for more informations.";
    /** {@code copy_}'s warning for a complex source written into a real tensor other than a bool one. */
    static final String COMPLEX_DISCARD = "Casting complex values to real discards the imaginary part";
    /** {@code torch.autograd.detect_anomaly}'s warning when anomaly detection is switched on. */
    static final String ANOMALY_ENABLED = "Anomaly Detection has been enabled. This mode will increase the runtime and "
            + "should only be enabled for debugging.";
    /** {@code torch.stft}'s deprecation of {@code return_complex=False}. */
    static final String STFT_REAL_OUTPUT = "stft with return_complex=False is deprecated. In a future pytorch release, "
            + "stft will return complex tensors for all inputs, and return_complex=False will raise an error.\nNote: you "
            + "can still call torch.view_as_real on the complex output to recover the old return format.";
    /** {@code _Reduction.get_enum}'s deprecation of {@code reduction='elementwise_mean'}. */
    static final String ELEMENTWISE_MEAN = "reduction='elementwise_mean' is deprecated, please use reduction='mean' "
            + "instead.";

    private WarnOnce() {
    }

    /** Logs {@code message} unless it was logged before in this process. */
    static void warn(String message) {
        if (LOGGED.add(message)) {
            LOG.log(System.Logger.Level.WARNING, message);
        }
    }
}
