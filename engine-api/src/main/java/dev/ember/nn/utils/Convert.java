package dev.ember.nn.utils;

import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * PyTorch's {@code torch.nn.utils.convert_parameters}: all parameters as one flat vector and back, with PyTorch's
 * device check ({@code TypeError}s as {@link IllegalArgumentException}).
 */
public final class Convert {
    private Convert() {
    }

    /** {@code _check_param_device}: the first parameter's device index (-1 for the CPU); the others must agree. */
    private static int checkParamDevice(Tensor param, Integer old) {
        int device = "cuda".equals(param.device().type()) ? Math.max(param.device().index(), 0) : -1;
        if (old != null && device != old) {
            throw new IllegalArgumentException("Found two parameters on different devices, this is currently not supported.");
        }
        return old == null ? device : old;
    }

    private static List<Tensor> list(Iterable<Tensor> parameters) {
        if (parameters == null) {
            throw new IllegalArgumentException("'NoneType' object is not iterable");
        }
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : parameters) {
            if (p == null) {
                throw new IllegalArgumentException("expected Tensor as element " + out.size() + " in argument 0, but got null");
            }
            out.add(p);
        }
        return out;
    }

    /**
     * {@code parameters_to_vector(parameters)}: {@code cat([p.view(-1) for p in parameters])}, differentiable
     * (CatBackward0), on the parameters' device.
     *
     * @param parameters the parameters (all on one device)
     * @return one flat vector
     */
    public static Tensor parametersToVector(Iterable<Tensor> parameters) {
        Integer device = null;
        List<Tensor> vec = new ArrayList<>();
        for (Tensor p : list(parameters)) {
            device = checkParamDevice(p, device);
            vec.add(p.view(-1));
        }
        return Tensor.cat(vec, 0);
    }

    /**
     * {@code vector_to_parameters(vec, parameters)}: each parameter's data becomes the next slice of {@code vec}, viewed
     * as the parameter ({@code param.data = vec[i:i+n].view_as(param).data}: the parameters then share {@code vec}'s
     * storage, as PyTorch's). Every check runs before any parameter is changed (PyTorch assigns the parameters before a
     * too-short vector fails).
     *
     * @param vec the flat vector
     * @param parameters the parameters (all on one device)
     */
    public static void vectorToParameters(Tensor vec, Iterable<Tensor> parameters) {
        if (vec == null) {
            throw new IllegalArgumentException("expected torch.Tensor, but got: NoneType");
        }
        List<Tensor> ps = list(parameters);
        if (vec.dim() == 0 && !ps.isEmpty()) {
            throw new IndexOutOfBoundsException("slice() cannot be applied to a 0-dim tensor.");
        }
        Integer device = null;
        long available = vec.dim() == 0 ? 0 : vec.size(0);
        long rowSize = vec.dim() <= 1 ? 1 : vec.numel() / Math.max(available, 1);
        long pointer = 0;
        int[] rows = new int[ps.size()];
        for (int i = 0; i < ps.size(); i++) {
            Tensor p = ps.get(i);
            device = checkParamDevice(p, device);
            // vec[pointer:pointer + n] (clamped to vec's rows, as Python slicing), viewed as the parameter
            rows[i] = (int) Math.max(0, Math.min(available, pointer + p.numel()) - Math.min(available, pointer));
            long size = rows[i] * rowSize;
            if (size != p.numel()) {
                throw new IllegalArgumentException("shape '" + Arrays.toString(p.shape()) + "' is invalid for input of size "
                        + size);
            }
            pointer += p.numel();
        }
        pointer = 0;
        for (int i = 0; i < ps.size(); i++) {
            Tensor p = ps.get(i);
            p.setData(vec.narrow(0, (int) Math.min(pointer, available), rows[i]).viewAs(p).data());
            pointer += p.numel();
        }
    }
}
