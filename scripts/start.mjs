// `npm start`: the desktop app when Electron's binary is available, else browser mode.
// Electron 45 fetches its binary on first use, not at install; where that download is
// impossible (offline, a locked-down network) we say so in one line and serve the same app
// in the browser instead.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

function electronBinary() {
  let dir;
  try {
    dir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
  const pathFile = path.join(dir, 'path.txt');
  const installed = () => {
    if (!existsSync(pathFile)) return null;
    const bin = path.join(dir, 'dist', readFileSync(pathFile, 'utf8'));
    return existsSync(bin) ? bin : null;
  };
  if (installed()) return installed();
  if (process.env.KUBEGLASS_NO_ELECTRON_DOWNLOAD) return null;
  // One attempt to fetch it, bounded, quiet: on a machine without access this fails fast.
  spawnSync(process.execPath, [path.join(dir, 'install.js')], { stdio: 'ignore', timeout: 120_000 });
  return installed();
}

function run(cmd, args) {
  const child = spawn(cmd, args, { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
}

const electron = electronBinary();
if (electron) {
  run(electron, [root]);
} else {
  console.log('Electron is not available on this machine (its binary could not be downloaded); starting Kubeglass in browser mode instead.');
  run(process.execPath, [path.join(root, 'bin', 'kubeglass.mjs'), 'serve', ...process.argv.slice(2)]);
}
