// `npm start`: packages the extension, installs it into a local code-server (VS Code in the browser) and opens examples/.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ROOT, START_PROFILE, ensureCodeServer, installVsix, makeProfile, startCodeServer } from './codeServer.mjs';

const VSIX = path.join(ROOT, 'dist', 'nnet.vsix');
const skipPackage = process.argv.includes('--skip-package');

/** Resolves true when nothing listens on 127.0.0.1:port. */
function isFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function freePortFrom(first) {
  for (let p = first; p < first + 100 && p < 65536; p++) if (await isFree(p)) return p;
  throw new Error(`no free port in ${first}…${first + 99}`);
}

function packageExtension() {
  if (skipPackage) {
    if (!fs.existsSync(VSIX)) throw new Error(`--skip-package given but ${path.relative(ROOT, VSIX)} does not exist`);
    console.log(`Using existing ${path.relative(ROOT, VSIX)}`);
    return;
  }
  console.log('Packaging the extension (npm run package) …');
  const r = spawnSync('npm', ['run', '--silent', 'package'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0 || !fs.existsSync(VSIX)) {
    throw new Error(`npm run package failed (exit ${r.status}); ${path.relative(ROOT, VSIX)} was not produced`);
  }
}

async function main() {
  packageExtension();
  const bin = ensureCodeServer();
  const profileDir = START_PROFILE;
  const profile = makeProfile(profileDir);
  console.log('Installing the extension into the code-server profile …');
  installVsix(bin, profile, VSIX, { quiet: true });

  const wanted = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(wanted) || wanted < 1 || wanted > 65535)
    throw new Error(`PORT=${process.env.PORT} is not a port`);
  const port = await freePortFrom(wanted);
  if (port !== wanted) console.log(`Port ${wanted} is busy; using ${port}.`);
  const logFile = path.join(profileDir, 'code-server.log');
  const folder = path.join(ROOT, 'examples');
  const server = await startCodeServer(bin, profile, { port, folder, logFile });

  const url = `${server.url}?folder=${encodeURIComponent(folder)}`;
  const bar = '═'.repeat(Math.min(100, url.length + 4));
  console.log(
    `\n${bar}\n  nnet is running in VS Code (code-server). Open:\n\n  ${url}\n\n  Log: ${path.relative(ROOT, logFile)}`,
  );
  console.log(`  Press Ctrl+C to stop.\n${bar}\n`);

  let stopping = false;
  const shutdown = async (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping code-server …`);
    await server.stop();
    fs.rmSync(profile.tmp, { recursive: true, force: true });
    console.log('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  server.proc.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`code-server exited unexpectedly (${code ?? signal}); see ${logFile}`);
    fs.rmSync(profile.tmp, { recursive: true, force: true });
    process.exit(1);
  });
}

main().catch((err) => {
  console.error(`npm start failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
