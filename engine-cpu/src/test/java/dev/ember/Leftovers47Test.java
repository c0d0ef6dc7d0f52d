package dev.ember;

import dev.ember.optim.Adagrad;
import dev.ember.optim.Adam;
import dev.ember.optim.LBFGS;
import dev.ember.optim.Optimizer;
import dev.ember.optim.ParamGroup;
import dev.ember.optim.SGD;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The cases earlier rounds left out, second pass, each built as PyTorch 2.x does it and pinned against PyTorch's values
 * and messages ({@code leftovers47/make_expected.py}, its output {@code expected.txt}, one labelled line each):
 * optimizers over several parameter groups (PyTorch's list of dicts, {@link Optimizer#withGroups}) and Adagrad's
 * groups added later, without state.
 */
class Leftovers47Test {
    private static final Map<String, String> EXPECTED = LabelledLines.load("/leftovers47/expected.txt");

    private static String expected(String label) {
        String expected = EXPECTED.get(label);
        assertNotNull(expected, "no expected line " + label);
        return expected;
    }

    private static void check(String label, Object actual) {
        assertEquals(expected(label), String.valueOf(actual).replace("\n", "|"), label);
    }

    /** The message of what {@code f} throws, as the generator's {@code err} writes it. */
    private static void checkError(String label, Runnable f) {
        RuntimeException e = assertThrows(RuntimeException.class, f::run, label);
        check(label, e.getMessage());
    }

    /** The tensors' values against the generator's ('/' between tensors), to {@code rtol} (0: the same doubles). */
    private static void checkValues(String label, double rtol, Tensor... ts) {
        String[] parts = expected(label).split(" / ");
        assertEquals(ts.length, parts.length, label);
        for (int i = 0; i < ts.length; i++) {
            String[] want = parts[i].trim().split(" ");
            double[] got = ts[i].toDoubleArray();
            assertEquals(want.length, got.length, label + " #" + i);
            for (int j = 0; j < got.length; j++) {
                double w = Double.parseDouble(want[j]);
                assertEquals(w, got[j], rtol * Math.abs(w), label + " #" + i + "[" + j + "]");
            }
        }
    }

    private static Tensor leaf(double... v) {
        return Tensor.tensor(v, DType.FLOAT64).requiresGrad_(true);
    }

    private static Map<String, Object> group(Object params, Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("params", params);
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** The sum state tensor of parameter {@code index} in the optimizer's state dict. */
    @SuppressWarnings("unchecked")
    private static Tensor sum(Optimizer o, int index) {
        Map<Integer, Map<String, Object>> state = (Map<Integer, Map<String, Object>>) o.stateDict().get("state");
        return (Tensor) state.get(index).get("sum");
    }

    @Test
    void parameterGroupsOfTheConstructorAndAddedLater() {
        Tensor a = leaf(1.0, -2.0);
        Tensor b = leaf(0.5, 0.25, -1.5);
        Tensor c = leaf(3.0);
        SGD opt = new SGD(List.of(a), 0.1);
        checkError("groups.add.duplicate", () -> opt.addParamGroup(List.of(c, a), Map.of()));
        check("groups.add.duplicate.after", opt.paramGroups().size());
        assertEquals(1, opt.paramGroups().get(0).params().size());
        checkError("groups.add.set", () -> Optimizer.withGroups(List.of(group(List.of(a)), group(Set.of(c))),
                ps -> new SGD(ps, 0.1)));
        checkError("groups.ctor.duplicate", () -> Optimizer.withGroups(List.of(group(List.of(a)), group(List.of(b, a))),
                ps -> new Adagrad(ps, 0.1)));
        checkError("groups.ctor.noparams", () -> Optimizer.withGroups(List.of(group(List.of(a)), Map.of("lr", 0.5)),
                ps -> new SGD(ps, 0.1)));
        checkError("groups.ctor.none", () -> Optimizer.withGroups(Arrays.asList(group(List.of(a)), null),
                ps -> new SGD(ps, 0.1)));
        // the constructor's options are checked before any group
        checkError("groups.ctor.badlr", () -> Optimizer.withGroups(List.of(group(List.of(a)), Map.of("lr", 0.5)),
                ps -> new SGD(ps, -0.5)));
        checkError("groups.ctor.empty", () -> Optimizer.withGroups(List.of(), ps -> new SGD(ps, 0.1)));
        checkError("groups.ctor.lbfgs", () -> Optimizer.withGroups(List.of(group(List.of(a)), group(List.of(b))),
                LBFGS::new));
        checkError("groups.ctor.nonleaf", () -> Optimizer.withGroups(List.of(group(List.of(a)), group(List.of(b.mul(2)))),
                ps -> new Adam(ps, 1e-3)));
        // a group of no parameters is a group; params may be one tensor
        SGD sgd = Optimizer.withGroups(List.of(group(List.of()), group(a, "momentum", 0.9), group(List.of(b, c), "lr", 0.05)),
                ps -> new SGD(ps, 0.1));
        List<String> groups = new ArrayList<>();
        for (ParamGroup g : sgd.paramGroups()) {
            groups.add(g.params().size() + ":" + g.get("lr") + ":" + g.get("momentum") + ":" + g.get("nesterov"));
        }
        check("groups.ctor.sgd", String.join(" ", groups));
        for (int k = 0; k < 2; k++) {
            for (Tensor p : List.of(a, b, c)) {
                p.setGrad(p.detach().mul(0.5).add(0.25 * (k + 1)));
            }
            sgd.step();
        }
        checkValues("groups.ctor.sgd.values", 0, a, b, c);
    }

    @Test
    void adagradMakesStateForTheConstructorsGroupsOnly() {
        Tensor a = leaf(1.0, -2.0);
        Tensor b = leaf(0.5, 0.25, -1.5);
        Tensor c = leaf(3.0);
        Adagrad ada = Optimizer.withGroups(List.of(group(List.of(a)),
                group(List.of(b), "lr", 0.05, "initial_accumulator_value", 0.5)),
                ps -> new Adagrad(ps, 0.1, 0.01, 0, 0.1, 1e-10));
        // the constructor's initial_accumulator_value, whatever the group says
        checkValues("adagrad.ctor.sums", 0, sum(ada, 0), sum(ada, 1));
        for (int k = 0; k < 3; k++) {
            for (Tensor p : List.of(a, b)) {
                p.setGrad(p.detach().mul(0.5).add(0.25 * (k + 1)));
            }
            ada.step();
        }
        checkValues("adagrad.ctor.values", 1e-15, a, b);
        checkValues("adagrad.ctor.sums.after", 1e-15, sum(ada, 0), sum(ada, 1));

        // a group added later has no state; a step over it fails with PyTorch's KeyError, where Ember changes nothing
        // (PyTorch has updated the groups before it: "changed")
        ada.addParamGroup(List.of(c), Map.of("lr", 0.2));
        @SuppressWarnings("unchecked")
        Map<Integer, Map<String, Object>> state = (Map<Integer, Map<String, Object>>) ada.stateDict().get("state");
        List<Integer> sizes = new ArrayList<>();
        for (Map<String, Object> s : state.values()) {
            sizes.add(s.size());
        }
        check("adagrad.added.state", state.size() + " " + sizes);
        check("adagrad.added.step.pytorch.group0", "changed");
        double[] aBefore = a.toDoubleArray();
        double[] sumBefore = sum(ada, 0).toDoubleArray();
        c.setGrad(c.onesLike());
        a.setGrad(a.onesLike());
        checkError("adagrad.added.step", ada::step);
        assertEquals(Arrays.toString(aBefore), Arrays.toString(a.toDoubleArray()), "Ember's refusal changes nothing");
        assertEquals(Arrays.toString(sumBefore), Arrays.toString(sum(ada, 0).toDoubleArray()));

        // a group added later whose parameters have no gradient: the step goes on
        Tensor a2 = leaf(1.0, -2.0);
        Tensor b2 = leaf(0.5, 0.25, -1.5);
        Adagrad fresh = new Adagrad(List.of(a2, b2), 0.1);
        fresh.addParamGroup(List.of(leaf(3.0)), new HashMap<>());
        for (Tensor p : List.of(a2, b2)) {
            p.setGrad(p.detach().mul(0.5).add(0.25));
        }
        fresh.step();
        checkValues("adagrad.added.nograd.values", 1e-15, a2, b2);
    }
}
