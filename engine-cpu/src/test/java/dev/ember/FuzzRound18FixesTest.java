package dev.ember;

import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.Conv1d;
import dev.ember.nn.GELU;
import dev.ember.nn.ELU;
import dev.ember.nn.Identity;
import dev.ember.nn.LazyLinear;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleDict;
import dev.ember.nn.ModuleInternals;
import dev.ember.nn.ModuleList;
import dev.ember.nn.ParameterDict;
import dev.ember.nn.ParameterList;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.Sigmoid;
import dev.ember.nn.Tanh;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The engine fixes round 18 of the differential fuzz ({@code differentialfuzzr18/make_cases.py}: the nn.Module API's
 * bookkeeping as programs) led to, each pinned on its own against PyTorch's values ({@code differentialfuzzr18/
 * make_fixes.py}, its output {@code fixes.txt}, one labelled line each): {@code delattr}; {@code named_parameters} and
 * {@code named_buffers} with prefix, recurse and remove_duplicate; {@code state_dict(prefix, keep_vars)}; Sequential's
 * insert, pop, del, item assignment and extend; ModuleList and ModuleDict as views of what is registered (a module put
 * in by {@code setattr}, {@code add_module} or {@code set_submodule} is the one they hold, as PyTorch's {@code
 * _modules} is the list), with ModuleList's insert, pop, del, slices and item assignment and ModuleDict's pop, update,
 * clear and del; ParameterList and ParameterDict reading the tensor registered under each name (a parameter replaced
 * or registered as None is seen, and printed); Linear's and Conv1d's printed {@code bias} following the bias registered
 * now; a state dict key under a parameter's or buffer's name ({@code "0.zz"}) neither loaded nor unexpected.
 */
class FuzzRound18FixesTest {
    private static final Map<String, String> EXPECTED = read();

    private static Map<String, String> read() {
        return LabelledLines.load("/differentialfuzzr18/fixes.txt");
    }

    private static void check(String label, String actual) {
        assertEquals(EXPECTED.get(label), actual.replace("\n", "|"), label);
    }

    /** The message of what {@code f} throws, as the generator's {@code err}. */
    private static void checkError(String label, Runnable f) {
        RuntimeException e = assertThrows(RuntimeException.class, f::run, label);
        check(label, e.getMessage());
    }

    private static String names(Map<String, ?> m) {
        return String.join(",", m.keySet());
    }

    private static String items(Module c) {
        List<String> out = new ArrayList<>();
        ModuleInternals.registeredModules(c).forEach((k, m) -> out.add(k + "=" + ModuleInternals.className(m)));
        return String.join(",", out);
    }

    private static String classes(Iterable<? extends Module> ms) {
        List<String> out = new ArrayList<>();
        ms.forEach(m -> out.add(ModuleInternals.className(m)));
        return String.join(",", out);
    }

    @Test
    void delattrRemovesAParameterABufferOrASubmodule() {
        Linear lin = new Linear(2, 3);
        lin.delattr("bias");
        check("del.linear.params", names(lin.namedParameters()));
        check("del.linear.state", names(lin.stateDict()));
        checkError("del.linear.missing", () -> lin.delattr("zz"));
        BatchNorm1d bn = new BatchNorm1d(2);
        bn.delattr("running_mean");
        check("del.bn.buffers", names(bn.namedBuffers()));
        Sequential seq = new Sequential(new Linear(1, 1), new ReLU(), new Tanh());
        seq.delattr("1");
        check("del.seq.children", names(seq.namedChildren()));
        check("del.seq.repr", seq.toString());
    }

    @Test
    void namedParametersAndBuffersTakePrefixRecurseAndRemoveDuplicate() {
        Linear shared = new Linear(2, 2);
        Sequential root = new Sequential(shared, new BatchNorm1d(2), shared);
        root.setParameter("t", shared.weight());
        for (String pre : new String[] {"", "model"}) {
            for (boolean rec : new boolean[] {true, false}) {
                for (boolean rd : new boolean[] {true, false}) {
                    String key = (pre.isEmpty() ? "-" : pre) + "." + (rec ? 1 : 0) + "." + (rd ? 1 : 0);
                    check("named.p." + key, names(root.namedParameters(pre, rec, rd)));
                    check("named.b." + key, names(root.namedBuffers(pre, rec, rd)));
                }
            }
        }
    }

