// npm run bench:rules — evaluation time per cycle of kube-prometheus's rule files
// (../shared/rules/*.yaml, loaded unchanged) over a 50-node generated cluster (gen-cluster, 2 h),
// with our engine over our TSDB (median of N cycles per group and in total), beside the real
// Prometheus 2.42 running the same rules on the same data (backfilled with promtool), read from its
// prometheus_rule_group_last_duration_seconds after a few cycles.
//
// Prometheus evaluates at wall-clock "now", so the dataset is generated to end shortly after now
// (--start = now - hours + lead). Its last backfilled block then ends in the future, and the rules'
// outputs written "now" fall below the head's minimum valid time: Prometheus runs with an
// out-of-order window so they are accepted (without it every recording rule errors with "out of
// bounds"). Our cycles are consecutive evaluations one interval apart, the last at Prometheus's
// last evaluation time (the first, cold, cycle left out on both sides).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify as yamlStringify, parseAllDocuments } from 'yaml';
import { PromEngine } from '../core/promql/engine.js';
import { engineQueryFunc, groupsFromDefs, loadRuleFile, type Group } from '../core/rules/index.js';
import { importOpenMetrics } from '../core/tsdb/openmetrics-io.js';
import { Tsdb } from '../core/tsdb/sqlite/tsdb.js';
import { SHARED_BENCH } from './dataset.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: '/tmp/bench/rules' },
    nodes: { type: 'string', default: '50' },
    hours: { type: 'string', default: '2' },
    repeat: { type: 'string', default: '5' },
    interval: { type: 'string', default: '10' },
    /** Minutes the data reaches past now (covers generation, both imports and the measurements). */
    lead: { type: 'string', default: '20' },
    'skip-prometheus': { type: 'boolean', default: false },
    port: { type: 'string', default: '19097' },
  },
});
const out = values.out!;
const repeat = Number(values.repeat);
const intervalS = Number(values.interval);
const rulesDir = path.resolve(SHARED_BENCH, '..', 'rules');
const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';
const withProm = !values['skip-prometheus'] && existsSync(PROMETHEUS) && existsSync(PROMTOOL);
if (!values['skip-prometheus'] && !withProm) console.log('(prometheus/promtool not installed: Kubeglass figures only)');
mkdirSync(out, { recursive: true });

