#!/usr/bin/env node
// Security gate: runs Electronegativity (@doyensec/electronegativity) on the Electron shell's
// TypeScript sources and fails on any HIGH or MEDIUM finding that nobody has justified.
//
//   node scripts/electronegativity.mjs [folder]      (default: electron)
//
// - It scans the TypeScript sources directly: Electronegativity parses .ts with Babel's TypeScript
//   plugin (typescript-estree as fallback), so no build is needed. With -o, though, it silently
//   skips a file it cannot parse (or scans what Babel recovered of it), so every file is parsed
//   here first with the tool's own parser and any error stops the gate.
// - Tests (*.test.ts, and the test/ folder) are not shipped, so they are not scanned: the sources
//   are staged in a temp folder without them. Paths and line numbers are unchanged.
// - The Electron version is passed with -e (from the installed electron package): the tool cannot
//   detect it from a TypeScript folder, assumes v0.1.0 and then reports defaults that changed long ago.
// - Results are read from a CSV (-o), the only output that carries severities. The tool writes that
//   file's header and rows with two concurrent async writes, which can truncate or overwrite the
//   rows; it runs with one libuv thread so they happen in order, and a second run writing SARIF
//   (one write) must list the same findings, so a lost row can never pass as "no finding".
//
// A finding is justified by a comment on its source line or on the line directly above it:
//     // electronegativity-justified: CHECK_ID <reason>
// Several checks reported on one line share a comment: `CHECK_A,CHECK_B <reason>`. The reason is
// required. Findings with no source location (global checks, e.g. CSP_GLOBAL_CHECK) are justified
// by such a comment anywhere in the scanned sources.
//
// Prints one line per finding, justified or not, then a summary line.
// Exit codes: 0 no unjustified HIGH/MEDIUM finding; 1 some; 2 the scan itself failed.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const input = path.resolve(root, process.argv[2] ?? 'electron');

const GATING = new Set(['HIGH', 'MEDIUM']);
const SEVERITY_ORDER = ['HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'];
const SCANNED_EXT = /\.(js|jsx|ts|tsx|html|htm)$/i;
const NOT_SHIPPED = (rel) => /\.test\.[jt]sx?$/.test(rel) || rel.split(path.sep).includes('test') || rel.split(path.sep).includes('node_modules');
// Fetches Electron's release list online to flag versions with known fixes, but only for versions
// it reads from a package.json in the scanned folder, which electron/ does not have: it could
// never report here, and offline it only costs a timeout.
const NETWORK_CHECK = 'AvailableSecurityFixesGlobalCheck';
const MARKER = /(?:\/\/|\/\*|<!--).*?electronegativity-justified:[ \t]*([A-Z0-9_]+(?:[ \t]*,[ \t]*[A-Z0-9_]+)*)(?:[ \t]+(.*?))?[ \t]*(?:\*\/|-->)?[ \t]*$/;

function fail(message) {
  console.error(`electronegativity: ${message}`);
  process.exit(2);
}

function listFiles(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(full, base) : [path.relative(base, full)];
  });
}

function electronVersion() {
  try {
    return require('electron/package.json').version;
  } catch {
    const declared = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).devDependencies?.electron;
    const v = declared?.match(/\d+(\.\d+){0,2}/)?.[0];
    if (!v) fail('cannot tell the Electron version: install devDependencies first');
    return v;
  }
}