    @Test
    void stateDictTakesPrefixAndKeepVars() {
        Linear shared = new Linear(2, 2);
        Sequential root = new Sequential(shared, new BatchNorm1d(2), shared);
        root.setParameter("t", shared.weight());
        Map<String, Tensor> sd = root.stateDict("pre.", true);
        check("sd.keys", names(sd));
        check("sd.keep", py(sd.get("pre.0.weight") == shared.weight()) + " " + py(sd.get("pre.2.weight") == shared.weight())
                + " " + py(sd.get("pre.0.weight").requiresGrad()));
        Map<String, Tensor> plain = root.stateDict("pre.", false);
        check("sd.plain", py(plain.get("pre.0.weight") == shared.weight()) + " " + py(plain.get("pre.0.weight").requiresGrad()));
    }

    private static String py(boolean b) {
        return b ? "True" : "False";
    }

    @Test
    void sequentialInsertPopRemoveSetExtend() {
        Sequential seq = new Sequential(new Linear(1, 1), new ReLU(), new Tanh());
        seq.insert(1, new Identity());
        check("seq.insert", names(seq.namedChildren()) + " " + classes(seq.namedChildren().values()));
        seq.insert(-1, new Sigmoid());
        check("seq.insert.neg", classes(ModuleInternals.registeredModules(seq).values()));
        String before = items(seq);
        checkError("seq.insert.range", () -> seq.insert(7, new ReLU()));
        assertEquals(before, items(seq));
        check("seq.pop", ModuleInternals.className(seq.pop(-2)) + " " + items(seq));
        seq.remove(0);
        check("seq.del", items(seq));
        checkError("seq.del.range", () -> seq.remove(4));
        seq.set(-1, new GELU());
        check("seq.set", items(seq));
        seq.extend(List.of(new ReLU(), new Tanh()));
        check("seq.extend", items(seq));
        Map<String, Module> layers = new LinkedHashMap<>();
        layers.put("a", new ReLU());
        layers.put("b", new Tanh());
        layers.put("c", new GELU());
        Sequential named = new Sequential(layers);
        named.remove(1);
        check("seq.del.named", items(named));
    }

    @Test
    void moduleListHoldsWhatIsRegistered() {
        ModuleList<Module> ml = new ModuleList<>(new ReLU(), new Tanh(), new GELU());
        Sigmoid sig = new Sigmoid();
        ml.setSubmodule("0", sig);
        assertSame(sig, ml.get(0));
        check("ml.setattr", ModuleInternals.className(ml.get(0)));
        ml.addModule("1", new Identity());
        check("ml.addmodule", ModuleInternals.className(ml.get(1)) + " " + ml.size());
        ml.addModule("x", new ReLU());
        check("ml.named", Integer.toString(ml.size()));
        checkError("ml.named.get", () -> ml.get(-1));
        ml.remove(0);
        check("ml.del", items(ml));
        ml.insert(1, new Tanh());
        check("ml.insert", items(ml));
        check("ml.pop", ModuleInternals.className(ml.pop(0)) + " " + items(ml));
        check("ml.slice", "ModuleList " + items(ml.slice(1, Integer.MAX_VALUE)));
        ml.set(-1, new ELU());
        check("ml.set", items(ml));
        checkError("ml.get.range", () -> ml.get(5));
        ModuleList<Module> ml2 = new ModuleList<>(new ReLU(), new Tanh());
        ml2.delattr("0");
        checkError("ml.get.removed", () -> ml2.get(0));
    }

    @Test
    void moduleDictHoldsWhatIsRegistered() {
        Map<String, Module> init = new LinkedHashMap<>();
        init.put("a", new ReLU());
        init.put("b", new Tanh());
        ModuleDict<Module> md = new ModuleDict<>(init);
        md.setSubmodule("a", new GELU());
        check("md.setattr", ModuleInternals.className(md.get("a")) + " " + String.join(",", md.keySet()));
        check("md.pop", ModuleInternals.className(md.pop("a")) + " " + String.join(",", md.keySet()));
        checkError("md.pop.missing", () -> md.pop("zz"));
        Map<String, Module> up = new LinkedHashMap<>();
        up.put("c", new ReLU());
        up.put("b", new ELU());
        md.update(up);
        check("md.update", items(md));
        md.remove("c");
        check("md.del", String.join(",", md.keySet()));
        checkError("md.del.missing", () -> md.remove("zz"));
        md.clear();
        check("md.clear", md.size() + " " + md);
    }

