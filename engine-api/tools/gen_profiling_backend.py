#!/usr/bin/env python3
"""Writes engine-api/src/main/java/dev/ember/profiler/ProfilingBackend.java from the Backend SPI.

Run it after adding a method to dev.ember.backend.Backend (ProfilerTest.decoratorDeclaresEverySpiMethod fails until
then): `python3 engine-api/tools/gen_profiling_backend.py`. Every SPI method gets a forwarding method; the kernels'
names (PyTorch's aten names where one maps clearly, else the SPI method's name) come from NAMES below.

Stale since: the committed ProfilingBackend carries hand edits this script does not know (the fused recurrent cells'
ember:: names, unrecorded numThreads/setNumThreads/shareArray, ...); rerunning it over the file undoes them
(RnnPackedWeightTest fails). Add a new SPI method by hand, modeled on axpy's forwarding method, until this script is
brought up to date.
"""
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, '..', 'src', 'main', 'java', 'dev', 'ember', 'backend', 'Backend.java')
OUT = os.path.join(HERE, '..', 'src', 'main', 'java', 'dev', 'ember', 'profiler', 'ProfilingBackend.java')

# SPI method -> Java expression for the recorded name (see KernelNames); absent: the method's own name.
NAMES = {
    'allocate': '"aten::empty"',
    'allocateZeroed': '"aten::zeros"',
    'copy': '"aten::copy_"',
    'fill': '"aten::fill_"',
    'unary': 'KernelNames.unary(op)',
    'binary': 'KernelNames.binary(op)',
    'binaryScalar': 'KernelNames.binary(op)',
    'axpy': '"aten::add_"',
    'addcmul': '"aten::addcmul"',
    'optimizerUpdate': 'KernelNames.optimizer(kind, hyper)',
    'where': '"aten::where"',
    'reduce': 'KernelNames.reduce(op)',
    'matmul': 'KernelNames.matmul(dstLayout)',
    'gather': '"aten::gather"',
    'scatter': 'KernelNames.scatter(reduce)',
    'nonzeroCount': '"aten::count_nonzero"',
    'nonzero': '"aten::nonzero"',
    'linearIndex': '"aten::index"',
    'random': 'KernelNames.random(kind)',
    'luFactor': '"aten::linalg_lu_factor_ex"',
    'luSolve': '"aten::linalg_lu_solve"',
    'cholesky': '"aten::linalg_cholesky_ex"',
    'qr': '"aten::linalg_qr"',
    'svd': '"aten::_linalg_svd"',
    'eigh': '"aten::_linalg_eigh"',
    'triangularSolve': '"aten::linalg_solve_triangular"',
    'conv2d': '"aten::convolution"',
    'conv2dBackwardInput': '"aten::convolution_backward"',
    'conv2dBackwardWeight': '"aten::convolution_backward"',
    'maxPool2d': '"aten::max_pool2d_with_indices"',
    'maxPool2dBackward': '"aten::max_pool2d_with_indices_backward"',
    'avgPool2d': '"aten::avg_pool2d"',
    'avgPool2dBackward': '"aten::avg_pool2d_backward"',
    'adaptiveAvgPool2d': '"aten::_adaptive_avg_pool2d"',
    'adaptiveAvgPool2dBackward': '"aten::_adaptive_avg_pool2d_backward"',
    'adaptiveMaxPool2d': '"aten::adaptive_max_pool2d"',
    'upsampleBilinear2d': '"aten::upsample_bilinear2d"',
    'upsampleBilinear2dBackward': '"aten::upsample_bilinear2d_backward"',
    'sort': '"aten::sort"',
    'rankSelect': 'KernelNames.rank(op)',
    'scan': 'KernelNames.scan(op)',
    'searchsorted': '"aten::searchsorted"',
    'histc': '"aten::histc"',
    'bincount': '"aten::bincount"',
    'unique': '"aten::_unique2"',
    'layerNorm': '"aten::native_layer_norm"',
    'layerNormBackward': '"aten::native_layer_norm_backward"',
    'groupNorm': '"aten::native_group_norm"',
    'groupNormBackward': '"aten::native_group_norm_backward"',
    'batchNorm': '"aten::native_batch_norm"',
    'batchNormBackward': '"aten::native_batch_norm_backward"',
    'allocatePinned': '"aten::_pin_memory"',
    'writePinned': '"aten::copy_"',
    'fromPinned': '"aten::_to_copy"',
    'fft': '"aten::_fft_c2c"',
}
# Queries about the backend itself, and the synchronization the decorator issues: forwarded, never recorded.
PLAIN = {'deviceType', 'isAvailable', 'unavailableReason', 'describe', 'deviceCount', 'synchronize', 'maxPoolWindowCodes'}


