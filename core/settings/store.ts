// Small user preferences (the last context chosen, …) in one JSON file in the data directory,
// written atomically so a crash mid-write leaves the previous version intact.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const Settings = z.object({
  selectedContext: z.string().nullable().default(null),
  /** Contexts scraped in the background while another is selected. */
  backgroundContexts: z.array(z.string()).default([]),
  /** Contexts whose pods are reached by port-forward rather than the API server's proxy. */
  portForwardContexts: z.array(z.string()).default([]),
  /** Per context: evaluate its PrometheusRule objects (absent: the default, on for the demo cluster). */
  clusterRules: z.record(z.string(), z.boolean()).default({}),
  /** Contexts whose alerts notify nobody (still shown). */
  mutedContexts: z.array(z.string()).default([]),
  /** No notifications at all (alerts are still evaluated and shown). */
  doNotDisturb: z.boolean().default(false),
  /** Per context: the last time its API server answered (to say "offline since" after a restart). */
  lastContact: z.record(z.string(), z.number()).default({}),
  /** Per context: the remote-write endpoint its live samples are also sent to. */
  remoteWrite: z
    .record(
      z.string(),
      z.object({
        url: z.string(),
        bearerToken: z.string().optional(),
        basicAuth: z.object({ username: z.string(), password: z.string() }).optional(),
        headers: z.record(z.string(), z.string()).optional(),
      }),
    )
    .default({}),
});
export type Settings = z.infer<typeof Settings>;

export class SettingsStore {
  private readonly file: string;
  private current: Settings;
  /** Set when the file on disk could not be used; the UI can say so. */
  loadProblem: string | null = null;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.file = path.join(dataDir, 'settings.json');
    let raw: string | null = null;
    try {
      raw = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.loadProblem = `cannot read ${this.file}: ${(err as Error).message}`;
    }
    let parsed: Settings = Settings.parse({});
    if (raw !== null) {
      try {
        const result = Settings.safeParse(JSON.parse(raw));
        if (result.success) parsed = result.data;
        else this.loadProblem = `${this.file} has unexpected content; defaults are used`;
      } catch {
        this.loadProblem = `${this.file} is not valid JSON; defaults are used`;
      }
    }
    this.current = parsed;
  }

  get(): Readonly<Settings> {
    return this.current;
  }

  update(patch: Partial<Settings>): Settings {
    const next = Settings.parse({ ...this.current, ...patch });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, this.file);
    this.current = next;
    this.loadProblem = null;
    return next;
  }
}