    @Test
    void parameterListAndDictReadWhatIsRegistered() {
        ParameterList pl = new ParameterList(Tensor.zeros(2), Tensor.zeros(3));
        pl.setParameter("0", Tensor.zeros(DType.FLOAT64, 4));
        pl.setParameter("1", null);
        check("pl.get", pl.get(0).dtype().torchName() + " " + java.util.Arrays.toString(pl.get(0).shape()) + " "
                + (pl.get(1) == null ? "None" : "?"));
        check("pl.repr", pl.toString());
        Map<String, Tensor> init = new LinkedHashMap<>();
        init.put("p", Tensor.zeros(2));
        init.put("q", Tensor.zeros(1));
        ParameterDict pd = new ParameterDict(init);
        pd.setParameter("p", Tensor.zeros(2, 2));
        pd.setParameter("q", null);
        check("pd.get", java.util.Arrays.toString(pd.get("p").shape()) + " " + (pd.get("q") == null ? "None" : "?"));
        check("pd.repr", pd.toString());
        pd.delattr("p");
        checkError("pd.get.removed", () -> pd.get("p"));
        check("pd.keys", String.join(",", pd.keySet()));
    }

    @Test
    void parameterListSetAndParameterDictRemove() {
        ParameterList pl = new ParameterList(Tensor.zeros(2), Tensor.zeros(3));
        pl.set(-1, Tensor.zeros(DType.FLOAT64, 1, 2));
        check("pl.set", pl.toString());
        checkError("pl.set.range", () -> pl.set(5, Tensor.zeros(1)));
        Map<String, Tensor> init = new LinkedHashMap<>();
        init.put("p", Tensor.zeros(2));
        init.put("q", Tensor.zeros(1));
        ParameterDict pd = new ParameterDict(init);
        checkError("pd.del.missing", () -> pd.remove("zz"));
        pd.delattr("p");
        checkError("pd.del.removed", () -> pd.remove("p"));
        assertEquals(List.of("p", "q"), List.copyOf(pd.keySet())); // Ember's rule: a refusal changes nothing
        assertThrows(IllegalArgumentException.class, pd::clear);
        assertEquals(List.of("p", "q"), List.copyOf(pd.keySet()));
        ParameterDict pd2 = new ParameterDict(init);
        pd2.remove("p");
        check("pd.del", String.join(",", pd2.keySet()) + " " + names(pd2.namedParameters()));
    }

    @Test
    void setSubmoduleRefusesANameThatIsNotAModule() {
        Sequential seq = new Sequential(new Linear(2, 2), new BatchNorm1d(2));
        seq.addModule("n", null);
        checkError("setsub.param", () -> seq.setSubmodule("0.weight", new ReLU()));
        checkError("setsub.buffer", () -> seq.setSubmodule("1.running_mean", new ReLU()));
        checkError("setsub.none", () -> seq.setSubmodule("n", new ReLU()));
        seq.set(-1, new Tanh());
        check("setsub.item", items(seq));
    }

    @Test
    void extendAppendsNothingWhenAPositionsNameIsTaken() {
        Sequential seq = new Sequential(new Linear(1, 1));
        seq.setParameter("2", Tensor.zeros(1));
        checkError("extend.taken", () -> seq.extend(List.of(new ReLU(), new Tanh())));
        assertEquals("0=Linear", items(seq)); // Ember's rule: a refusal changes nothing
        ModuleList<Module> ml = new ModuleList<>(new Linear(1, 1));
        ml.setParameter("2", Tensor.zeros(1));
        checkError("extend.taken.ml", () -> ml.addAll(List.of(new ReLU(), new Tanh())));
        assertEquals("0=Linear", items(ml));
    }