/** RFC 4180 CSV: quoted fields, "" escapes, newlines inside quotes. Unquoted N/A becomes null. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  const endField = () => {
    row.push(!wasQuoted && field === 'N/A' ? null : field);
    field = '';
    wasQuoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') {
      quoted = true;
      wasQuoted = true;
    } else if (c === ',') endField();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endField();
      rows.push(row);
      row = [];
    } else field += c;
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (field !== '' || row.length) {
    endField();
    rows.push(row);
  }
  return rows;
}

function runTool(args) {
  const bin = path.join(path.dirname(require.resolve('@doyensec/electronegativity/package.json')), 'dist', 'index.js');
  return new Promise((resolve) => {
    // One libuv thread: the tool's two writes to the CSV (header, then rows) then run in order.
    const env = { ...process.env, UV_THREADPOOL_SIZE: '1' };
    execFile(process.execPath, [bin, ...args], { cwd: root, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => resolve({ code: err ? (err.code ?? 1) : 0, out: `${stdout}${stderr}` }));
  });
}

// 1. Stage the shipped sources, and make sure the tool can parse every one of them.
const stage = mkdtempSync(path.join(os.tmpdir(), 'kubeglass-eng-'));
process.on('exit', () => rmSync(stage, { recursive: true, force: true }));
const srcDir = path.join(stage, 'src');
const files = listFiles(input).filter((rel) => !NOT_SHIPPED(rel) && (SCANNED_EXT.test(rel) || path.basename(rel) === 'package.json'));
if (!files.some((rel) => SCANNED_EXT.test(rel))) fail(`no source file to scan in ${path.relative(root, input) || '.'}`);
for (const rel of files) cpSync(path.join(input, rel), path.join(srcDir, rel));

let Parser;
try {
  ({ Parser } = require('@doyensec/electronegativity/dist/parser/parser.js'));
} catch (e) {
  fail(`cannot load Electronegativity's parser (its layout changed?): ${e.message}`);
}
const parser = new Parser(false, true); // the settings its runner uses
const unparsed = [];
for (const rel of files.filter((f) => SCANNED_EXT.test(f))) {
  try {
    const [, ast, , recovered] = parser.parse(path.join(srcDir, rel), readFileSync(path.join(srcDir, rel)));
    // Errors Babel recovered from leave a partial tree: findings could be missing.
    if (!ast || recovered?.length) throw new Error(recovered?.[0]?.message ?? 'no syntax tree');
  } catch (e) {
    unparsed.push(`${path.relative(root, path.join(input, rel))}: ${e.message}`);
  }
}
if (unparsed.length) fail(`Electronegativity cannot parse, so would silently skip:\n  ${unparsed.join('\n  ')}`);

// 2. Scan: CSV for the findings, SARIF to check that no row went missing.
const version = electronVersion();
const csvFile = path.join(stage, 'findings.csv');
const sarifFile = path.join(stage, 'findings.sarif');
const [csvRun, sarifRun] = await Promise.all([
  runTool(['-i', srcDir, '-e', version, '-x', NETWORK_CHECK, '-o', csvFile]),
  runTool(['-i', srcDir, '-e', version, '-x', NETWORK_CHECK, '-o', sarifFile]),
]);
for (const [name, run] of [
  ['CSV', csvRun],
  ['SARIF', sarifRun],
]) {
  if (run.code !== 0) fail(`the ${name} scan exited with ${run.code}:\n${run.out}`);
}

let rows;
let sarif;
try {
  rows = parseCsv(readFileSync(csvFile, 'utf8'));
  sarif = JSON.parse(readFileSync(sarifFile, 'utf8'));
} catch (e) {
  fail(`cannot read the scan results: ${e.message}`);
}
const header = rows.shift()?.map((h) => h?.trim());
if (header?.join(',') !== 'issue,severity,confidence,filename,location,sample,description,url') fail(`unexpected CSV header: ${header}`);

const findings = rows
  .filter((r) => r.length > 1 || r[0])
  .map((r) => {
    if (r.length !== 8 || !/^[A-Z0-9_]+$/.test(r[0] ?? '') || !SEVERITY_ORDER.includes(r[1]) || !/^\d+:\d+$/.test(r[4] ?? '')) fail(`malformed CSV row: ${JSON.stringify(r)}`);
    const [id, severity, confidence, file, location, , description] = r;
    const [line] = location.split(':').map(Number);
    const rel = file && file !== 'N/A' ? path.relative(srcDir, file) : null;
    if (rel !== null && (rel.split(path.sep)[0] === '..' || path.isAbsolute(rel))) fail(`finding outside the scanned folder: ${file}`);
    return { id, severity, confidence, rel, line, description, justification: null };
  });

// SARIF counts lines from 1 and puts line-less findings on line 1; the CSV says 0.
const key = (id, rel, line) => `${id} ${rel ?? '-'}:${Math.max(1, Number(line) || 0)}`;
const fromCsv = findings.map((f) => key(f.id, f.rel, f.line)).sort();
const fromSarif = (sarif.runs?.[0]?.results ?? [])
  .map((r) => {
    const loc = r.locations?.[0]?.physicalLocation;
    const uri = loc?.artifactLocation?.uri;
    const rel = uri && uri !== 'file:///' ? path.relative(srcDir, uri) : null;
    return key(r.ruleId, rel, loc?.region?.startLine);
  })
  .sort();
if (fromCsv.join('\n') !== fromSarif.join('\n')) {
  fail(`the CSV and SARIF scans disagree (a lost write?); run again.\n  CSV:   ${fromCsv.join('; ')}\n  SARIF: ${fromSarif.join('; ')}`);
}

// 3. Justifications.
const sources = new Map(files.filter((f) => SCANNED_EXT.test(f)).map((rel) => [rel, readFileSync(path.join(srcDir, rel), 'utf8').split(/\r?\n/)]));
const markers = [];
for (const [rel, lines] of sources) {
  lines.forEach((text, i) => {
    const m = MARKER.exec(text);
    if (m) markers.push({ rel, line: i + 1, ids: m[1].split(',').map((s) => s.trim()), reason: (m[2] ?? '').trim(), used: false });
  });
}
for (const f of findings) {
  const candidates = markers.filter((m) => m.ids.includes(f.id) && (f.rel === null || (m.rel === f.rel && (m.line === f.line || m.line === f.line - 1))));
  for (const m of candidates) m.used = true;
  f.justification = candidates.find((m) => m.reason !== '')?.reason ?? null;
  f.missingReason = candidates.length > 0 && f.justification === null;
}

// 4. Report.
const show = (rel, line) => (rel === null ? '(global)' : `${path.relative(root, path.join(input, rel))}:${line}`);
findings.sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) || show(a.rel, a.line).localeCompare(show(b.rel, b.line)) || a.id.localeCompare(b.id));
const blocking = [];
for (const f of findings) {
  const gating = GATING.has(f.severity);
  let status;
  if (f.justification) status = `justified: ${f.justification}`;
  else if (!gating) status = 'not gating';
  else {
    status = f.missingReason ? 'UNJUSTIFIED (the justification comment gives no reason)' : 'UNJUSTIFIED';
    blocking.push(f);
  }
  console.log(`${f.severity.padEnd(13)} ${f.id.padEnd(36)} ${show(f.rel, f.line).padEnd(28)} ${f.confidence.padEnd(9)} ${f.description} — ${status}`);
}
for (const m of markers.filter((m) => !m.used)) {
  console.log(`note: unused justification at ${show(m.rel, m.line)} for ${m.ids.join(',')}: no such finding there any more`);
}
const count = (s) => findings.filter((f) => f.severity === s).length;
const justified = findings.filter((f) => f.justification).length;
console.log(
  `electronegativity (Electron ${version}, ${files.length} files): ${findings.length} findings ` +
    `(${SEVERITY_ORDER.map((s) => `${count(s)} ${s}`).join(', ')}), ${justified} justified, ` +
    `${blocking.length} unjustified HIGH/MEDIUM — ${blocking.length ? 'FAIL' : 'ok'}`,
);
process.exitCode = blocking.length ? 1 : 0;
