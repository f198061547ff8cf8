import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { globSync } from 'node:fs';

/**
 * `ProtobufWriter.writeString` of @opentelemetry/otlp-transformer scans each string for non-ASCII, then copies it
 * one char at a time in JavaScript. To measure what a native write would save, the bench makes patched copies of
 * the writer in its own temp dir and has a service load them in place of the installed ones (a `--require`
 * preload that redirects the resolution). The installed packages are never changed; nothing here ships.
 */
export type NativeWrite = 'encodeInto' | 'bufferWrite';

const bodies: Record<NativeWrite, string> = {
  // One native pass into the buffer; the 1-byte length placeholder is widened afterwards when the string is long.
  encodeInto: `writeString(str) {
		const at = this.startLengthDelimited();
		this._ensureCapacity(str.length * 3);
		const { written } = this._textEncoder.encodeInto(str, this._buffer.subarray(this.pos));
		this.pos += written;
		this.finishLengthDelimited(at, written);
	}`,
  // The byte length first (native), then Buffer's UTF-8 write into a view of the same memory.
  bufferWrite: `writeString(str) {
		const n = Buffer.byteLength(str, "utf8");
		this.writeVarint(n);
		this._ensureCapacity(n);
		if (this._nodeBuffer?.buffer !== this._buffer.buffer) this._nodeBuffer = Buffer.from(this._buffer.buffer, this._buffer.byteOffset, this._buffer.length);
		this.pos += this._nodeBuffer.utf8Write(str, this.pos, n);
	}`,
};

const writerFiles = () =>
  globSync('node_modules/**/@opentelemetry/otlp-transformer/dist/common/protobuf/protobuf-writer.cjs').map(
    (f) => join(process.cwd(), f),
  );

/** Writes the patched copies and the preload; returns the NODE_OPTIONS that make a service use them. */
export function nativeWriteString(tmpDir: string, kind: NativeWrite): string {
  const preload = join(tmpDir, `write-string-${kind}.cjs`);
  if (existsSync(preload)) return `--require ${preload}`;
  const redirects: Record<string, string> = {};
  writerFiles().forEach((original, i) => {
    const dir = join(tmpDir, `write-string-${kind}`, String(i));
    mkdirSync(join(dir, 'node_modules', '@opentelemetry'), { recursive: true });
    copyFileSync(join(dirname(original), 'utils.cjs'), join(dir, 'utils.cjs'));
    // The copy's one outside import, the same @opentelemetry/api instance as the original's.
    const entry = createRequire(original).resolve('@opentelemetry/api');
    const api = entry.slice(0, entry.lastIndexOf('/@opentelemetry/api/') + '/@opentelemetry/api'.length);
    symlinkSync(api, join(dir, 'node_modules', '@opentelemetry', 'api'));
    const source = readFileSync(original, 'utf8');
    const patched = source.replace(/writeString\(str\) \{[\s\S]*?\n\t\}\n\};/, `${bodies[kind]}\n};`);
    if (patched === source) throw new Error(`writeString not found in ${original}: the bench needs updating`);
    writeFileSync(join(dir, 'protobuf-writer.cjs'), patched);
    redirects[original] = join(dir, 'protobuf-writer.cjs');
  });
  writeFileSync(
    preload,
    `const Module = require('node:module');
const redirects = ${JSON.stringify(redirects)};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const found = resolve.apply(this, args);
  return redirects[found] ?? found;
};
`,
  );
  return `--require ${preload}`;
}

/**
 * The writer alone, in this process: µs to write `strings` (one request's span and log strings) with the
 * installed writeString and with each native one, best of several passes.
 */
export function writeStringMicros(tmpDir: string, strings: string[]): Record<string, number> {
  const original = writerFiles()[0];
  const load = createRequire(__filename);
  const writers: Record<string, new (size?: number) => { writeString(s: string): void }> = {
    installed: load(original).ProtobufWriter,
  };
  for (const kind of Object.keys(bodies) as NativeWrite[]) {
    nativeWriteString(tmpDir, kind);
    writers[kind] = load(join(tmpDir, `write-string-${kind}`, '0', 'protobuf-writer.cjs')).ProtobufWriter;
  }
  const passes = 20_000;
  const result: Record<string, number> = {};
  for (const [name, Writer] of Object.entries(writers)) {
    let best = Infinity;
    for (let round = 0; round < 5; round++) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < passes; i++) {
        const writer = new Writer(4096);
        for (const s of strings) writer.writeString(s);
      }
      best = Math.min(best, Number(process.hrtime.bigint() - started) / 1000 / passes);
    }
    result[name] = best;
  }
  return result;
}
