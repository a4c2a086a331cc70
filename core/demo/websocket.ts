// The server side of RFC 6455, as much as the API server's streaming endpoints need: the
// opening handshake with subprotocol negotiation, masked client frames (fragmented or not),
// ping/pong, close, and unmasked binary or text frames back.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket' && typeof req.headers['sec-websocket-key'] === 'string';
}

/** The subprotocols a client offered, in its order of preference. */
export function offeredProtocols(req: IncomingMessage): string[] {
  const h = req.headers['sec-websocket-protocol'];
  const raw = Array.isArray(h) ? h.join(',') : (h ?? '');
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export class WebSocketConnection extends EventEmitter {
  private buf: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;
  private closed = false;

  constructor(
    readonly socket: Duplex,
    readonly protocol: string,
  ) {
    super();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.finish());
    socket.on('error', () => this.finish());
  }

  /** Completes the handshake on `socket` and returns the connection. */
  static accept(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): WebSocketConnection {
    const key = String(req.headers['sec-websocket-key']);
    const accept = createHash('sha1').update(key + GUID).digest('base64');
    const lines = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`];
    if (protocol) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    const ws = new WebSocketConnection(socket, protocol);
    if (head.length > 0) ws.onData(head);
    return ws;
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (this.buf.length < 2) return;
      const b0 = this.buf[0]!;
      const b1 = this.buf[1]!;
      const fin = (b0 & 0x80) !== 0;
      const opcode = b0 & 0x0f;
      const masked = (b1 & 0x80) !== 0;
      let len = b1 & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.buf.length < 4) return;
        len = this.buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) return;
        len = Number(this.buf.readBigUInt64BE(2));
        off = 10;
      }
      const maskOff = off;
      if (masked) off += 4;
      if (this.buf.length < off + len) return;
      const payload = Buffer.from(this.buf.subarray(off, off + len));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= this.buf[maskOff + (i & 3)]!;
      this.buf = this.buf.subarray(off + len);
      this.onFrame(fin, opcode, payload);
    }
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode === 0x8) {
      if (!this.closed) this.writeFrame(0x8, payload.subarray(0, 2));
      this.socket.end();
      this.finish();
      return;
    }
    if (opcode === 0x9) return this.writeFrame(0xa, payload);
    if (opcode === 0xa) return;
    if (opcode === 0x0) {
      this.fragments.push(payload);
      if (!fin) return;
      const data = Buffer.concat(this.fragments);
      this.fragments = [];
      this.emit('message', data, this.fragmentOpcode === 0x2);
      return;
    }
    if (!fin) {
      this.fragmentOpcode = opcode;
      this.fragments = [payload];
      return;
    }
    this.emit('message', payload, opcode === 0x2);
  }

  private writeFrame(opcode: number, payload: Buffer): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    let header: Buffer;
    if (payload.length < 126) {
      header = Buffer.from([0x80 | opcode, payload.length]);
    } else if (payload.length < 65536) {
      header = Buffer.alloc(4);
      header[0] = 0x80 | opcode;
      header[1] = 126;
      header.writeUInt16BE(payload.length, 2);
    } else {
      header = Buffer.alloc(10);
      header[0] = 0x80 | opcode;
      header[1] = 127;
      header.writeBigUInt64BE(BigInt(payload.length), 2);
    }
    this.socket.write(Buffer.concat([header, payload]));
  }

  send(data: Buffer | string, binary = true): void {
    this.writeFrame(binary ? 0x2 : 0x1, typeof data === 'string' ? Buffer.from(data) : data);
  }

  /** Sends a close frame (1000 by default) and ends the connection. */
  close(code = 1000): void {
    if (this.closed) return;
    const b = Buffer.alloc(2);
    b.writeUInt16BE(code, 0);
    this.writeFrame(0x8, b);
    this.socket.end();
    this.finish();
  }
}
