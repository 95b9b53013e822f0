// Extension entry point: registers the .nnet language features, Train/Stop/Debug, the debugger and the views.

import path from 'node:path';
import * as vscode from 'vscode';
import { exportToPyTorchCommand } from './exportCommand';
import { layerOfVariableContext, registerCommand } from './commands';
import { predictThenTrain } from './lessonMode';
import { checkGradientsHere } from './debug/checkGradientsCommand';
import { NNET_DEBUG_TYPES, registerDebugger } from './debug/registerDebugger';
import { registerPyTorchDebugger } from './debug/pytorch/register';
import { pickExample } from './examples';
import { TrainCodeLensProvider } from './language/codeLens';
import { registerDiagnostics } from './language/diagnostics';
import { registerDocuments } from './language/documents';
import { registerLanguageFeatures } from './language/features';
import { channelLogger } from './logChannel';
import { parseLimitsOf, SettingsStore } from './settings';
import { setParseLimits } from './language/documents';
import { trace } from './trace';
import { mayRun } from './trust';
import { DoctorDiagnostics } from './training/doctorDiagnostics';
import { doctorDocsUrl } from './training/findingRows';
import { FindingsView } from './training/findingsView';
import { FirstOccurrence } from './training/firstOccurrence';
import { TrainController } from './training/trainController';
import { TrainingDisplay } from './training/trainingDisplay';
import { GradientFlowViewProvider, viewLimitsOf } from './views/gradientFlowView';
import { LayerInspector } from './views/inspectorPanel';
import { registerWalkthroughProgress } from './walkthrough';

