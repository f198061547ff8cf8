const MiB = 1024 * 1024;
const TICKS_PER_SECOND = 10;
// The process's start, to tell a replica that ran when the leak was switched on from one started after it.
const startedAt = Date.now() - process.uptime() * 1000;

/**
 * Memory held on purpose, for the sandbox's leak fault: `mbPerSecond` MiB a second of buffers that are written
 * (so that the pages are really resident) and never released, until the container's memory limit has the
 * kernel kill the process. Buffers live outside the V8 heap, so `--max-old-space-size` does not stop it first.
 * A process started after the leak was switched on (the one the restart brought back) does not leak: it comes
 * back healthy, as a fixed release would.
 */
export class MemoryLeakOnPurpose {
  private readonly held: Buffer[] = [];
  private timer?: NodeJS.Timeout;

  get heldBytes(): number {
    return this.held.reduce((sum, buffer) => sum + buffer.length, 0);
  }

  apply(mbPerSecond: number, switchedOnAt: number): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (mbPerSecond <= 0 || startedAt > switchedOnAt) {
      this.held.length = 0;
      return;
    }
    const bytes = Math.round((mbPerSecond * MiB) / TICKS_PER_SECOND);
    this.timer = setInterval(() => this.leakMemoryOnPurpose(bytes), 1000 / TICKS_PER_SECOND);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  // Named to be read in a heap profile.
  private leakMemoryOnPurpose(bytes: number): void {
    this.held.push(Buffer.allocUnsafe(bytes).fill(this.held.length & 0xff));
  }
}
