// The built-in rule files (resources/rules/*.yaml): valid for our rulefmt and for the real
// `promtool check rules` (Debian's /usr/bin/promtool), with kube-prometheus's alert names.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRuleFile } from '../core/rules/rulefmt.js';

const dir = new URL('./rules', import.meta.url).pathname;
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(dir, f));
const PROMTOOL = '/usr/bin/promtool';

describe('built-in rules', () => {
  it('parse with our rulefmt and carry summary and description annotations', () => {
    const alerts: string[] = [];
    for (const f of files) {
      const parsed = parseRuleFile(readFileSync(f, 'utf8'));
      expect(parsed.errors, f).toEqual([]);
      for (const g of parsed.groups) {
        for (const r of g.rules) {
          if (r.alert === undefined) continue;
          alerts.push(r.alert);
          expect(r.annotations.summary, r.alert).toBeTruthy();
          expect(r.annotations.description, r.alert).toBeTruthy();
          expect(r.labels.severity, r.alert).toMatch(/^(info|warning|critical)$/);
        }
      }
    }
    for (const name of [
      'TargetDown',
      'KubeNodeNotReady',
      'KubePodCrashLooping',
      'KubePodNotReady',
      'KubeContainerOOMKilled',
      'KubeDeploymentReplicasMismatch',
      'NodeFilesystemSpaceFillingUp',
      'NodeFilesystemAlmostOutOfSpace',
      'NodeMemoryHighUtilization',
      'NodeCPUHighUsage',
    ]) {
      expect(alerts).toContain(name);
    }
  });

  it.skipIf(!existsSync(PROMTOOL))('pass the real promtool check rules', () => {
    const out = execFileSync(PROMTOOL, ['check', 'rules', ...files], { encoding: 'utf8' });
    expect(out.match(/SUCCESS/g)?.length).toBe(files.length);
  });
});