    @Test
    void theAttributesEveryModuleHasAreTakenNames() {
        Linear lin = new Linear(1, 1);
        checkError("pyattr.param", () -> lin.setParameter("training", Tensor.zeros(1)));
        checkError("pyattr.module", () -> lin.addModule("forward", new ReLU()));
        checkError("pyattr.dict", () -> new ModuleDict<>().put("eval", new ReLU()));
        checkError("pyattr.getsub", () -> lin.getSubmodule("training"));
        checkError("pyattr.getp", () -> lin.getParameter("half"));
        checkError("pyattr.getb", () -> lin.getBuffer("_modules"));
        checkError("pyattr.setsub", () -> lin.setSubmodule("to", new ReLU()));
        assertEquals("weight,bias", names(lin.namedParameters())); // nothing registered
    }

    @Test
    void anIntegerTensorIsNoParameter() {
        Tensor t = Tensor.zeros(DType.INT64, 2);
        checkError("param.int", t::asParameter);
        assertEquals(false, t.isParameter());
    }

    @Test
    void linearAndConvPrintTheBiasRegisteredNow() {
        Linear a = new Linear(2, 3);
        a.setParameter("bias", null);
        Linear b = new Linear(2, 3, false);
        b.setParameter("bias", Tensor.zeros(3));
        Conv1d c = new Conv1d(1, 2, 1);
        c.setParameter("bias", null);
        Conv1d d = new Conv1d(1, 2, 1, 1, 0, false);
        d.setParameter("bias", Tensor.zeros(2));
        check("repr.bias", a + " ; " + b + " ; " + c + " ; " + d);
    }

    @Test
    void requiresGradOfALazyModuleIsRefusedBeforeAnyChange() {
        Linear first = new Linear(1, 1);
        Sequential m = new Sequential(first, new LazyLinear(2));
        checkError("lazy.rg.0", () -> m.requiresGrad_(false));
        assertEquals(true, first.weight().requiresGrad()); // Ember's rule: a refusal changes no flag
        checkError("lazy.rg.1", () -> m.requiresGrad_(true));
    }

    @Test
    void aLazyModuleUnderTwoPathsIsMaterializedAtTheFirstThatGivesIt() {
        LazyLinear lz = new LazyLinear(2);
        Sequential seq = new Sequential(lz, lz);
        Map<String, Tensor> d = new LinkedHashMap<>();
        d.put("0.weight", Tensor.ones(2, 1));
        d.put("0.bias", Tensor.ones(2));
        d.put("1.weight", Tensor.ones(3));
        d.put("1.bias", Tensor.ones(2));
        checkError("lazy.shared.mismatch", () -> seq.loadStateDict(d));
        assertEquals(true, lz.weight().isUninitialized()); // nothing loaded
        LazyLinear lz2 = new LazyLinear(2);
        Sequential seq2 = new Sequential(lz2, lz2);
        Map<String, Tensor> e = new LinkedHashMap<>();
        e.put("1.weight", Tensor.ones(2, 3));
        e.put("1.bias", Tensor.ones(2));
        Module.IncompatibleKeys r = seq2.loadStateDict(e, false);
        check("lazy.shared.second", "missing=" + String.join(",", r.missingKeys()) + " unexpected="
                + String.join(",", r.unexpectedKeys()) + " shape=" + java.util.Arrays.toString(lz2.weight().shape()));
    }

    @Test
    void aKeyUnderATensorsNameIsNeitherLoadedNorUnexpected() {
        ParameterList pl = new ParameterList(Tensor.zeros(), Tensor.zeros(2));
        Map<String, Tensor> d = new LinkedHashMap<>(pl.stateDict());
        d.put("0.zz", Tensor.ones(3));
        d.put("1.zz.y", Tensor.ones(1));
        d.put("zz", Tensor.ones(1));
        Module.IncompatibleKeys r = pl.loadStateDict(d, false);
        check("load.undertensor", "missing=" + String.join(",", r.missingKeys()) + " unexpected="
                + String.join(",", r.unexpectedKeys()));
        BatchNorm1d bn = new BatchNorm1d(2) {
            {
                registerBuffer("extra", Tensor.zeros(1), false);
            }
        };
        Map<String, Tensor> e = new LinkedHashMap<>(bn.stateDict());
        e.put("running_mean.zz", Tensor.ones(1));
        e.put("extra.zz", Tensor.ones(1));
        Module.IncompatibleKeys s = bn.loadStateDict(e, false);
        check("load.underbuffer", "missing=" + String.join(",", s.missingKeys()) + " unexpected="
                + String.join(",", s.unexpectedKeys()));
    }
}
