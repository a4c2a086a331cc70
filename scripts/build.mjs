// Builds everything `npm start`, `kubeglass serve` and electron-builder need into dist/:
// the Node-side bundles with esbuild (dependencies stay external, resolved from node_modules or
// the packaged app.asar) and the renderer with Vite.
import { build as esbuild } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { build as viteBuild } from 'vite';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const quiet = process.argv.includes('--quiet');

rmSync(`${root}dist`, { recursive: true, force: true });

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  define: { __KUBEGLASS_VERSION__: JSON.stringify(pkg.version) },
};

await Promise.all([
  esbuild({
    ...common,
    format: 'esm',
    packages: 'external',
    entryPoints: { 'cli/main': 'core/cli/main.ts', 'host/worker': 'core/host/worker.ts', 'electron/main': 'electron/main.ts' },
    outdir: 'dist',
  }),
  // A sandboxed preload cannot load modules: one self-contained CommonJS file, electron external.
  esbuild({
    ...common,
    format: 'cjs',
    external: ['electron'],
    entryPoints: { 'electron/preload': 'electron/preload.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
  }),
]);

// Benchmarks are built only when asked (npm run bench:*), not on every install.
if (process.argv.includes('--bench')) {
  await esbuild({ ...common, format: 'esm', packages: 'external', entryPoints: { 'bench/scrape': 'bench/scrape.ts', 'bench/tsdb': 'bench/tsdb.ts', 'bench/promql': 'bench/promql.ts', 'bench/cluster': 'bench/cluster.ts', 'bench/ui': 'bench/ui.ts', 'bench/rules': 'bench/rules.ts', 'bench/capture': 'bench/capture.ts' }, outdir: 'dist' });
}

await viteBuild({ configFile: `${root}vite.config.ts`, logLevel: quiet ? 'warn' : 'info' });
