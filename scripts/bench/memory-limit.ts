import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A memory cgroup with a limit, as Docker makes one for a container's mem_limit: what runs in it sees the
 * limit (process.constrainedMemory(), from which Node 24 sizes its heap) and is OOM-killed past it. cgroup v1's
 * memory controller or cgroup v2's, whichever this machine has; needs root.
 */
export class MemoryCgroup {
  readonly path: string;
  private readonly v2: boolean;

  constructor(
    name: string,
    readonly limitBytes: number,
  ) {
    const v1 = '/sys/fs/cgroup/memory';
    this.v2 = !existsSync(v1);
    this.path = join(this.v2 ? '/sys/fs/cgroup' : v1, name);
    mkdirSync(this.path, { recursive: true });
    writeFileSync(join(this.path, this.v2 ? 'memory.max' : 'memory.limit_in_bytes'), String(limitBytes));
    if (!this.v2) writeFileSync(join(this.path, 'memory.max_usage_in_bytes'), '0');
  }

  /** `sh -c` arguments that join the cgroup, then exec `command`. */
  private inside(command: string, args: string[]): string[] {
    const quoted = [command, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    return ['-c', `echo $$ > ${join(this.path, 'cgroup.procs')} && exec ${quoted}`];
  }

  /** Starts `command` inside the cgroup. */
  spawn(command: string, args: string[], env: NodeJS.ProcessEnv) {
    return spawn('sh', this.inside(command, args), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Runs `command` inside the cgroup to its end; its stdout. */
  run(command: string, args: string[]): string {
    return execFileSync('sh', this.inside(command, args), { encoding: 'utf8' });
  }

  /** The most the cgroup ever used, and how often the kernel killed something in it for memory. */
  usage(): { peakBytes: number; oomKills: number } {
    const read = (file: string) => readFileSync(join(this.path, file), 'utf8');
    if (this.v2) {
      const kills = /oom_kill (\d+)/.exec(read('memory.events'))?.[1];
      const peak = existsSync(join(this.path, 'memory.peak')) ? read('memory.peak') : read('memory.current');
      return { peakBytes: Number(peak), oomKills: Number(kills ?? 0) };
    }
    const kills = /oom_kill (\d+)/.exec(read('memory.oom_control'))?.[1];
    return { peakBytes: Number(read('memory.max_usage_in_bytes')), oomKills: Number(kills ?? 0) };
  }

  remove(): void {
    rmdirSync(this.path);
  }
}