// --- the dataset: gen-cluster's 50-node cluster (seed 42), ending `lead` minutes from now.
const hours = Number(values.hours);
const start = Math.floor(Date.now() / 1000 / 60) * 60 - hours * 3600 + Number(values.lead) * 60;
const end = start + hours * 3600;
const file = path.join(out, `cluster-${values.nodes}n-${values.hours}h-recent.om`);
let t0 = performance.now();
execFileSync('node', [path.join(SHARED_BENCH, 'gen-cluster.mjs'), '--nodes', values.nodes!, '--hours', values.hours!, '--seed', '42', '--start', String(start), '--out', file], { stdio: ['ignore', 'ignore', 'inherit'] });
console.log(`== dataset ${file}: [${new Date(start * 1000).toISOString()}, ${new Date(end * 1000).toISOString()}] generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// --- the rule files: loaded unchanged by us; Prometheus gets each PrometheusRule's spec.groups.
const ruleFiles = readdirSync(rulesDir)
  .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
  .sort()
  .map((f) => path.join(rulesDir, f));
const promRulesDir = path.join(out, 'prometheus-rules');
rmSync(promRulesDir, { recursive: true, force: true });
mkdirSync(promRulesDir, { recursive: true });
/** Prometheus's group key (file;name) → ours. */
const promFileOf = new Map<string, string>();
for (const f of ruleFiles) {
  const groups = parseAllDocuments(readFileSync(f, 'utf8')).flatMap((d) => {
    const j = d.toJS() as { spec?: { groups?: unknown[] }; groups?: unknown[] } | null;
    return j?.spec?.groups ?? j?.groups ?? [];
  });
  const pf = path.join(promRulesDir, path.basename(f));
  writeFileSync(pf, yamlStringify({ groups }, { lineWidth: 0 }));
  promFileOf.set(f, pf);
}

// --- the real Prometheus: backfill, start with the rules, sample its per-group durations.
interface PromFigures {
  medianS: Map<string, number>; // key file;group (our file) → median last_duration_seconds
  failures: number;
  withResults: number;
  rules: number;
  errors: string[];
  evalAt: number; // ms
}
let prom: PromFigures | null = null;
if (withProm) {
  const tsdb = path.join(out, 'prometheus-tsdb');
  rmSync(tsdb, { recursive: true, force: true });
  t0 = performance.now();
  execFileSync(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', file, tsdb], { stdio: 'ignore' });
  console.log(`== promtool backfill: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const cfg = path.join(out, 'prometheus.yml');
  writeFileSync(
    cfg,
    yamlStringify({
      global: { scrape_interval: '1m', evaluation_interval: `${intervalS}s` },
      rule_files: [...promFileOf.values()],
      scrape_configs: [],
      storage: { tsdb: { out_of_order_time_window: '1d' } },
    }),
  );
  const port = values.port!;
  const base = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = spawn(
    PROMETHEUS,
    [`--config.file=${cfg}`, `--storage.tsdb.path=${tsdb}`, '--storage.tsdb.retention.time=100y', `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const stop = () => {
    child?.kill();
    child = null;
  };
  process.on('exit', stop);
  try {
    let ready = false;
    for (let i = 0; i < 600 && !ready; i++) {
      ready = await fetch(`${base}/-/ready`).then((r) => r.ok).catch(() => false);
      if (!ready) await sleep(200);
    }
    if (!ready) throw new Error('prometheus not ready after 120 s');
    const samples = new Map<string, number[]>();
    const lastSeen = new Map<string, number>();
    // Each group's last duration after each of its cycles (a cycle is seen as a new last-evaluation time).
    const deadline = Date.now() + (repeat + 3) * intervalS * 1000 + 60_000;
    while (Date.now() < deadline) {
      const rules = (await (await fetch(`${base}/api/v1/rules`)).json()) as { data: { groups: { name: string; file: string; lastEvaluation: string; evaluationTime: number }[] } };
      for (const g of rules.data.groups) {
        const key = `${g.file};${g.name}`;
        const t = Date.parse(g.lastEvaluation);
        if (t > 0 && t !== lastSeen.get(key)) {
          lastSeen.set(key, t);
          if (!samples.has(key)) samples.set(key, []);
          samples.get(key)!.push(NaN); // filled from /metrics below
        }
      }
      const metrics = await (await fetch(`${base}/metrics`)).text();
      for (const m of metrics.matchAll(/^prometheus_rule_group_last_duration_seconds\{rule_group="([^"]+)"\} (\S+)$/gm)) {
        const arr = samples.get(m[1]!);
        if (arr && Number.isNaN(arr[arr.length - 1])) arr[arr.length - 1] = Number(m[2]);
      }
      // The first cycle (cold caches) is left out, as ours is.
      if (samples.size > 0 && [...samples.values()].every((a) => a.filter((x) => !Number.isNaN(x)).length > repeat)) break;
      await sleep(500);
    }
    const medianS = new Map<string, number>();
    const ourFile = new Map([...promFileOf].map(([a, b]) => [b, a]));
    for (const [key, arr] of samples) {
      const [pf, name] = [key.slice(0, key.indexOf(';')), key.slice(key.indexOf(';') + 1)];
      medianS.set(`${ourFile.get(pf) ?? pf};${name}`, median(arr.slice(1).filter((x) => !Number.isNaN(x))));
    }
    const metrics = await (await fetch(`${base}/metrics`)).text();
    let failures = 0;
    for (const m of metrics.matchAll(/^prometheus_rule_evaluation_failures_total\{rule_group="[^"]+"\} (\S+)$/gm)) failures += Number(m[1]);
    const rules = (await (await fetch(`${base}/api/v1/rules`)).json()) as {
      data: { groups: { name: string; lastEvaluation: string; rules: { name: string; query: string; health: string; lastError?: string }[] }[] };
    };
    const errors: string[] = [];
    let withResults = 0;
    let n = 0;
    let evalAt = 0;
    for (const g of rules.data.groups) {
      const at = Date.parse(g.lastEvaluation);
      evalAt = Math.max(evalAt, at);
      for (const r of g.rules) {
        n++;
        if (r.health !== 'ok') errors.push(`${g.name}/${r.name}: ${r.health} ${r.lastError ?? ''}`);
        const q = (await (await fetch(`${base}/api/v1/query?query=${encodeURIComponent(r.query)}&time=${at / 1000}`)).json()) as { data?: { result: unknown[] | unknown } };
        if (Array.isArray(q.data?.result) ? q.data.result.length > 0 : q.data?.result !== undefined) withResults++;
      }
    }
    prom = { medianS, failures, withResults, rules: n, errors, evalAt };
  } finally {
    stop();
  }
}

// --- Kubeglass: the same file imported into our TSDB, every group evaluated `repeat`+1 cycles.
const dbFile = path.join(out, 'kubeglass.db');
for (const suffix of ['', '-wal', '-shm']) rmSync(dbFile + suffix, { force: true });
const db = Tsdb.open(dbFile);
t0 = performance.now();
await importOpenMetrics(db, createReadStream(file, { highWaterMark: 1 << 20 }));
console.log(`== Kubeglass import: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const query = engineQueryFunc(new PromEngine(), db);
const groups: Group[] = [];
for (const f of ruleFiles) groups.push(...groupsFromDefs(f, loadRuleFile(readFileSync(f, 'utf8'), f), { query, appendable: db, queryable: db, now: () => performance.now(), defaultIntervalMs: intervalS * 1000 }));
// The same evaluation time as Prometheus's last cycle when it ran (within the data), else the data's end.
const tEval = Math.min(prom?.evalAt || Infinity, (end - 60) * 1000);
const ours = new Map<string, number[]>();
const ourErrors: string[] = [];
for (let c = 0; c <= repeat; c++) {
  const ts = tEval - (repeat - c) * intervalS * 1000;
  for (const g of groups) {
    await g.eval(ts);
    if (c === 0) continue; // warm-up cycle, left out
    if (!ours.has(g.key)) ours.set(g.key, []);
    ours.get(g.key)!.push(g.evaluationTimeMs);
    if (c === repeat) for (const r of g.rules) if (r.health !== 'ok') ourErrors.push(`${g.name}/${r.name}: ${r.lastError}`);
  }
}
let ourWithResults = 0;
for (const g of groups) for (const r of g.rules) if ((await query(r.expr, tEval)).length > 0) ourWithResults++;
db.close();

// --- the table.
const ruleCount = groups.reduce((n, g) => n + g.rules.length, 0);
console.log(`== rules: ${groups.length} groups, ${ruleCount} rules from ${ruleFiles.length} files; ${values.nodes} nodes; evaluated at ${new Date(tEval).toISOString()}; median of ${repeat} cycles (ms)`);
console.log(`${'group'.padEnd(40)} ${'rules'.padStart(5)} ${'kubeglass'.padStart(10)} ${'prometheus'.padStart(11)}  ratio`);
let kt = 0;
let pt = 0;
for (const g of groups) {
  const k = median(ours.get(g.key) ?? []);
  const pS = prom?.medianS.get(g.key);
  const p = pS === undefined ? undefined : pS * 1000;
  kt += k;
  pt += p ?? 0;
  console.log(`${g.name.padEnd(40)} ${String(g.rules.length).padStart(5)} ${k.toFixed(1).padStart(10)} ${(p === undefined ? 'n/a' : p.toFixed(1)).padStart(11)}  ${p ? (k / p).toFixed(2) : ''}`);
}
console.log(`TOTAL per cycle: kubeglass ${kt.toFixed(1)} ms, prometheus ${prom ? `${pt.toFixed(1)} ms (ratio ${(kt / pt).toFixed(2)})` : 'n/a'}`);
console.log(`rules with results: kubeglass ${ourWithResults}/${ruleCount}${prom ? `, prometheus ${prom.withResults}/${prom.rules}` : ''}`);
console.log(`rule errors: kubeglass ${ourErrors.length}${prom ? `, prometheus ${prom.errors.length} (evaluation failures counted: ${prom.failures})` : ''}`);
for (const e of [...ourErrors.map((e) => `kubeglass ${e}`), ...(prom?.errors ?? []).map((e) => `prometheus ${e}`)].slice(0, 20)) console.log(`  ${e}`);
if (ourErrors.length > 0 || (prom && (prom.errors.length > 0 || prom.failures > 0))) process.exitCode = 1;

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