def declarations(text):
    """(returnType, name, [(type, name)]) of every non-static, non-private method of the interface."""
    body = text[text.index('public interface Backend'):]
    out = []
    for m in re.finditer(r'\n    (default )?([A-Za-z][\w.<>\[\]]*) (\w+)\(([^)]*)\)', body):
        ret, name, params = m.group(2), m.group(3), m.group(4)
        if ret in ('static', 'private', 'return', 'new'):
            continue
        ps = []
        for p in [p.strip() for p in params.replace('\n', ' ').split(',') if p.strip()]:
            t, n = p.rsplit(' ', 1)
            ps.append((re.sub(r'\s+', ' ', t), n))
        out.append((ret, name, ps))
    return out


def wrap(line):
    """Breaks a statement longer than 120 characters after commas, continuing 8 columns further in."""
    if len(line) <= 120 or ', ' not in line:
        return [line]
    indent = len(line) - len(line.lstrip()) + 8
    out, cur = [], ''
    for piece in [p + ', ' for p in line.split(', ')[:-1]] + [line.split(', ')[-1]]:
        if cur and len(cur) + len(piece.rstrip()) > 120:
            out.append(cur.rstrip())
            cur = ' ' * indent
        cur += piece
    out.append(cur.rstrip())
    return out


def method(ret, name, ps):
    sig = ', '.join(f'{t} {n}' for t, n in ps)
    args = ', '.join(n for _, n in ps)
    call = f'delegate.{name}({args})'
    head = f'    public {ret} {name}('
    if len(head) + len(sig) + 3 > 120:  # one parameter list per line, aligned after the parenthesis
        parts, line = [], head
        for i, (t, n) in enumerate(ps):
            piece = f'{t} {n}' + (',' if i < len(ps) - 1 else ') {')
            if len(line) + len(piece) + 1 > 120 and line.strip() != head.strip():
                parts.append(line.rstrip())
                line = ' ' * len(head)
            line += piece + ' '
        parts.append(line.rstrip())
        lines = ['    @Override'] + parts
    else:
        lines = ['    @Override', f'    public {ret} {name}({sig}) {{']
    if name in PLAIN:
        lines.append(f'        {"" if ret == "void" else "return "}{call};')
    else:
        label = NAMES.get(name, f'"{name}"')
        lines.append('        Profiler profiler = Profiler.current();')
        lines.append('        if (profiler == null) {')
        lines.append(f'            {"" if ret == "void" else "return "}{call};')
        if ret == 'void':
            lines.append('            return;')
        lines.append('        }')
        operands = ', '.join(n for t, n in ps if t in ('Storage', 'Layout', 'Storage[]', 'Layout[]'))
        enter = f'        Profiler.Range kernelRange = profiler.enterKernel({label}, this, new Object[] {{{operands}}});'
        if len(enter) > 120:
            enter = f'        Profiler.Range kernelRange = profiler.enterKernel({label}, this,\n                new Object[] {{{operands}}});'
        lines.append(enter)
        # a kernel that throws ends its range unsynchronized (a device error is the kernel's to report, not a second
        # one from the profiler's synchronization)
        result = '' if ret == 'void' else 'result = '
        if ret != 'void':
            lines.append(f'        {ret} result;')
        lines.append('        try {')
        lines.append(f'            {result}{call};')
        lines.append('        } catch (RuntimeException | Error e) {')
        lines.append('            profiler.failKernel(kernelRange);')
        lines.append('            throw e;')
        lines.append('        }')
        if ret == 'Storage':
            lines.append('        profiler.allocated(kernelRange, result);')
        lines.append('        profiler.exitKernel(kernelRange);')
        if ret != 'void':
            lines.append('        return result;')
    lines.append('    }')
    return '\n'.join(w for line in '\n'.join(lines).split('\n') for w in wrap(line))


