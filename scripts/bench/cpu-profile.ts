import { eventually } from '../../test/support/poll';
import type { RunningService } from '../../test/support/services';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
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

/** A function and where it lives: `writeString [@opentelemetry/otlp-transformer]`; V8's own work as itself. */
function functionOf(node: ProfileNode): string {
  const where = owner(node);
  return node.callFrame.url ? `${node.callFrame.functionName || '(anonymous)'} [${where}]` : where;
}

const v8Itself = /^\((garbage collector|program|idle|root)\)$/;

/** Self time in µs by `key` of each sample's node, idle time left out. A native function is named with its caller. */
export function selfTime(profile: CpuProfile, by: 'package' | 'function'): Map<string, number> {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parents = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node);
  const withCaller = (node: ProfileNode) => {
    const name = functionOf(node);
    const parent = parents.get(node.id);
    return node.callFrame.url || v8Itself.test(node.callFrame.functionName) || !parent
      ? name
      : `${name} < ${functionOf(parent)}`;
  };
  const key = by === 'package' ? owner : withCaller;
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const name = key(nodes.get(id)!);
    totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  totals.delete('((idle))');
  return totals;
}

/**
 * Profiles a service started with `--inspect=127.0.0.1:0` over `work` only, through the inspector protocol:
 * unlike `--cpu-prof`, neither the start-up (which telemetry lengthens) nor the warm-up is in the profile.
 */
export async function profileDuring<T>(
  service: RunningService,
  work: () => Promise<T>,
  intervalMicros = 250,
): Promise<{ profile: CpuProfile; result: T }> {
  const url = await eventually(
    () => service.lines.map((l) => /Debugger listening on (ws:\/\/\S+)/.exec(l)?.[1]).find(Boolean),
    `${service.name}'s inspector`,
    10_000,
  );
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  let next = 0;
  const pending = new Map<number, (result: any) => void>();
  socket.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  };
  const call = (method: string, params: object = {}) =>
    new Promise<any>((resolve) => {
      const id = ++next;
      pending.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: intervalMicros });
  await call('Profiler.start');
  const result = await work();
  const { profile } = (await call('Profiler.stop')) as { profile: CpuProfile };
  socket.close();
  return { profile, result };
}
