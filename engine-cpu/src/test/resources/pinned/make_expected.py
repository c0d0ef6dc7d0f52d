"""Expected results of PinnedMemoryTest: run with /usr/bin/python3 (torch 1.13) from this directory.

torch 1.13 on this machine has no CUDA, so the CUDA cases cannot run here. What can:
- the form of _pin_memory's refusal of a non-CPU tensor, "cannot pin '<DispatchKey><ScalarType>Type' only dense CPU
  tensors can be pinned" (TORCH_CHECK in aten/src/ATen/native/Memory.cpp, unchanged in 2.x), shown on the meta
  device for every dtype: a CUDA tensor gives the same words with 'CUDA' for 'Meta' (TensorBase::toString);
- is_pinned() of a CPU tensor without an accelerator: False.
PyTorch 2.x facts written by hand in the test (no accelerator here to produce them):
- pin_memory() without an accelerator raises RuntimeError "Cannot access accelerator device when none is available."
  (aten/src/ATen/DeviceAccelerator.cpp, at::accelerator::getAccelerator(checked=true), reached from _pin_memory through
  Context::getAcceleratorHooksInterface; 1.13 fails here with a NotImplementedError about the CUDA backend instead);
- is_pinned() is False for a non-CPU tensor and when there is no accelerator (Memory.cpp is_pinned);
- DataLoader(pin_memory=True) without an accelerator warns "'pin_memory' argument is set as true but no accelerator is
  found, then device pinned memory won't be used." and does not pin (torch/utils/data/dataloader.py,
  _BaseDataLoaderIter.__init__);
- _pin_memory's derivative is `self: grad` (tools/autograd/derivatives.yaml): grad_fn PinMemoryBackward0.
"""
import torch

DTYPES = {
    'bool': torch.bool, 'uint8': torch.uint8, 'int8': torch.int8, 'int16': torch.int16, 'int32': torch.int32,
    'int64': torch.int64, 'float32': torch.float32, 'float64': torch.float64, 'float16': torch.float16,
    'bfloat16': torch.bfloat16,
}

with open('expected.txt', 'w') as out:
    for name, dt in DTYPES.items():
        out.write(f'=== pin_meta_{name}\n')
        try:
            torch.zeros(2, dtype=dt, device='meta').pin_memory()
            out.write('value ok\n')
        except Exception as e:
            out.write(f'error {type(e).__name__} {e}\n')
    out.write('=== is_pinned_cpu\n')
    out.write(f'value {torch.ones(2).is_pinned()!r}\n')