def main():
    with open(SRC) as f:
        decls = declarations(f.read())
    head = '''package dev.ember.profiler;

import dev.ember.DType;
import dev.ember.backend.Backend;
import dev.ember.backend.BinaryOp;
import dev.ember.backend.Conv2dParams;
import dev.ember.backend.Layout;
import dev.ember.backend.PinnedBuffer;
import dev.ember.backend.Pool2dParams;
import dev.ember.backend.RandomKind;
import dev.ember.backend.RankOp;
import dev.ember.backend.ReduceOp;
import dev.ember.backend.ScanOp;
import dev.ember.backend.ScatterReduce;
import dev.ember.backend.Storage;
import dev.ember.backend.UnaryOp;

/**
 * The recording decorator of a {@link Backend}: {@link dev.ember.backend.Backends#forDevice} hands it out, so every
 * tensor's kernels pass through it. With no {@link Profiler} open anywhere a call costs one volatile read and is
 * forwarded; while one is open on the calling thread, each kernel call is timed and recorded as a range named by the
 * table in the package documentation (PyTorch's aten name where one maps clearly, else the SPI method's name), with
 * the bytes of the storages it allocates. Calls from other threads are forwarded unrecorded. Queries about the backend
 * ({@code deviceType}, {@code describe}, ...) and {@code synchronize} are forwarded and never recorded.
 *
 * <p>Generated by {@code engine-api/tools/gen_profiling_backend.py} from {@link Backend}: rerun it after adding an SPI
 * method (a method not declared here would run Backend's default on the host instead of the backend's own kernel).
 */
public final class ProfilingBackend implements Backend {
    private final Backend delegate;
    private final boolean device;

    private ProfilingBackend(Backend delegate) {
        this.delegate = delegate;
        this.device = !"cpu".equals(delegate.deviceType());
    }

    /**
     * The decorator of a backend (the backend itself when it already is one).
     *
     * @param backend the backend to decorate
     * @return its recording decorator
     */
    public static Backend wrap(Backend backend) {
        if (backend == null) {
            throw new IllegalArgumentException("wrap(): argument 'backend' must be a Backend, not None");
        }
        return backend instanceof ProfilingBackend ? backend : new ProfilingBackend(backend);
    }

    /**
     * The backend a decorator forwards to (any other backend as it is), for code that needs the backend's own class.
     *
     * @param backend a backend, decorated or not
     * @return the undecorated backend
     */
    public static Backend unwrap(Backend backend) {
        return backend instanceof ProfilingBackend ? ((ProfilingBackend) backend).delegate : backend;
    }

    /** Whether this decorates a device backend (not the CPU): its kernels are synchronized while recorded. */
    boolean isDevice() {
        return device;
    }

    /** Waits for the device's queued work (CUDA); a no-op on the CPU. */
    void synchronizeDevice(int index) {
        delegate.synchronize(index);
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
'''
    body = '\n\n'.join(method(*d) for d in decls)
    with open(OUT, 'w') as f:
        f.write(head + '\n' + body + '\n}\n')
    print(f'{len(decls)} methods -> {OUT}')


if __name__ == '__main__':
    main()
