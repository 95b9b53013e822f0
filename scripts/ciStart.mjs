// CI check of the README's first command: runs `npm start` as a newcomer would, waits for the URL it prints, checks
// the workbench is served with the extension installed, then stops it with Ctrl+C (SIGINT) and expects a clean exit.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CACHE, ROOT, START_PROFILE, ensureCodeServer, listExtensions } from './codeServer.mjs';

const URL_TIMEOUT_MS = 15 * 60_000;
const STOP_TIMEOUT_MS = 30_000;
const EXTENSION_ID = 'nnet-dev.nnet';
const LOG = path.join(ROOT, 'test-results', 'npm-start.log');

/** A port nothing listens on, so the check can tell `PORT` was honoured (not just 8080 or the next free one). */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const cold = !fs.existsSync(CACHE);
  console.log(
    cold
      ? 'No .vscode-test/ yet: npm start installs Node 24 and code-server (cold path).'
      : '.vscode-test/ exists: npm start reuses the cached install (warm path).',
  );
  const port = await freePort();
  fs.mkdirSync(path.dirname(LOG), { recursive: true });
  const log = fs.createWriteStream(LOG);
  let output = '';
  // Its own process group, so SIGINT reaches npm and start.mjs together, as Ctrl+C in a terminal does.
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port) },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const onData = (chunk) => {
    const text = chunk.toString();
    output += text;
    log.write(text);
    process.stdout.write(text);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let exited = null;
  void exit.then((e) => {
    exited = e;
  });
  const signalGroup = (sig) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      /* already gone */
    }
  };

  const fail = async (why) => {
    if (!exited) {
      // SIGTERM first: start.mjs then stops code-server (its own process group) before exiting.
      signalGroup('SIGTERM');
      await Promise.race([exit, sleep(15_000)]);
      signalGroup('SIGKILL');
    }
    const tail = output.split('\n').slice(-60).join('\n');
    const csLog = path.join(START_PROFILE, 'code-server.log');
    const csTail = fs.existsSync(csLog) ? fs.readFileSync(csLog, 'utf8').split('\n').slice(-30).join('\n') : '(none)';
    console.error(
      `\n✖ npm start check failed: ${why}\n--- tail of npm start's output (full: ${path.relative(ROOT, LOG)}):\n${tail}` +
        `\n--- tail of ${path.relative(ROOT, csLog)}:\n${csTail}\n---`,
    );
    process.exit(1);
  };

  const t0 = Date.now();
  let url;
  while (!url) {
    url = /http:\/\/127\.0\.0\.1:\d+\/\?folder=\S+/.exec(output)?.[0];
    if (url) break;
    if (exited) return fail(`npm start exited (${exited.code ?? exited.signal}) before printing the URL`);
    if (Date.now() - t0 > URL_TIMEOUT_MS) return fail(`no URL printed within ${URL_TIMEOUT_MS / 60_000} min`);
    await sleep(500);
  }
  const ready = Math.round((Date.now() - t0) / 1000);
  console.log(`\n::: npm start printed ${url} after ${ready}s`);
  if (new URL(url).port !== String(port)) return fail(`PORT=${port} was not honoured: ${url}`);

  let res;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    return fail(`GET ${url} failed: ${err instanceof Error ? err.message : err}`);
  }
  const html = await res.text();
  if (res.status !== 200) return fail(`GET ${url} answered ${res.status}`);
  // The workbench page of VS Code for the web: its configuration element and the workbench bundle.
  const isWorkbench =
    html.includes('vscode-workbench-web-configuration') && /workbench\/workbench[\w.-]*\.js/.test(html);
  if (!isWorkbench) return fail(`GET ${url} is not VS Code's workbench page:\n${html.slice(0, 600)}`);
  console.log(`::: GET ${url}: 200, VS Code's workbench page (${html.length} bytes)`);

  let extensions;
  try {
    extensions = listExtensions(ensureCodeServer(), START_PROFILE);
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
  if (!extensions.includes(EXTENSION_ID))
    return fail(`${EXTENSION_ID} is not installed in ${START_PROFILE}: [${extensions.join(', ')}]`);
  console.log(`::: installed in the npm start profile: ${extensions.join(', ')}`);

  signalGroup('SIGINT');
  const stopped = await Promise.race([exit, sleep(STOP_TIMEOUT_MS).then(() => null)]);
  if (!stopped) return fail(`npm start did not exit within ${STOP_TIMEOUT_MS / 1000} s of SIGINT`);
  // npm re-raises the Ctrl+C it got (killed by SIGINT, or 130 from a shell) even when the script exits 0, as in a
  // terminal; start.mjs's own clean exit is its "Stopped." line, printed just before it exits 0.
  const byCtrlC = stopped.code === 0 || stopped.code === 130 || stopped.signal === 'SIGINT';
  if (!byCtrlC) return fail(`npm start exited with ${stopped.code ?? stopped.signal} after SIGINT`);
  if (!/Stopped\./.test(output)) return fail('npm start exited without saying it stopped code-server');
  const still = await fetch(`${new URL(url).origin}/healthz`, { signal: AbortSignal.timeout(5_000) }).then(
    () => true,
    () => false,
  );
  if (still) return fail('code-server still answers after npm start exited');
  console.log(
    `::: SIGINT: npm start stopped code-server and exited (${stopped.code ?? stopped.signal}); ${cold ? 'cold' : 'warm'} start took ${ready}s`,
  );
  log.end();
}

main().catch((err) => {
  console.error(`✖ npm start check crashed: ${err instanceof Error ? err.stack : err}`);
  process.exit(1);
});
