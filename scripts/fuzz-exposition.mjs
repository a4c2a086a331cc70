#!/usr/bin/env node
// Fuzzes the exposition parsers (text format and OpenMetrics) and check-metrics for longer than
// the unit suite does. It runs the same mutation loop, core/exposition/fuzz.test.ts, through
// Vitest with FUZZ_SECONDS and FUZZ_SEED set, so the loop exists once and runs on the TypeScript
// sources without a build. A failure prints the seed and iteration that reproduce it.
//
//   node scripts/fuzz-exposition.mjs [--seconds N] [--seed S]
//
//   --seconds N   how long to fuzz (default 60)
//   --seed S      PRNG seed, an unsigned 32-bit integer (default: a random one, printed)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    seed: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('usage: node scripts/fuzz-exposition.mjs [--seconds N] [--seed S]');
  process.exit(0);
}
const seconds = Number(values.seconds);
if (!Number.isFinite(seconds) || seconds <= 0) {
  console.error('fuzz-exposition: --seconds must be a positive number');
  process.exit(2);
}
const seed = values.seed ?? String(Math.floor(Math.random() * 2 ** 32));
if (!/^\d+$/.test(seed) || Number(seed) >= 2 ** 32) {
  console.error('fuzz-exposition: --seed must be an unsigned 32-bit integer');
  process.exit(2);
}
console.log(`fuzz-exposition: ${seconds} s, seed ${seed}`);

const root = fileURLToPath(new URL('..', import.meta.url));
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const r = spawnSync(npx, ['vitest', 'run', 'core/exposition/fuzz.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, FUZZ_SECONDS: String(seconds), FUZZ_SEED: seed },
});
process.exit(r.status ?? 1);
