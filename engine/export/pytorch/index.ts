// `nnet export --to pytorch`: the files of a folder that trains a checked network in PyTorch exactly as nnet does.
// Needs no Python: the folder is written from the spec alone.
import type { NetworkSpec } from '../../language/spec';
import { validateSpec } from '../../runtime/trainer';
import { exportArrays } from './arrays';
import { modelPy } from './modelPy';
import { readmePy } from './readme';
import { NNET_TORCH_PY } from './runtimePy';
import { trainPy } from './trainPy';

/** One file of an export: its name in the folder and its contents. */
export interface ExportedFile {
  readonly name: string;
  readonly content: string | Uint8Array;
}

/**
 * The files of the PyTorch export of `spec` (parsed from `source`, the .nnet text; `file` names it in the README):
 * model.py, train.py, nnet_torch.py, init.npz, data.npz and README.md. Throws SpecError when the spec cannot be trained.
 */
export function exportToPyTorch(spec: NetworkSpec, source: string, file: string): ExportedFile[] {
  validateSpec(spec);
  const arrays = exportArrays(spec);
  return [
    { name: 'model.py', content: modelPy(spec, source).text },
    { name: 'train.py', content: trainPy(spec, arrays.rngState) },
    { name: 'nnet_torch.py', content: NNET_TORCH_PY + '\n' },
    { name: 'init.npz', content: arrays.init },
    { name: 'data.npz', content: arrays.data },
    { name: 'README.md', content: readmePy(spec, file) },
  ];
}
