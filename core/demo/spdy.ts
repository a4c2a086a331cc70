// The server side of SPDY/3.1 as Kubernetes' httpstream (moby/spdystream) speaks it: control
// frames (SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE) and data
// frames over any byte stream — an upgraded HTTP connection, or a WebSocket tunnel carrying
// the same bytes. Header blocks are zlib with SPDY's dictionary; the client's are inflated
// from one continuous stream, ours are written as stored (uncompressed) deflate blocks each
// followed by an empty one, as a sync flush would leave them. spdystream does no flow control,
// so neither do we.
import { EventEmitter } from 'node:events';
import { constants, inflateSync } from 'node:zlib';

const DICTIONARY = Buffer.from(
  'AAAAB29wdGlvbnMAAAAEaGVhZAAAAARwb3N0AAAAA3B1dAAAAAZkZWxldGUAAAAFdHJhY2UAAAAGYWNjZXB0AAAADmFjY2VwdC1jaGFyc2V0AAAAD2FjY2VwdC1lbmNvZGluZwAAAA9hY2NlcHQtbGFuZ3VhZ2UAAAANYWNjZXB0LXJhbmdlcwAAAANhZ2UAAAAFYWxsb3cAAAANYXV0aG9yaXphdGlvbgAAAA1jYWNoZS1jb250cm9sAAAACmNvbm5lY3Rpb24AAAAMY29udGVudC1iYXNlAAAAEGNvbnRlbnQtZW5jb2RpbmcAAAAQY29udGVudC1sYW5ndWFnZQAAAA5jb250ZW50LWxlbmd0aAAAABBjb250ZW50LWxvY2F0aW9uAAAAC2NvbnRlbnQtbWQ1AAAADWNvbnRlbnQtcmFuZ2UAAAAMY29udGVudC10eXBlAAAABGRhdGUAAAAEZXRhZwAAAAZleHBlY3QAAAAHZXhwaXJlcwAAAARmcm9tAAAABGhvc3QAAAAIaWYtbWF0Y2gAAAARaWYtbW9kaWZpZWQtc2luY2UAAAANaWYtbm9uZS1tYXRjaAAAAAhpZi1yYW5nZQAAABNpZi11bm1vZGlmaWVkLXNpbmNlAAAADWxhc3QtbW9kaWZpZWQAAAAIbG9jYXRpb24AAAAMbWF4LWZvcndhcmRzAAAABnByYWdtYQAAABJwcm94eS1hdXRoZW50aWNhdGUAAAATcHJveHktYXV0aG9yaXphdGlvbgAAAAVyYW5nZQAAAAdyZWZlcmVyAAAAC3JldHJ5LWFmdGVyAAAABnNlcnZlcgAAAAJ0ZQAAAAd0cmFpbGVyAAAAEXRyYW5zZmVyLWVuY29kaW5nAAAAB3VwZ3JhZGUAAAAKdXNlci1hZ2VudAAAAAR2YXJ5AAAAA3ZpYQAAAAd3YXJuaW5nAAAAEHd3dy1hdXRoZW50aWNhdGUAAAAGbWV0aG9kAAAAA2dldAAAAAZzdGF0dXMAAAAGMjAwIE9LAAAAB3ZlcnNpb24AAAAISFRUUC8xLjEAAAADdXJsAAAABnB1YmxpYwAAAApzZXQtY29va2llAAAACmtlZXAtYWxpdmUAAAAGb3JpZ2luMTAwMTAxMjAxMjAyMjA1MjA2MzAwMzAyMzAzMzA0MzA1MzA2MzA3NDAyNDA1NDA2NDA3NDA4NDA5NDEwNDExNDEyNDEzNDE0NDE1NDE2NDE3NTAyNTA0NTA1MjAzIE5vbi1BdXRob3JpdGF0aXZlIEluZm9ybWF0aW9uMjA0IE5vIENvbnRlbnQzMDEgTW92ZWQgUGVybWFuZW50bHk0MDAgQmFkIFJlcXVlc3Q0MDEgVW5hdXRob3JpemVkNDAzIEZvcmJpZGRlbjQwNCBOb3QgRm91bmQ1MDAgSW50ZXJuYWwgU2VydmVyIEVycm9yNTAxIE5vdCBJbXBsZW1lbnRlZDUwMyBTZXJ2aWNlIFVuYXZhaWxhYmxlSmFuIEZlYiBNYXIgQXByIE1heSBKdW4gSnVsIEF1ZyBTZXB0IE9jdCBOb3YgRGVjIDAwOjAwOjAwIE1vbiwgVHVlLCBXZWQsIFRodSwgRnJpLCBTYXQsIFN1biwgR01UY2h1bmtlZCx0ZXh0L2h0bWwsaW1hZ2UvcG5nLGltYWdlL2pwZyxpbWFnZS9naWYsYXBwbGljYXRpb24veG1sLGFwcGxpY2F0aW9uL3hodG1sK3htbCx0ZXh0L3BsYWluLHRleHQvamF2YXNjcmlwdCxwdWJsaWNwcml2YXRlbWF4LWFnZT1nemlwLGRlZmxhdGUsc2RjaGNoYXJzZXQ9dXRmLThjaGFyc2V0PWlzby04ODU5LTEsdXRmLSwqLGVucT0wLg==',
  'base64',
);
/** adler32 of the dictionary, the DICTID of a zlib stream that uses it. */
const DICT_ID = 0xe3c6a7c2;

