package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

/**
 * Round 18 of the seeded differential fuzz against PyTorch ({@code differentialfuzzr18/make_cases.py}, whose header
 * describes the programs and the lines; replayed by {@link FuzzR18Interpreter}): the nn.Module API's bookkeeping as
 * programs. A random tree of containers (Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict, nested)
 * over small leaves (Linear, Conv1d, BatchNorm1d, LayerNorm, Embedding, GRU, Identity, LazyLinear, a custom module
 * with a parameter, a buffer persistent or not and a submodule), then statements: register_parameter / register_buffer /
 * add_module (None values, ties, shared modules, bad names), delattr, get_submodule / get_parameter / get_buffer (bad
 * paths), set_submodule, the named_* walks (prefix, recurse, remove_duplicate), state_dict (prefix, keep_vars),
 * load_state_dict (strict or not; missing, unexpected and mis-shaped keys), train / eval, requires_grad_, gradients
 * and zero_grad both ways, dtype moves, apply, print, counts, and the containers' list and dict operations (negative
 * and out-of-range indices, slices, insert, pop, del, update, clear). After each statement its result or PyTorch's
 * error message, and the whole observable state (every parameter's and buffer's name over every path, identity, dtype,
 * shape, requires_grad, values and gradient, every module's path, class and training flag, the state dict's keys),
 * must be PyTorch's. Every mismatch is reported in one failure.
 *
 * <p>Found by this round and fixed (session 45; FuzzRound18FixesTest holds the regressions): ModuleList and ModuleDict
 * kept lists of their own beside the registered submodules, so a module put in by {@code setSubmodule} or
 * {@code addModule} (PyTorch's {@code setattr}, {@code add_module}) was printed and walked but {@code get} and the
 * iteration still gave the old one (they are views of what is registered now, as PyTorch's {@code _modules} is the
 * list); ParameterList and ParameterDict returned and printed the tensor first put in, not the one registered under
 * that name since (a parameter replaced by {@code setParameter} or registered as None, which prints as
 * {@code Object of type: NoneType}); Linear's, Bilinear's and the convolutions' printed {@code bias} followed the
 * constructor's flag, not the bias registered now; a strict or non-strict load reported a key under a parameter's or
 * persistent buffer's name ({@code "0.zz"} where {@code 0} is a parameter) as unexpected, where PyTorch's check reads
 * only the first name after each module's prefix; and Module lacked {@code delattr}, {@code named_parameters} /
 * {@code named_buffers} with prefix and recurse, {@code state_dict(prefix, keep_vars)}, Sequential's {@code insert},
 * {@code pop}, {@code del}, item assignment and {@code extend}, ModuleList's {@code insert}, {@code pop}, {@code del},
 * slices and item assignment, and ModuleDict's {@code pop}, {@code update}, {@code clear} and public {@code del}; a
 * module's {@code requiresGrad_} with a lazy module's uninitialized parameter went through (false) or failed half-way
 * (true) where PyTorch's UninitializedParameter refuses {@code requires_grad_} either way (now refused with its message,
 * before any flag changes); a lazy module registered under two paths was checked under its first path only, so entries
 * under the second materialized it with any shape and the load failed inside with "Dimension out of range" (now each
 * module is checked at the first path that gives it entries, and a later path's entries are compared with that shape,
 * PyTorch's size mismatch); ParameterList had no item assignment and ParameterDict no {@code del} (its {@code pop}
 * reads the tensor first: an AttributeError, where {@code del} of a missing key is a KeyError), and ParameterDict's
 * {@code clear} stopped half-way at a key whose tensor was removed by name (now refused before any change);
 * {@code setSubmodule} of a parameter's or buffer's name said {@code attribute 'weight' already exists} and replaced a
 * None submodule, where 2.5's refuses both with {@code `weight` is not an nn.Module}; Sequential's {@code extend} and
 * ModuleList's {@code addAll} kept the modules appended before one whose position's name a parameter takes (now
 * nothing is appended); the names every PyTorch module has as attributes ({@code training}, {@code forward},
 * {@code half}, {@code _modules}, ...: {@code hasattr} is true) were registrable, and {@code getSubmodule} said "has
 * no attribute" for them (now refused with {@code attribute 'training' already exists}, and the lookups say
 * {@code `training` is not an nn.Module}, {@code ... an nn.Parameter}, {@code ... a buffer}); {@code asParameter}
 * (PyTorch's {@code nn.Parameter(t)}) of an integer tensor gave the property setter's lowercase message, where
 * PyTorch's constructor says {@code Only Tensors of floating point and complex dtype can require gradients}. Left
 * out and why, and where Ember's rules differ from PyTorch's on purpose: the script's header.
 */
class DifferentialFuzzR18Test {
    private static final String RESOURCE = "/differentialfuzzr18/cases.txt";

    /**
     * Cases known to fail, by id, with the reason; a case listed here that passes is reported too, so the list shrinks
     * as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>(Map.of());

    /** A local hunt's one case ({@code -Dember.fuzz18.only=<id>}); every case otherwise. */
    private static final String ONLY = System.getProperty("ember.fuzz18.only");

    /**
     * A local hunt's case file on disk ({@code -Dember.fuzz18.file=<path>}, made by the script with another
     * {@code FUZZ_SEED} and {@code FUZZ_N}), copied over the committed cases' place in the test classes; the committed
     * cases otherwise.
     */
    private static final String FILE = System.getProperty("ember.fuzz18.file");

    @Test
    void everyProgramMatchesPyTorch() throws java.io.IOException {
        String resource = RESOURCE;
        if (FILE != null) {
            java.nio.file.Path target = java.nio.file.Path.of("target/test-classes/differentialfuzzr18/hunt.txt");
            java.nio.file.Files.copy(java.nio.file.Path.of(FILE), target,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            resource = "/differentialfuzzr18/hunt.txt";
        }
        DifferentialFuzzR6Test.runAll(resource, 150, EXPECTED_FAILURES,
                c -> ONLY != null && !ONLY.equals(c.id()) ? null : FuzzR18Interpreter.run(c.lines()));
    }
}
