import http from 'node:http';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notification } from './payload.js';
import { isRetryable, NotifyError } from './receiver.js';
import { webhookReceiver } from './webhook-receiver.js';

const n: Notification = {
  receiver: 'r',
  groupKey: '{}:{alertname="A"}',
  groupLabels: { alertname: 'A' },
  externalURL: '',
  alerts: [{ status: 'firing', labels: { alertname: 'A' }, annotations: {}, startsAt: 0, endsAt: null, generatorURL: '', fingerprint: 'f' }],
};

describe('webhook receiver', () => {
  let server: http.Server;
  let base: string;
  const requests: { url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        requests.push({ url: req.url ?? '', headers: req.headers, body });
        const m = /^\/status\/(\d+)/.exec(req.url ?? '');
        if (req.url === '/hang') return; // never answers
        res.writeHead(m ? Number(m[1]) : 200).end(m ? 'nope' : 'ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('POSTs the version 4 message as JSON', async () => {
    const r = webhookReceiver({ url: `${base}/ok`, sendResolved: true, maxAlerts: 0, timeoutMs: 0 }, { index: 2 });
    expect(r.name).toBe('webhook[2]');
    await r.notify(n);
    const req = requests.find((x) => x.url === '/ok')!;
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toMatchObject({ version: '4', groupKey: n.groupKey, status: 'firing', truncatedAlerts: 0 });
  });

  it.each([
    [500, true],
    [503, true],
    [400, false],
    [404, false],
  ])('status %d fails, retryable: %s', async (status, retryable) => {
    const r = webhookReceiver({ url: `${base}/status/${status}`, sendResolved: true, maxAlerts: 0, timeoutMs: 0 });
    const err = await r.notify(n).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotifyError);
    expect((err as Error).message).toContain(`unexpected status code ${status}`);
    expect(isRetryable(err)).toBe(retryable);
  });

  it('sends URL credentials as basic auth', async () => {
    const u = new URL(`${base}/auth`);
    u.username = 'user';
    u.password = 'p@ss';
    await webhookReceiver({ url: u.toString(), sendResolved: true, maxAlerts: 0, timeoutMs: 0 }).notify(n);
    expect(requests.find((x) => x.url === '/auth')!.headers.authorization).toBe(`Basic ${Buffer.from('user:p@ss').toString('base64')}`);
  });

  it('a connection error is retryable and the URL password is not shown', async () => {
    const r = webhookReceiver({ url: 'http://user:secret@127.0.0.1:1/x', sendResolved: true, maxAlerts: 0, timeoutMs: 0 });
    const err = (await r.notify(n).catch((e: unknown) => e)) as NotifyError;
    expect(err.retryable).toBe(true);
    expect(err.message).not.toContain('secret');
  });

  it('gives up after its timeout', async () => {
    const r = webhookReceiver({ url: `${base}/hang`, sendResolved: true, maxAlerts: 0, timeoutMs: 200 });
    const err = (await r.notify(n).catch((e: unknown) => e)) as NotifyError;
    expect(err.message).toContain('configured webhook timeout reached');
    expect(err.retryable).toBe(true);
  });
});
