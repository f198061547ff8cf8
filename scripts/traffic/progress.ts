export interface Progress {
  update(done: number, total: number | undefined, inFlight: number, failed: number): void;
  finish(): void;
}

/** A bar redrawn in place on a terminal; a plain line every few seconds when stdout is a pipe or a file. */
export function progress(stream: NodeJS.WriteStream = process.stdout): Progress {
  let lastLine = 0;
  return {
    update(done, total, inFlight, failed) {
      const counts = `${done}${total ? `/${total}` : ''} flows done, ${inFlight} in flight, ${failed} failed`;
      if (stream.isTTY) {
        const width = 30;
        const filled = total ? Math.round((done / total) * width) : done % (width + 1);
        stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${counts}   `);
      } else if (Date.now() - lastLine > 2000) {
        lastLine = Date.now();
        stream.write(`${new Date().toISOString()} ${counts}\n`);
      }
    },
    finish() {
      if (stream.isTTY) stream.write('\n');
    },
  };
}