/** Activates the extension. */
export function activate(context: vscode.ExtensionContext): void {
  const workerScript = path.join(context.extensionPath, 'dist', 'worker.js');
  // One log for the extension host, the worker and the inline debug adapter, at the user's log level.
  const log = vscode.window.createOutputChannel('nnet', { log: true });
  const logger = channelLogger(log);
  // Settings are read once here and on every change; an invalid value is logged once and its default used.
  const settings = new SettingsStore(vscode.workspace, (m) => log.warn(`settings: ${m}`));
  context.subscriptions.push(log, settings);
  let parsing = parseLimitsOf(settings.current);
  setParseLimits(parsing);
  const view = new GradientFlowViewProvider(context.extensionUri, logger, viewLimitsOf(settings.current));
  const display = new TrainingDisplay(view);
  const doctor = new DoctorDiagnostics();
  context.subscriptions.push(doctor);
  const trainer = new TrainController(workerScript, display, () => settings.current, logger, doctor);
  const inspector = new LayerInspector(context.extensionUri, logger, () => settings.current);
  // Views follow a change at once; the parse limits re-check open files; debug sessions read them when they start.
  context.subscriptions.push(
    settings.onDidChange((s) => {
      log.info(`settings changed: ${JSON.stringify(s)}`);
      view.setLimits(viewLimitsOf(s));
      inspector.settingsChanged();
      const limits = parseLimitsOf(s);
      if (limits.maxCsvBytes === parsing.maxCsvBytes && limits.memoryBudget === parsing.memoryBudget) return;
      parsing = limits;
      setParseLimits(limits);
    }),
  );
  const lenses = new TrainCodeLensProvider();

  const activeNnet = (uri?: vscode.Uri): vscode.Uri | undefined => {
    if (uri instanceof vscode.Uri) return uri;
    const doc = vscode.window.activeTextEditor?.document;
    if (doc?.languageId === 'nnet') return doc.uri;
    // A button in the walkthrough (a webview editor is active) means the .nnet file shown beside it.
    const shown = vscode.window.visibleTextEditors.find((e) => e.document.languageId === 'nnet');
    return shown?.document.uri ?? trainer.lastUri ?? undefined;
  };
  const train = async (uri?: vscode.Uri) => {
    const target = activeNnet(uri);
    if (!target) return void vscode.window.showInformationMessage(vscode.l10n.t('Open a .nnet file to train it.'));
    if (!(await mayRun('train', target))) return;
    await trainer.train(target);
  };
  const stop = () => {
    trace('command', { id: 'nnet.stop' });
    trainer.stop();
    const session = vscode.debug.activeDebugSession;
    if (session && NNET_DEBUG_TYPES.has(session.type)) void vscode.debug.stopDebugging(session);
  };
  /** Debugs a .nnet file (paused on entry for Go to First Occurrence); false if no session started. */
  const debug = async (uri?: vscode.Uri, stopOnEntry = false): Promise<boolean> => {
    const target = activeNnet(uri);
    if (!target) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Open a .nnet file to debug it.'));
      return false;
    }
    trace('command', { id: 'nnet.debug', file: path.basename(target.fsPath) });
    if (!(await mayRun('debug', target))) return false;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString());
    if (doc?.isDirty) await doc.save();
    return vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(target), {
      type: 'nnet',
      request: 'launch',
      name: `Debug ${path.basename(target.fsPath)}`,
      program: target.fsPath,
      dataRoot: vscode.workspace.getWorkspaceFolder(target)?.uri.fsPath,
      ...(stopOnEntry ? { stopOnEntry: true } : {}),
    });
  };
  const firstOccurrence = new FirstOccurrence((uri) => debug(uri, true));
  const repository = (context.extension.packageJSON as { repository?: { url?: string } }).repository;

  context.subscriptions.push(
    view,
    display,
    trainer,
    vscode.window.registerWebviewViewProvider(GradientFlowViewProvider.viewType, view),
    view.onDidReceiveCommand((c) => {
      switch (c) {
        case 'train':
          return void train();
        case 'debug':
          return void debug();
        // The workbench's own Pause/Continue act on the focused debug session, as the debug toolbar does.
        case 'pause':
          return void vscode.commands.executeCommand('workbench.action.debug.pause');
        case 'continue':
          return void vscode.commands.executeCommand('workbench.action.debug.continue');
        case 'stop':
          return stop();
        default: {
          const never: never = c;
          return never;
        }
      }
    }),
    registerDocuments(),
    registerDiagnostics(),
    registerLanguageFeatures(),
    lenses,
    vscode.languages.registerCodeLensProvider({ language: 'nnet' }, lenses),
    registerCommand('nnet.newNetwork', () => pickExample(context.extensionUri, 'template')),
    registerCommand('nnet.openExample', () =>
      pickExample(context.extensionUri, 'example', (uri, text) => predictThenTrain(uri, text, train)),
    ),
    registerCommand('nnet.train', train),
    registerCommand('nnet.stop', stop),
    registerCommand('nnet.debug', (uri) => debug(uri)),
    firstOccurrence,
    new FindingsView(doctor, firstOccurrence, doctorDocsUrl(repository?.url)),
    inspector,
    vscode.window.registerWebviewPanelSerializer(LayerInspector.viewType, inspector),
    registerCommand('nnet.inspectLayer', (layer) => inspector.open(typeof layer === 'string' ? layer : null)),
    registerCommand('nnet.inspectVariable', (ctx) => inspector.open(layerOfVariableContext(ctx))),
    registerCommand('nnet.checkGradients', (ctx) =>
      checkGradientsHere(ctx, (report) => inspector.showGradCheck(report)),
    ),
    registerCommand('nnet.exportPyTorch', async (uri) => {
      const target = activeNnet(uri);
      if (!target) return void vscode.window.showInformationMessage(vscode.l10n.t('Open a .nnet file to export it.'));
      trace('command', { id: 'nnet.exportPyTorch', file: path.basename(target.fsPath) });
      await exportToPyTorchCommand(target);
    }),
    registerDebugger(workerScript, display, settings, logger, (session) => inspector.onStopped(session), doctor),
    registerPyTorchDebugger(context.extensionPath, settings, logger),
    registerWalkthroughProgress(),
  );
  trace('activated', { version: context.extension.packageJSON.version });
}

/** Nothing to clean up beyond the disposables. */
export function deactivate(): void {}
