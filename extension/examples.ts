// "nnet: New Network…" and "nnet: Open Example…": the lesson examples ship in the package, so an installed .vsix
// with nothing open still has a network to train. Each is written into the workspace folder (never over a file)
// or, with no folder open, opened as an untitled document.

import * as vscode from 'vscode';
import { lessonOf } from '../engine/language/lesson';
import { trace } from './trace';

/** One shipped example: its file name and the lesson its first comment (or a script's docstring) states. */
export interface ExampleInfo {
  readonly file: string;
  readonly lesson: string;
  readonly text: string;
  /** `python` for the PyTorch script the PyTorch debugger runs (F5 on it); absent for .nnet networks. */
  readonly language?: 'python';
}

/** The PyTorch example Open Example lists after the lessons (ddp.py imports it, so it is not listed alone). */
const PYTORCH_EXAMPLE = 'train.py';

/** The first line of a Python script's module docstring: what the script is. */
function docstringOf(text: string): string {
  const m = /^\s*(?:"{3}|'{3})\s*([^\n]*)/.exec(text);
  return m ? m[1].replace(/(?:"{3}|'{3}).*$/, '').trim() : '';
}

/** Templates offered by New Network, in the order of the course: the first network, then one per lesson. */
const TEMPLATES = [
  'xor.nnet',
  'regression.nnet',
  'spiral.nnet',
  'classify.nnet',
  'deep-sigmoid.nnet',
  'deep-relu.nnet',
  'residual.nnet',
  'exploding-clipped.nnet',
  'batchnorm.nnet',
  'dropout.nnet',
];

/** The examples shipped in the extension's `examples/` folder. */
export async function listExamples(extensionUri: vscode.Uri): Promise<ExampleInfo[]> {
  const dir = vscode.Uri.joinPath(extensionUri, 'examples');
  const entries = await vscode.workspace.fs.readDirectory(dir);
  const files = entries
    .filter(([name, type]) => type === vscode.FileType.File && name.endsWith('.nnet'))
    .map(([name]) => name)
    .sort();
  const read = async (uri: vscode.Uri) => new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  const lessons = await Promise.all(
    files.map(async (file): Promise<ExampleInfo> => {
      const text = await read(vscode.Uri.joinPath(dir, file));
      return { file, lesson: lessonOf(text), text };
    }),
  );
  try {
    const text = await read(vscode.Uri.joinPath(dir, 'pytorch', PYTORCH_EXAMPLE));
    return [...lessons, { file: PYTORCH_EXAMPLE, lesson: docstringOf(text), text, language: 'python' }];
  } catch {
    return lessons; // a package built without the PyTorch example
  }
}

/** `name.nnet`, or `name-2.nnet`, `name-3.nnet`, … (likewise `.py`) — the first that does not exist in `folder`. */
async function freeName(folder: vscode.Uri, file: string): Promise<vscode.Uri> {
  const ext = /\.[^.]+$/.exec(file)?.[0] ?? '';
  const base = file.slice(0, file.length - ext.length);
  for (let k = 1; ; k++) {
    const uri = vscode.Uri.joinPath(folder, k === 1 ? file : `${base}-${k}${ext}`);
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      return uri;
    }
  }
}

/** CSV files a network names (`data csv "file.csv"`), to copy beside it. */
function csvFilesOf(text: string): string[] {
  return [...text.matchAll(/^\s*data\s+csv\s+"([^"]+)"/gm)].map((m) => m[1]);
}

/**
 * Puts an example where the user can train it: a new file in the first workspace folder (with the CSV files it
 * reads, each copied only where no file of that name exists), or an untitled document when no folder is open.
 */
async function materialize(extensionUri: vscode.Uri, example: ExampleInfo): Promise<vscode.Uri> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!folder) {
    const doc = await vscode.workspace.openTextDocument({
      language: example.language ?? 'nnet',
      content: example.text,
    });
    await vscode.window.showTextDocument(doc);
    return doc.uri;
  }
  const target = await freeName(folder, example.file);
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(example.text));
  for (const csv of csvFilesOf(example.text)) {
    const dest = vscode.Uri.joinPath(folder, csv);
    try {
      await vscode.workspace.fs.stat(dest);
      continue; // never written over: the user's file of that name stays
    } catch {
      /* absent: copy it */
    }
    await vscode.workspace.fs.copy(vscode.Uri.joinPath(extensionUri, 'examples', csv), dest);
  }
  trace('command', { id: 'nnet.example', file: example.file, written: vscode.workspace.asRelativePath(target) });
  await vscode.window.showTextDocument(target);
  return target;
}

/**
 * The quick pick of New Network (templates) or Open Example (every lesson). `opened` is told of the example put in
 * the workspace (Open Example asks its question there, before the run).
 */
export async function pickExample(
  extensionUri: vscode.Uri,
  kind: 'template' | 'example',
  opened?: (uri: vscode.Uri, text: string) => Promise<void>,
): Promise<void> {
  const all = await listExamples(extensionUri);
  const shown = kind === 'template' ? TEMPLATES.flatMap((f) => all.filter((e) => e.file === f)) : all;
  const picked = await vscode.window.showQuickPick(
    shown.map((e) => ({
      label: e.language === 'python' ? `PyTorch: ${e.file}` : e.file.replace(/\.nnet$/, ''),
      detail: e.lesson,
      example: e,
    })),
    {
      title: kind === 'template' ? vscode.l10n.t('New Network from a template') : vscode.l10n.t('Open an nnet example'),
      placeHolder:
        kind === 'template'
          ? vscode.l10n.t('Pick a starting point; it is written into the workspace folder as a new file')
          : vscode.l10n.t('Pick a lesson'),
      matchOnDetail: true,
    },
  );
  if (!picked) return;
  const uri = await materialize(extensionUri, picked.example);
  await opened?.(uri, picked.example.text);
}
