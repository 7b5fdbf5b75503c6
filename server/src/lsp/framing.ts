// A guard in front of the JSON-RPC reader on stdio. vscode-jsonrpc's reader
// stops reading for good when a header block has no Content-Length; this
// transform re-frames the input itself and drops such blocks (and absurd
// lengths), so a malformed message costs only itself. Bodies pass unchanged;
// invalid JSON inside a well-framed message is answered by the library.
import { Transform, TransformCallback } from 'stream';

const MAX_BODY = 256 * 1024 * 1024;
const MAX_HEADER = 64 * 1024;
const SEP = Buffer.from('\r\n\r\n');

export class FramingGuard extends Transform {
  private buf = Buffer.alloc(0);
  /** bytes of body still to pass through */
  private pending = 0;
  dropped = 0;

  constructor(private readonly log: (s: string) => void = () => undefined) { super(); }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (this.pending > 0) {
        const n = Math.min(this.pending, this.buf.length);
        if (n === 0) break;
        this.push(this.buf.subarray(0, n));
        this.buf = this.buf.subarray(n);
        this.pending -= n;
        continue;
      }
      const end = this.buf.indexOf(SEP);
      if (end < 0) {
        if (this.buf.length > MAX_HEADER) this.resync('header too long');
        break;
      }
      const header = this.buf.subarray(0, end).toString('ascii');
      const m = /(?:^|\r\n)Content-Length:\s*(\d+)\s*(?:\r\n|$)/i.exec(header);
      const len = m ? Number(m[1]) : NaN;
      if (!m) {
        // garbage glued in front of a real header (the body of a dropped message): skip to the header
        const at = header.search(/Content-Length:/i);
        if (at > 0) {
          this.dropped++;
          this.log(`lockorder: discarded ${at} bytes of input before a header`);
          this.buf = this.buf.subarray(at);
          continue;
        }
      }
      if (!Number.isFinite(len) || len > MAX_BODY) {
        this.dropped++;
        this.log(`lockorder: dropped a message with ${m ? `Content-Length ${m[1]}` : 'no Content-Length header'}`);
        this.buf = this.buf.subarray(end + SEP.length);
        continue;
      }
      this.push(this.buf.subarray(0, end + SEP.length));
      this.buf = this.buf.subarray(end + SEP.length);
      this.pending = len;
    }
    done();
  }

  /** Skip to the next thing that looks like a header start. */
  private resync(why: string): void {
    this.dropped++;
    const next = this.buf.indexOf('Content-Length:', 1);
    this.log(`lockorder: discarded ${next < 0 ? this.buf.length : next} bytes of input (${why})`);
    this.buf = next < 0 ? Buffer.alloc(0) : this.buf.subarray(next);
  }
}
