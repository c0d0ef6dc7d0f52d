package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Transforms applied to consecutive slices (of the given lengths) along {@code dim}, the results concatenated, as
 * {@code torch.distributions.transforms.CatTransform}; the log-det-Jacobians are summed over the extra event dims of
 * the transforms of smaller event_dim and concatenated along {@code dim} (or added where {@code dim} is inside the
 * event).
 */
public class CatTransform extends Transform {
    private final List<Transform> transforms;
    private final int[] lengths;
    private final int dim;

    /** CatTransform(tseq, dim=0), each transform on a slice of length 1. */
    public CatTransform(List<Transform> tseq) {
        this(tseq, 0, null);
    }

    /**
     * CatTransform(tseq, dim, lengths); {@code lengths} null for one element each.
     *
     * @throws IllegalArgumentException where a transform is null or the lengths do not match the transforms (PyTorch's
     *     assertions)
     */
    public CatTransform(List<Transform> tseq, int dim, int[] lengths) {
        Dist.require(tseq, "CatTransform", "tseq", "list of Transforms");
        for (Transform t : tseq) {
            if (t == null) {
                throw new IllegalArgumentException("CatTransform: every element of tseq must be a Transform");
            }
        }
        this.transforms = List.copyOf(tseq);
        if (lengths == null) {
            lengths = new int[transforms.size()];
            Arrays.fill(lengths, 1);
        }
        if (lengths.length != transforms.size()) {
            throw new IllegalArgumentException("CatTransform: len(lengths) must equal len(tseq)");
        }
        this.lengths = lengths.clone();
        this.dim = dim;
    }

    /** The transforms, as {@code transforms}. */
    public List<Transform> transforms() {
        return transforms;
    }

    /** The slice lengths, as {@code lengths}. */
    public int[] lengths() {
        return lengths.clone();
    }

    /** The dim along which the slices are taken, as {@code dim}. */
    public int dim() {
        return dim;
    }

    private long length() {
        long n = 0;
        for (int l : lengths) {
            n += l;
        }
        return n;
    }

    /** The largest event_dim of the transforms, as PyTorch's {@code event_dim}. */
    @Override
    public int eventDim() {
        int ev = 0;
        for (Transform t : transforms) {
            ev = Math.max(ev, t.eventDim());
        }
        return ev;
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
        return Constraint.cat(cs, dim, lengths);
    }

    @Override
    public Constraint codomain() {
        List<Constraint> cs = new ArrayList<>();
        for (Transform t : transforms) {
            cs.add(t.codomain());
        }
        return Constraint.cat(cs, dim, lengths);
    }

    private void checkInput(Tensor x) {
        if (dim < -x.dim() || dim >= x.dim() || x.size(dim) != length()) {
            throw new IllegalArgumentException("CatTransform: the input's size along dim " + dim + " must be "
                    + length() + ", got shape " + dev.ember.Format.size(x.shape()));
        }
    }

    @Override
    protected Tensor call(Tensor x) {
        checkInput(x);
        List<Tensor> ys = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < transforms.size(); i++) {
            ys.add(transforms.get(i).forward(x.narrow(dim, start, lengths[i])));
            start += lengths[i];
        }
        return Tensor.cat(ys, dim);
    }

    @Override
    protected Tensor invCall(Tensor y) {
        checkInput(y);
        List<Tensor> xs = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < transforms.size(); i++) {
            xs.add(transforms.get(i).inv().forward(y.narrow(dim, start, lengths[i])));
            start += lengths[i];
        }
        return Tensor.cat(xs, dim);
    }

    @Override
    protected Tensor ladj(Tensor x, Tensor y) {
        checkInput(x);
        checkInput(y);
        int eventDim = eventDim();
        List<Tensor> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < transforms.size(); i++) {
            Transform t = transforms.get(i);
            Tensor l = t.logAbsDetJacobian(x.narrow(dim, start, lengths[i]), y.narrow(dim, start, lengths[i]));
            if (t.eventDim() < eventDim) {
                l = Dist.sumRightmost(l, eventDim - t.eventDim());
            }
            parts.add(l);
            start += lengths[i];
        }
        int d = dim >= 0 ? dim - x.dim() : dim;
        d += eventDim;
        if (d < 0) {
            return Tensor.cat(parts, d);
        }
        // Python's sum(): 0 + the first + ...
        Tensor total = parts.get(0).add(0L);
        for (int i = 1; i < parts.size(); i++) {
            total = total.add(parts.get(i));
        }
        return total;
    }
}
