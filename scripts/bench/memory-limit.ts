import { spawn } from 'node:child_process';
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

  constructor(name: string, limitBytes: number) {
    const v1 = '/sys/fs/cgroup/memory';
    this.v2 = !existsSync(v1);
    this.path = join(this.v2 ? '/sys/fs/cgroup' : v1, name);
    mkdirSync(this.path, { recursive: true });
    writeFileSync(join(this.path, this.v2 ? 'memory.max' : 'memory.limit_in_bytes'), String(limitBytes));
    if (!this.v2) writeFileSync(join(this.path, 'memory.max_usage_in_bytes'), '0');
  }

  /** Starts `command` inside the cgroup: a shell joins it, then execs the command. */
  spawn(command: string, args: string[], env: NodeJS.ProcessEnv) {
    const quoted = [command, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    const script = `echo $$ > ${join(this.path, 'cgroup.procs')} && exec ${quoted}`;
    return spawn('sh', ['-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
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
