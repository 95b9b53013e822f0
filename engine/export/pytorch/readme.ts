// Writes the README.md of an exported folder: what is in it and how to run it on one process, many, or a cluster.
import type { NetworkSpec } from '../../language/spec';

/** README.md for the export of `spec` from `file`. */
export function readmePy(spec: NetworkSpec, file: string): string {
  return `# ${spec.name} in PyTorch

Exported from \`${file}\` by \`nnet export --to pytorch\`. It trains the same network the same way: nnet's initial
weights, data, batch order, dropout masks, optimizer, schedule and clipping, so each step computes what nnet's
computes, to float32 rounding (nnet's \`npm test\` checks the gradients at step 0 and the weights after 5 steps of
every example within 1e-5; over many steps rounding differences can grow, as between any two float32 engines).

| file | what |
|---|---|
| \`model.py\` | the network as an \`nn.Module\` (attribute names are the layer names of the .nnet file) |
| \`train.py\` | the training: \`${spec.train.optimizer.kind}\`, ${spec.train.epochs} epochs of batch ${spec.train.batch} |
| \`nnet_torch.py\` | the building blocks where nnet's definition is not PyTorch's built-in (optimizer step, batch norm, masks, …) |
| \`init.npz\` | the initial weights nnet draws from seed ${spec.train.seed}, keyed \`<layer>.W\`, \`<layer>.b\` (numpy, float32) |
| \`data.npz\` | \`x\`, \`y\` (targets one-hot for classes), \`train_rows\` and \`val_rows\` (the validation split) |

Nothing is pickled: weights and data are numpy \`.npz\` files, loaded with \`allow_pickle=False\`.
It needs Python 3 with torch and numpy (on Debian: \`apt-get install python3-torch\`).

## Run

\`\`\`sh
python3 train.py                                  # one process
python3 train.py --nproc 4                        # 4 processes on this machine (gloo), DistributedDataParallel
python3 train.py --steps 5 --dump after5.json     # 5 steps, then the weights and the next batch's gradients as JSON
\`\`\`

With \`--nproc N\` each global batch is split into N contiguous slices, one per process, in the same global order;
gradients are averaged so the result does not depend on N (up to float32 summation order). Batch norm uses the
statistics of the global batch (as SyncBatchNorm). Only process 0 logs and saves.

## On a cluster

\`train.py\` honours the standard launcher environment (\`RANK\`, \`WORLD_SIZE\`, \`LOCAL_RANK\`, \`MASTER_ADDR\`,
\`MASTER_PORT\`):

\`\`\`sh
torchrun --nnodes 2 --nproc_per_node 8 --rdzv_backend c10d --rdzv_endpoint HOST:29500 train.py
\`\`\`

On GPUs the backend is nccl (each process takes the GPU \`LOCAL_RANK\`); elsewhere gloo. \`--backend\` overrides it.
(Debian's torch 1.13 \`torchrun\` fails under Python 3.11; use \`--nproc\` there.)

## Checkpoints and back to nnet

\`\`\`sh
python3 train.py --save weights.npz               # the final weights
python3 train.py --checkpoint-every 10            # checkpoint-epoch10.npz, checkpoint-epoch20.npz, …
python3 train.py --init checkpoint-epoch10.npz    # start from saved weights (the optimizer state starts afresh)
\`\`\`

The \`.npz\` files use nnet's names (\`h1.W\` is [out, in] like \`nn.Linear.weight\`, batch norm's γ and β are \`W\` and
\`b\`, plus \`running_mean\` and \`running_var\`), so nnet can load them and step through the trained network.
`;
}
