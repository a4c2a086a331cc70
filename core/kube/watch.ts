// Calls back when any of a set of files may have changed. Watches the parent directories, not the
// files, because editors and `kubectl config` replace files by rename, which a file watch misses;
// a slow poll covers directories that do not exist yet and filesystems without events.
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

export interface FileWatch {
  close(): void;
}

export function watchFiles(files: string[], onChange: () => void, opts: { debounceMs?: number; pollMs?: number } = {}): FileWatch {
  const debounceMs = opts.debounceMs ?? 150;
  const pollMs = opts.pollMs ?? 15_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };
  const byDir = new Map<string, Set<string>>();
  for (const f of files) {
    const dir = path.dirname(f);
    if (!byDir.has(dir)) byDir.set(dir, new Set());
    byDir.get(dir)!.add(path.basename(f));
  }
  const watchers: FSWatcher[] = [];
  for (const [dir, names] of byDir) {
    try {
      const w = watch(dir, { persistent: false }, (_event, filename) => {
        // Some platforms omit the name; then any change in the directory counts.
        if (filename === null || names.has(filename.toString())) fire();
      });
      w.on('error', () => w.close());
      watchers.push(w);
    } catch {
      // Directory missing or not watchable: the poll below still notices.
    }
  }
  const poll = setInterval(onChange, pollMs);
  poll.unref?.();
  return {
    close() {
      if (timer) clearTimeout(timer);
      clearInterval(poll);
      for (const w of watchers) w.close();
    },
  };
}