const VERSION = 3;
const SYN_STREAM = 1;
const SYN_REPLY = 2;
const RST_STREAM = 3;
const SETTINGS = 4;
const PING = 6;
const GOAWAY = 7;
const HEADERS = 8;
const WINDOW_UPDATE = 9;
const FLAG_FIN = 0x01;
const MAX_DATA = 32 * 1024;

/** RST_STREAM status codes. */
export const RST = { PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, CANCEL: 5, INTERNAL_ERROR: 6 } as const;

function encodeHeaderBlock(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  const entries = Object.entries(headers);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(entries.length, 0);
  parts.push(count);
  for (const [k, v] of entries) {
    const name = Buffer.from(k.toLowerCase());
    const value = Buffer.from(v);
    const nl = Buffer.alloc(4);
    nl.writeUInt32BE(name.length, 0);
    const vl = Buffer.alloc(4);
    vl.writeUInt32BE(value.length, 0);
    parts.push(nl, name, vl, value);
  }
  return Buffer.concat(parts);
}

function decodeHeaderBlock(b: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let off = 0;
  const n = b.readUInt32BE(off);
  off += 4;
  for (let i = 0; i < n; i++) {
    const nl = b.readUInt32BE(off);
    off += 4;
    const name = b.subarray(off, off + nl).toString('utf8');
    off += nl;
    const vl = b.readUInt32BE(off);
    off += 4;
    // Several values of one header are separated by NULs; the first is what httpstream reads.
    out.set(name, b.subarray(off, off + vl).toString('utf8').split('\0')[0]!);
    off += vl;
  }
  return out;
}

export class SpdyStream extends EventEmitter {
  /** We sent FIN. */
  localClosed = false;
  /** The client sent FIN. */
  remoteClosed = false;
  reset = false;

  constructor(
    private readonly conn: SpdyConnection,
    readonly id: number,
    readonly headers: Map<string, string>,
  ) {
    super();
  }

  write(data: Buffer | string): void {
    if (this.localClosed || this.reset) return;
    const b = typeof data === 'string' ? Buffer.from(data) : data;
    for (let i = 0; i < b.length; i += MAX_DATA) this.conn.writeData(this.id, b.subarray(i, i + MAX_DATA), 0);
  }

  /** Half-closes our side (an empty DATA frame with FIN). */
  end(): void {
    if (this.localClosed || this.reset) return;
    this.localClosed = true;
    this.conn.writeData(this.id, Buffer.alloc(0), FLAG_FIN);
    this.conn.maybeForget(this);
  }

  rst(status: number = RST.CANCEL): void {
    if (this.reset) return;
    this.reset = true;
    this.conn.writeRst(this.id, status);
    this.conn.maybeForget(this, true);
  }
}

/**
 * A SPDY/3.1 session, server side. Feed it the client's bytes; it calls `write` with ours and
 * emits 'stream' for each stream the client opens (after replying to it), 'close' at the end.
 */
export class SpdyConnection extends EventEmitter {
  private buf: Buffer = Buffer.alloc(0);
  private readonly streams = new Map<number, SpdyStream>();
  private inflateInput: Buffer = Buffer.alloc(0);
  private inflatedLength = 0;
  private deflateStarted = false;
  private closed = false;

