// A remote-write sender with Prometheus's queue semantics (storage/remote/queue_manager.go), one
// shard: appends go into a bounded ring (capacity in samples; when full the oldest sample is
// dropped and counted, append never blocks or awaits); batches of max_samples_per_send go out as
// soon as they are full, or whatever is pending after batch_send_deadline; recoverable failures
// (5xx, 429, network) are retried with exponential backoff (30ms doubling to 5s, or the server's
// Retry-After) until they succeed or the queue is closed; others drop the batch and record why.
import { labelsKey, type Labels } from '../model/labels.js';
import type { Appendable, Appender, AppendRejection, MetricMetadata } from '../tsdb/interface.js';
import type { FloatHistogram } from '../model/histogram.js';
import { RecoverableError, type WriteClient } from './client.js';
import { encodeWriteRequest, type PbTimeSeries } from './prompb.js';
import { snappyEncode } from './snappy.js';

/** Where samples go to be sent: what the TSDB's appender (or a capture reader) feeds. */
export interface SampleSink {
  /** Queues one sample; never blocks. Staleness markers as STALE_NAN. */
  append(labels: Labels, t: number, v: number): void;
  /** Resolves when everything appended so far has been sent, failed or dropped. */
  flush(): Promise<void>;
}

export interface QueueOptions {
  /** Samples held before the oldest are dropped (Prometheus's capacity: 10000 per shard today, 2500 in 2.42). */
  capacity?: number;
  /** Prometheus's max_samples_per_send: 2000 today (500 in 2.42). */
  maxSamplesPerSend?: number;
  /** Prometheus's batch_send_deadline: 5s. */
  batchSendDeadlineMs?: number;
  /** min_backoff 30ms, max_backoff 5s. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface QueueStats {
  /** Samples the endpoint accepted. */
  samplesSent: number;
  /** Samples in batches the endpoint refused for good (non-recoverable errors). */
  samplesFailed: number;
  /** Samples dropped because the queue was full (or closed with samples pending). */
  samplesDropped: number;
  /** Samples re-sent after a recoverable error (counted once per retry). */
  samplesRetried: number;
  /** Samples queued or in flight. */
  samplesPending: number;
  batchesSent: number;
  /** Compressed bytes accepted by the endpoint. */
  bytesSent: number;
  lastError: string | null;
  lastErrorAt: number | null;
  lastSendAt: number | null;
}

export class RemoteWriteQueue implements SampleSink {
  private readonly capacity: number;
  private readonly maxPerSend: number;
  private readonly deadlineMs: number;
  private readonly minBackoff: number;
  private readonly maxBackoff: number;
  // The ring: labels, timestamps and values (a Float64Array keeps a staleness marker's payload).
  private readonly ls: (Labels | undefined)[];
  private readonly ts: Float64Array;
  private readonly vs: Float64Array;
  private head = 0;
  private count = 0;
  private inFlight = 0;
  private running = false;
  private closed = false;
  private flushing = 0;
  private deadlineHit = false;
  private timer: NodeJS.Timeout | null = null;
  private sleepCancel: (() => void) | null = null;
  private idleWaiters: (() => void)[] = [];
  private readonly st: QueueStats = {
    samplesSent: 0,
    samplesFailed: 0,
    samplesDropped: 0,
    samplesRetried: 0,
    samplesPending: 0,
    batchesSent: 0,
    bytesSent: 0,
    lastError: null,
    lastErrorAt: null,
    lastSendAt: null,
  };

  constructor(
    private readonly client: WriteClient,
    opts: QueueOptions = {},
  ) {
    this.capacity = Math.max(1, opts.capacity ?? 10_000);
    this.maxPerSend = Math.max(1, opts.maxSamplesPerSend ?? 2000);
    this.deadlineMs = opts.batchSendDeadlineMs ?? 5000;
    this.minBackoff = opts.minBackoffMs ?? 30;
    this.maxBackoff = opts.maxBackoffMs ?? 5000;
    this.ls = new Array<Labels | undefined>(this.capacity);
    this.ts = new Float64Array(this.capacity);
    this.vs = new Float64Array(this.capacity);
  }

  stats(): QueueStats {
    return { ...this.st, samplesPending: this.count + this.inFlight };
  }

