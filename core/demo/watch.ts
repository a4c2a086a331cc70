// Watch streams with the watch cache's semantics: a resourceVersion resumes after that version
// from history (or fails with an ERROR event carrying 410 Expired when it is compacted away);
// no resourceVersion, or "0", starts with synthetic ADDED events for the current state;
// sendInitialEvents ends those with a bookmark annotated k8s.io/initial-events-end. Selectors
// filter with transitions: an object that stops matching is DELETED for this watcher, one that
// starts matching is ADDED. Bookmarks come every bookmarkIntervalMs when allowed, and the stream
// ends after timeoutSeconds.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { statusObject, tooLargeResourceVersion, type StatusObject } from './status.js';
import type { Change, ObjectStore } from './store.js';
import type { KubeObject } from '../kube/objects.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchSpec {
  gr: string;
  /** Namespace, label and field selection in one predicate. */
  matches: (obj: KubeObject) => boolean;
  /** The resourceVersion parameter, already checked to be empty or a number. */
  resourceVersion: string | undefined;
  /** Undefined when the client did not say: then only an empty or "0" resourceVersion lists first. */
  sendInitialEvents: boolean | undefined;
  allowBookmarks: boolean;
  timeoutMs: number;
  bookmarkIntervalMs: number;
  /** An empty object of the watched kind carrying only a resourceVersion (and annotations). */
  bookmark: (rv: number, annotations?: Record<string, string>) => KubeObject;
  /** Serializes one event's object (plain, as a Table row, as metadata). */
  encodeObject: (type: WatchEventType, obj: KubeObject | StatusObject) => unknown;
  contentType: string;
}

/** A slow reader that lets this much pile up is cut off, as the watch cache drops blocked watchers. */
const MAX_BUFFERED = 64 * 1024 * 1024;
/** How long a watch from a future resourceVersion waits for the store to get there. */
const FUTURE_RV_WAIT_MS = 3000;

export function serveWatch(req: IncomingMessage, res: ServerResponse, store: ObjectStore, spec: WatchSpec): void {
  res.writeHead(200, {
    'Content-Type': spec.contentType,
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  let closed = false;
  let lastRv = 0;
  const timers: ReturnType<typeof setTimeout>[] = [];
  let unsubscribe: (() => void) | undefined;
  let live = false;

  const finish = () => {
    if (closed) return;
    closed = true;
    for (const t of timers) clearTimeout(t);
    unsubscribe?.();
    if (!res.writableEnded) res.end();
  };
  req.on('close', finish);
  res.on('close', finish);

  const send = (type: WatchEventType, obj: KubeObject | StatusObject) => {
    if (closed) return;
    res.write(JSON.stringify({ type, object: spec.encodeObject(type, obj) }) + '\n');
    if (res.writableLength > MAX_BUFFERED) finish();
  };

  const onChange = (c: Change) => {
    if (c.gr !== spec.gr || c.rv <= lastRv) return;
    lastRv = c.rv;
    const was = c.prev !== undefined && spec.matches(c.prev);
    if (c.type === 'DELETED') {
      if (was) send('DELETED', c.object);
      return;
    }
    const is = spec.matches(c.object);
    if (c.type === 'ADDED') {
      if (is) send('ADDED', c.object);
    } else if (is) {
      send(was ? 'MODIFIED' : 'ADDED', c.object);
    } else if (was) {
      // It left this watcher's selection: to the watcher it is gone, as of this change.
      send('DELETED', { ...c.prev!, metadata: { ...c.prev!.metadata, resourceVersion: String(c.rv) } });
    }
  };

  const fail = (status: StatusObject) => {
    send('ERROR', status);
    finish();
  };

  const start = () => {
    if (closed) return;
    const rvParam = spec.resourceVersion;
    const noRv = rvParam === undefined || rvParam === '' || rvParam === '0';
    const initial = spec.sendInitialEvents ?? noRv;
    if (!initial && noRv) {
      // sendInitialEvents=false without a resourceVersion: from now on, nothing before.
      lastRv = store.resourceVersion;
    } else if (initial) {
      for (const obj of store.list(spec.gr)) if (spec.matches(obj)) send('ADDED', obj);
      lastRv = store.resourceVersion;
      // The end of the initial events is marked only for clients that take bookmarks.
      if (spec.sendInitialEvents && spec.allowBookmarks) send('BOOKMARK', spec.bookmark(lastRv, { 'k8s.io/initial-events-end': 'true' }));
    } else {
      const rv = Number(rvParam);
      const changes = store.changesSince(rv);
      if (changes === 'expired') {
        fail(statusObject(410, 'Expired', `too old resource version: ${rv} (${store.oldestResourceVersion})`));
        return;
      }
      lastRv = rv;
      for (const c of changes) onChange(c);
    }
    if (closed) return;
    unsubscribe = store.subscribe(onChange);
    live = true;
    if (spec.allowBookmarks && spec.bookmarkIntervalMs > 0) {
      const tick = () => {
        send('BOOKMARK', spec.bookmark(Math.max(lastRv, store.resourceVersion)));
        timers.push(setTimeout(tick, spec.bookmarkIntervalMs));
      };
      timers.push(setTimeout(tick, spec.bookmarkIntervalMs));
    }
  };

  timers.push(
    setTimeout(() => {
      // Like the watch cache, tell a bookmark-aware client where it got to before hanging up.
      if (spec.allowBookmarks && live) send('BOOKMARK', spec.bookmark(Math.max(lastRv, store.resourceVersion)));
      finish();
    }, spec.timeoutMs),
  );

  const requested = spec.resourceVersion ? Number(spec.resourceVersion) : 0;
  if (requested <= store.resourceVersion) {
    start();
    return;
  }
  // A resourceVersion from the future: wait a little for the store to catch up, then give up as
  // the real server does, with a Timeout carrying ResourceVersionTooLarge.
  const stopWaiting = store.subscribe(() => {
    if (store.resourceVersion < requested) return;
    stopWaiting();
    clearTimeout(giveUp);
    start();
  });
  const giveUp = setTimeout(() => {
    stopWaiting();
    fail(tooLargeResourceVersion(requested, store.resourceVersion).status);
  }, FUTURE_RV_WAIT_MS);
  timers.push(giveUp);
  unsubscribe = stopWaiting;
}
