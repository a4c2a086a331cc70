// Sends stored samples (a capture, a context's range) through a remote-write queue: ten minutes
// of every series at a time, each series' samples in order. Prometheus accepts samples up to an
// hour behind its newest, so slices keep every batch inside that window however many series.
import { Matcher } from '../model/matchers.js';
import type { Queryable } from '../tsdb/interface.js';
import type { RemoteWriteQueue } from './queue.js';

export const SEND_SLICE_MS = 10 * 60_000;

export async function sendStored(db: Queryable, from: number, to: number, queue: RemoteWriteQueue, onSlice?: (sliceEnd: number, queued: number) => void): Promise<number> {
  const all = [new Matcher('=~', '__name__', '.+')];
  let queued = 0;
  for (let start = from; start <= to; start += SEND_SLICE_MS) {
    const end = Math.min(start + SEND_SLICE_MS - 1, to);
    for (const s of db.querier(start, end).select(all)) {
      const { t, v } = s.samples();
      for (let i = 0; i < t.length; i++) queue.append(s.labels, t[i]!, v[i]!);
      queued += t.length;
    }
    // One slice at a time: the queue is bounded and would drop the oldest rather than wait.
    await queue.flush();
    onSlice?.(end, queued);
  }
  return queued;
}
