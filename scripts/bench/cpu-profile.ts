import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a sample's time goes: its npm package, a Node.js internal module, our build, or V8's own work. */
function owner({ callFrame: { url, functionName } }: ProfileNode): string {
  if (!url) return `(${functionName || 'native'})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  return url.includes('/dist/') ? 'our code' : url;
}

/**
 * Self time by owner in the newest .cpuprofile of `dir` (written by `node --cpu-prof`), busiest first, as a share
 * of the busy time and as µs per request over `requests`.
 */
export function profileShares(dir: string, requests: number) {
  const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort().at(-1);
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byOwner = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const name = owner(nodes.get(id)!);
    byOwner.set(name, (byOwner.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  byOwner.delete('((idle))');
  const busy = [...byOwner.values()].reduce((a, b) => a + b, 0);
  return [...byOwner]
    .sort((a, b) => b[1] - a[1])
    .map(([name, micros]) => ({ name, share: micros / busy, microsPerRequest: micros / requests }));
}