  append(labels: Labels, t: number, v: number): void {
    if (this.closed) {
      this.st.samplesDropped++;
      return;
    }
    if (this.count === this.capacity) {
      // Full: the oldest sample goes, as Prometheus drops rather than block the appender.
      this.ls[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.count--;
      this.st.samplesDropped++;
    }
    const i = (this.head + this.count) % this.capacity;
    this.ls[i] = labels;
    this.ts[i] = t;
    this.vs[i] = v;
    this.count++;
    if (this.count >= this.maxPerSend) void this.pump();
    else this.armDeadline();
  }

  async flush(): Promise<void> {
    if (this.count === 0 && this.inFlight === 0) return;
    this.flushing++;
    try {
      const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      void this.pump();
      await idle;
    } finally {
      this.flushing--;
    }
  }

  /** Stops sending: pending samples are dropped (counted); a retry in progress is abandoned. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.sleepCancel?.();
    this.st.samplesDropped += this.count;
    this.ls.fill(undefined);
    this.count = 0;
    this.maybeIdle();
  }

  private armDeadline(): void {
    if (this.timer || this.closed || this.count === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.deadlineHit = true;
      void this.pump();
    }, this.deadlineMs);
    this.timer.unref?.();
  }

  private maybeIdle(): void {
    if (this.count === 0 && this.inFlight === 0 && !this.running) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of w) r();
    }
  }

  private take(n: number): PbTimeSeries[] {
    // Group the batch's samples by series (by label set), each series' samples in append order.
    const bySeries = new Map<string, PbTimeSeries>();
    const out: PbTimeSeries[] = [];
    for (let k = 0; k < n; k++) {
      const i = (this.head + k) % this.capacity;
      const labels = this.ls[i]!;
      const key = labelsKey(labels);
      let s = bySeries.get(key);
      if (!s) {
        s = { labels: labels as PbTimeSeries['labels'], samples: [] };
        bySeries.set(key, s);
        out.push(s);
      }
      s.samples.push({ value: this.vs[i]!, timestamp: this.ts[i]! });
      this.ls[i] = undefined;
    }
    this.head = (this.head + n) % this.capacity;
    this.count -= n;
    return out;
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (!this.closed && this.count > 0) {
        if (this.count < this.maxPerSend && !this.deadlineHit && this.flushing === 0) break;
        const n = Math.min(this.count, this.maxPerSend);
        const batch = this.take(n);
        if (this.count === 0) this.deadlineHit = false;
        this.inFlight = n;
        try {
          await this.send(batch, n);
        } finally {
          this.inFlight = 0;
        }
      }
    } finally {
      this.running = false;
      if (this.count === 0) this.deadlineHit = false;
      this.armDeadline();
      this.maybeIdle();
    }
  }

  private async send(batch: PbTimeSeries[], n: number): Promise<void> {
    const body = snappyEncode(encodeWriteRequest({ timeseries: batch }));
    let backoff = this.minBackoff;
    for (;;) {
      try {
        await this.client.store(body);
        this.st.samplesSent += n;
        this.st.batchesSent++;
        this.st.bytesSent += body.length;
        this.st.lastSendAt = Date.now();
        return;
      } catch (e) {
        this.st.lastError = (e as Error).message;
        this.st.lastErrorAt = Date.now();
        if (!(e instanceof RecoverableError) || this.closed) {
          this.st.samplesFailed += n;
          return;
        }
        await this.sleep(e.retryAfterMs ?? backoff);
        if (this.closed) {
          this.st.samplesFailed += n;
          return;
        }
        this.st.samplesRetried += n;
        backoff = Math.min(backoff * 2, this.maxBackoff);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.sleepCancel = () => {
        this.sleepCancel = null;
        done();
      };
    });
  }
}

/**
 * Wraps a storage so that every committed sample is also queued for remote write: what live
 * scrapes and rules store is what gets sent. Only accepted samples are teed, and only on commit
 * (a rollback sends nothing). Native histograms are stored but not sent (remote-write 1.0 here
 * carries floats only).
 */
export function teeAppendable(inner: Appendable, sink: SampleSink): Appendable {
  return {
    appender: () => {
      const a = inner.appender();
      const tee = new TeeAppender(a, sink);
      // Callers test for appendHistogram to know whether the storage takes native histograms.
      if (!a.appendHistogram) (tee as { appendHistogram?: unknown }).appendHistogram = undefined;
      return tee;
    },
  };
}

/**
 * A class, not an object of closures: one is made per scrape, and fresh closures each time make
 * V8 deoptimize and recompile the scrape loop's call sites over and over.
 */
class TeeAppender implements Appender {
  private ls: Labels[] = [];
  private ts: number[] = [];
  private vs = new Float64Array(64);
  constructor(
    private readonly a: Appender,
    private readonly sink: SampleSink,
  ) {}
  append(labels: Labels, t: number, v: number): AppendRejection | null {
    const r = this.a.append(labels, t, v);
    if (r === null) {
      if (this.ls.length === this.vs.length) {
        const next = new Float64Array(this.vs.length * 2);
        next.set(this.vs);
        this.vs = next;
      }
      this.vs[this.ls.length] = v;
      this.ls.push(labels);
      this.ts.push(t);
    }
    return r;
  }
  appendHistogram(labels: Labels, t: number, h: FloatHistogram): AppendRejection | null {
    return this.a.appendHistogram!(labels, t, h);
  }
  updateMetadata(metricFamily: string, meta: MetricMetadata): void {
    this.a.updateMetadata(metricFamily, meta);
  }
  async commit(): Promise<void> {
    await this.a.commit();
    for (let i = 0; i < this.ls.length; i++) this.sink.append(this.ls[i]!, this.ts[i]!, this.vs[i]!);
    this.ls = [];
    this.ts = [];
  }
  rollback(): void {
    this.a.rollback();
    this.ls = [];
    this.ts = [];
  }
}
