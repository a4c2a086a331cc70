// Where each kubeconfig context's database lives: one SQLite file per context, so switching
// contexts never mixes series. File names are readable and collision-free for any context name
// (EKS ARNs carry ':' and '/').
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fnv1a64 } from '../model/labels.js';
import { Tsdb, type TsdbOptions } from './sqlite/tsdb.js';

export function contextDbFile(dataDir: string, context: string): string {
  const readable = context.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  const hash = fnv1a64(context).toString(16).padStart(16, '0').slice(0, 10);
  return path.join(dataDir, 'contexts', `${readable}-${hash}.db`);
}

export function openContextDb(dataDir: string, context: string, opts: TsdbOptions = {}): Tsdb {
  const file = contextDbFile(dataDir, context);
  if (!opts.readonly) mkdirSync(path.dirname(file), { recursive: true });
  return Tsdb.open(file, opts);
}