  constructor(private readonly out: { write(b: Buffer): void; end(): void }) {
    super();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  feed(chunk: Buffer): void {
    if (this.closed) return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    try {
      while (this.buf.length >= 8) {
        const length = this.buf.readUIntBE(5, 3);
        if (this.buf.length < 8 + length) return;
        const frame = this.buf.subarray(0, 8 + length);
        this.buf = this.buf.subarray(8 + length);
        if (frame[0]! & 0x80) this.onControl(frame);
        else this.onData(frame);
      }
    } catch (err) {
      this.emit('error', err);
      this.close();
    }
  }

  private headerBlock(compressed: Buffer): Map<string, string> {
    // One zlib stream runs through all of the client's header blocks, each ended by a sync flush.
    this.inflateInput = Buffer.concat([this.inflateInput, compressed]);
    const all = inflateSync(this.inflateInput, { dictionary: DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH });
    const block = all.subarray(this.inflatedLength);
    this.inflatedLength = all.length;
    return decodeHeaderBlock(block);
  }

  private onControl(frame: Buffer): void {
    const version = frame.readUInt16BE(0) & 0x7fff;
    const type = frame.readUInt16BE(2);
    const flags = frame[4]!;
    const body = frame.subarray(8);
    if (version !== VERSION) throw new Error(`SPDY version ${version} is not supported`);
    switch (type) {
      case SYN_STREAM: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        const headers = this.headerBlock(body.subarray(10));
        const stream = new SpdyStream(this, id, headers);
        this.streams.set(id, stream);
        // httpstream's server replies to every stream it accepts at once, with no headers.
        this.writeControl(SYN_REPLY, 0, Buffer.concat([u32(id), this.compress(encodeHeaderBlock({}))]));
        if (flags & FLAG_FIN) stream.remoteClosed = true;
        this.emit('stream', stream);
        if (flags & FLAG_FIN) stream.emit('end');
        return;
      }
      case RST_STREAM: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        const s = this.streams.get(id);
        if (s) {
          s.reset = true;
          this.streams.delete(id);
          s.emit('reset', body.readUInt32BE(4));
        }
        return;
      }
      case PING:
        // A ping the client sent (odd id) is echoed back as is.
        this.out.write(Buffer.from(frame));
        return;
      case GOAWAY:
        this.close();
        return;
      case HEADERS:
        this.headerBlock(body.subarray(4));
        return;
      case SYN_REPLY:
        this.headerBlock(body.subarray(4));
        return;
      case SETTINGS:
      case WINDOW_UPDATE:
      default:
        return;
    }
  }

  private onData(frame: Buffer): void {
    const id = frame.readUInt32BE(0) & 0x7fffffff;
    const flags = frame[4]!;
    const s = this.streams.get(id);
    if (!s) {
      this.writeRst(id, RST.INVALID_STREAM);
      return;
    }
    const data = frame.subarray(8);
    if (data.length > 0) s.emit('data', Buffer.from(data));
    if (flags & FLAG_FIN) {
      s.remoteClosed = true;
      s.emit('end');
      this.maybeForget(s);
    }
  }

  /** A header block as a stored (uncompressed) deflate block of the session's zlib stream. */
  private compress(block: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.deflateStarted) {
      this.deflateStarted = true;
      // CMF 0x78 (deflate, 32K window), FLG with FDICT set and FCHECK making it a multiple of 31.
      parts.push(Buffer.from([0x78, 0x20]), u32(DICT_ID));
    }
    const head = Buffer.alloc(5);
    head[0] = 0x00;
    head.writeUInt16LE(block.length, 1);
    head.writeUInt16LE(~block.length & 0xffff, 3);
    // Then an empty stored block, as a sync flush ends with: Go's flate reader hands out what a
    // stored block held only when the next block starts, and that must be in this frame.
    parts.push(head, block, Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]));
    return Buffer.concat(parts);
  }

  private writeControl(type: number, flags: number, body: Buffer): void {
    if (this.closed) return;
    const h = Buffer.alloc(8);
    h.writeUInt16BE(0x8000 | VERSION, 0);
    h.writeUInt16BE(type, 2);
    h[4] = flags;
    h.writeUIntBE(body.length, 5, 3);
    this.out.write(Buffer.concat([h, body]));
  }

  writeData(id: number, data: Buffer, flags: number): void {
    if (this.closed) return;
    const h = Buffer.alloc(8);
    h.writeUInt32BE(id & 0x7fffffff, 0);
    h[4] = flags;
    h.writeUIntBE(data.length, 5, 3);
    this.out.write(data.length ? Buffer.concat([h, data]) : h);
  }

  writeRst(id: number, status: number): void {
    this.writeControl(RST_STREAM, 0, Buffer.concat([u32(id), u32(status)]));
  }

  maybeForget(s: SpdyStream, force = false): void {
    if (force || (s.localClosed && s.remoteClosed)) this.streams.delete(s.id);
  }

  /** Ends the session (GOAWAY, then the transport). */
  close(): void {
    if (this.closed) return;
    this.writeControl(GOAWAY, 0, Buffer.concat([u32(0), u32(0)]));
    this.closed = true;
    for (const s of this.streams.values()) s.emit('reset', RST.CANCEL);
    this.streams.clear();
    this.out.end();
    this.emit('close');
  }

  /** The transport went away. */
  lost(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.emit('reset', RST.CANCEL);
    this.streams.clear();
    this.emit('close');
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}
