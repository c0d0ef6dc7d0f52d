package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Transforms applied to the slices {@code select(dim, i)}, the results stacked along {@code dim}, as
 * {@code torch.distributions.transforms.StackTransform}; the log-det-Jacobians are stacked the same way.
 */
public class StackTransform extends Transform {
    private final List<Transform> transforms;
    private final int dim;

    /** StackTransform(tseq, dim=0). */
    public StackTransform(List<Transform> tseq) {
        this(tseq, 0);
    }

    /**
     * StackTransform(tseq, dim).
     *
     * @throws IllegalArgumentException where a transform is null (PyTorch's assertion)
     */
    public StackTransform(List<Transform> tseq, int dim) {
        Dist.require(tseq, "StackTransform", "tseq", "list of Transforms");
        for (Transform t : tseq) {
            if (t == null) {
                throw new IllegalArgumentException("StackTransform: every element of tseq must be a Transform");
            }
        }
        this.transforms = List.copyOf(tseq);
        this.dim = dim;
    }

    /** The transforms, as {@code transforms}. */
    public List<Transform> transforms() {
        return transforms;
    }

    /** The dim along which the slices are taken, as {@code dim}. */
    public int dim() {
        return dim;
    }

    @Override
    public boolean bijective() {
        for (Transform t : transforms) {
            if (!t.bijective()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Constraint domain() {
        List<Constraint> cs = new ArrayList<>();
        for (Transform t : transforms) {
            cs.add(t.domain());
        }
        return Constraint.stack(cs, dim);
    }

    @Override
    public Constraint codomain() {
        List<Constraint> cs = new ArrayList<>();
        for (Transform t : transforms) {
            cs.add(t.codomain());
        }
        return Constraint.stack(cs, dim);
    }

    private void checkInput(Tensor x) {
        if (dim < -x.dim() || dim >= x.dim() || x.size(dim) != transforms.size()) {
            throw new IllegalArgumentException("StackTransform: the input's size along dim " + dim + " must be "
                    + transforms.size() + ", got shape " + dev.ember.Format.size(x.shape()));
        }
    }

    @Override
    protected Tensor call(Tensor x) {
        checkInput(x);
        List<Tensor> ys = new ArrayList<>();
        for (int i = 0; i < transforms.size(); i++) {
            ys.add(transforms.get(i).forward(x.select(dim, i)));
        }
        return Tensor.stack(ys, dim);
    }

    @Override
    protected Tensor invCall(Tensor y) {
        checkInput(y);
        List<Tensor> xs = new ArrayList<>();
        for (int i = 0; i < transforms.size(); i++) {
            xs.add(transforms.get(i).inv().forward(y.select(dim, i)));
        }
        return Tensor.stack(xs, dim);
    }

    @Override
    protected Tensor ladj(Tensor x, Tensor y) {
        checkInput(x);
        checkInput(y);
        List<Tensor> parts = new ArrayList<>();
        for (int i = 0; i < transforms.size(); i++) {
            parts.add(transforms.get(i).logAbsDetJacobian(x.select(dim, i), y.select(dim, i)));
        }
        return Tensor.stack(parts, dim);
    }
}
