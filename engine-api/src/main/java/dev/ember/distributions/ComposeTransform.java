package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Transforms applied one after another, as {@code torch.distributions.transforms.ComposeTransform}: its domain and
 * codomain carry the event dims the chain needs, its log-det-Jacobian sums each part's over the right dims, and its
 * inverse is the inverses in reverse order. No parts is the identity.
 */
public class ComposeTransform extends Transform {
    private final List<Transform> parts;
    private ComposeTransform inverse;

    /** {@code ComposeTransform(parts)}. */
    public ComposeTransform(List<Transform> parts) {
        Dist.require(parts, "ComposeTransform", "parts", "list of Transforms");
        for (Transform t : parts) {
            Dist.require(t, "ComposeTransform", "parts");
        }
        this.parts = Collections.unmodifiableList(new ArrayList<>(parts));
    }

    /** {@code ComposeTransform([parts...])}. */
    public ComposeTransform(Transform... parts) {
        this(Arrays.asList(Dist.require(parts, "ComposeTransform", "parts", "list of Transforms")));
    }

    /** The transforms, first applied first. */
    public List<Transform> parts() {
        return parts;
    }

    @Override
    public Constraint domain() {
        if (parts.isEmpty()) {
            return Constraint.REAL;
        }
        Constraint domain = parts.get(0).domain();
        int eventDim = parts.get(parts.size() - 1).codomain().eventDim();
        for (int i = parts.size() - 1; i >= 0; i--) {
            Transform p = parts.get(i);
            eventDim += p.domain().eventDim() - p.codomain().eventDim();
            eventDim = Math.max(eventDim, p.domain().eventDim());
        }
        return eventDim > domain.eventDim() ? Constraint.independent(domain, eventDim - domain.eventDim()) : domain;
    }

    @Override
    public Constraint codomain() {
        if (parts.isEmpty()) {
            return Constraint.REAL;
        }
        Constraint codomain = parts.get(parts.size() - 1).codomain();
        int eventDim = parts.get(0).domain().eventDim();
        for (Transform p : parts) {
            eventDim += p.codomain().eventDim() - p.domain().eventDim();
            eventDim = Math.max(eventDim, p.codomain().eventDim());
        }
        return eventDim > codomain.eventDim() ? Constraint.independent(codomain, eventDim - codomain.eventDim()) : codomain;
    }

    @Override
    public boolean bijective() {
        return parts.stream().allMatch(Transform::bijective);
    }

    @Override
    public int sign() {
        int s = 1;
        for (Transform p : parts) {
            s *= p.sign();
        }
        return s;
    }

    @Override
    Tensor signTensor() {
        Tensor s = null;
        for (Transform p : parts) {
            Tensor t = p.signTensor();
            if (t != null) {
                s = s == null ? t : s.mul(t);
            }
        }
        if (s == null) {
            return null;
        }
        int rest = 1;
        for (Transform p : parts) {
            if (p.signTensor() == null) {
                rest *= p.sign();
            }
        }
        return s.mul((long) rest);
    }

    @Override
    public ComposeTransform inv() {
        if (inverse == null) {
            List<Transform> inv = new ArrayList<>();
            for (int i = parts.size() - 1; i >= 0; i--) {
                inv.add(parts.get(i).inv());
            }
            inverse = new ComposeTransform(inv);
            inverse.inverse = this;
        }
        return inverse;
    }

    @Override
    protected Tensor call(Tensor x) {
        for (Transform p : parts) {
            x = p.forward(x);
        }
        return x;
    }

    @Override
    protected Tensor invCall(Tensor y) {
        for (int i = parts.size() - 1; i >= 0; i--) {
            y = parts.get(i).inverse(y);
        }
        return y;
    }

    @Override
    protected Tensor ladj(Tensor x, Tensor y) {
        if (parts.isEmpty()) {
            return x.zerosLike();
        }
        List<Tensor> xs = new ArrayList<>();
        xs.add(x);
        for (int i = 0; i < parts.size() - 1; i++) {
            xs.add(parts.get(i).forward(xs.get(i)));
        }
        xs.add(y);
        // every part's term first, then their sum (PyTorch's functools.reduce over the list): a part without a
        // log-det-Jacobian (AbsTransform's NotImplementedError) is reported before terms that do not broadcast
        List<Tensor> terms = new ArrayList<>();
        int eventDim = domain().eventDim();
        for (int i = 0; i < parts.size(); i++) {
            Transform p = parts.get(i);
            terms.add(Dist.sumRightmost(p.logAbsDetJacobian(xs.get(i), xs.get(i + 1)), eventDim - p.domain().eventDim()));
            eventDim += p.codomain().eventDim() - p.domain().eventDim();
        }
        Tensor total = terms.get(0);
        for (int i = 1; i < terms.size(); i++) {
            total = total.add(terms.get(i));
        }
        return total;
    }

    @Override
    public int[] forwardShape(int[] shape) {
        int[] s = Dist.require(shape, "forward_shape", "shape");
        for (Transform p : parts) {
            s = p.forwardShape(s);
        }
        return s.clone();
    }

    @Override
    public int[] inverseShape(int[] shape) {
        int[] s = Dist.require(shape, "inverse_shape", "shape");
        for (int i = parts.size() - 1; i >= 0; i--) {
            s = parts.get(i).inverseShape(s);
        }
        return s.clone();
    }

    /** Equal to a ComposeTransform of equal parts, as PyTorch's {@code __eq__}. */
    @Override
    public boolean equals(Object other) {
        return other instanceof ComposeTransform && parts.equals(((ComposeTransform) other).parts);
    }

    @Override
    public int hashCode() {
        return parts.hashCode();
    }

    /** PyTorch's repr: {@code ComposeTransform(\n    A(),\n    B()\n)}. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("ComposeTransform(\n    ");
        for (int i = 0; i < parts.size(); i++) {
            b.append(i == 0 ? "" : ",\n    ").append(parts.get(i));
        }
        return b.append("\n)").toString();
    }
}
