import { parseArgs } from 'node:util';
import { onHost } from '../host-env';

export type Scenario = 'chapter' | 'surge' | 'slow-tickets' | 'busy-tickets' | 'errors' | 'leak';

export interface TrafficOptions {
  users: number;
  intervalMs: number;
  concurrency: number;
  durationMs?: number;
  faults?: Partial<Record<'errorRate' | 'delayMs' | 'cpuMs' | 'leakMbPerSecond', number>> & {
    services: string[];
  };
  scenario: Scenario;
  urls: { user: string; queue: string; ticket: string; grafana: string };
}

export const usage = `Usage: docker compose run --rm traffic [users] [options]
       npm run traffic -- [users] [options]    (with Node on your machine)

  users                  how many users go through the flow (default 10, as in the chapter)
  --users N              the same, as a flag
  --interval T           time between two users starting: 1s (default), 250ms, 0
  --concurrency N        flows in flight at most (default: unlimited)
  --duration T           keep starting users until T has passed (e.g. 60s, 5m), ignoring --users
  --faults RATE          make every service answer RATE (0..1) of its requests with 503 during the run
  --delay MS             delay every service's requests by up to MS during the run
  --cpu MS               make every service burn up to MS of CPU per request during the run (a hot spot
                         in the profiles)
  --leak MB              make every service hold MB more memory each second during the run, until its
                         container is OOM-killed and restarted (0..64)
  --scenario NAME        chapter (default) | surge | slow-tickets | busy-tickets | errors | leak; the
                         fault flags then change its faults on its service (--scenario leak --leak 16)
  -h, --help             this text

Environment: USER_SERVICE_URL, QUEUE_SERVICE_URL, TICKET_SERVICE_URL (default localhost:3003/3001/3002),
GRAFANA_URL (default http://localhost:3000); on the host, the *_PORT variables of .env move those defaults. --faults, --delay, --cpu and --leak need FAULTS_ENABLED=true on the services.`;

export class UsageError extends Error {}

/** `1s`, `250ms`, `2m` or a bare number of seconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new UsageError(`${flag} must be a duration like 1s, 250ms or 2m (got "${text}")`);
  const unit = { ms: 1, s: 1000, m: 60_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm'];
  return Math.round(Number(match[1]) * unit);
}

function positiveInt(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`${flag} must be a whole number above 0 (got "${text}")`);
  return value;
}

const scenarios: Record<Scenario, Partial<TrafficOptions>> = {
  chapter: {},
  // Many users at once: the queue grows, the wait-time histogram fills.
  surge: { users: 200, intervalMs: 0 },
  // Ticket purchases slowed down: p95 rises and the latency exemplars point at slow traces.
  'slow-tickets': { users: 30, intervalMs: 200, faults: { delayMs: 1500, services: ['ticket-service'] } },
  // Ticket purchases burn CPU: the flame graph of ticket-service shows the function that does.
  'busy-tickets': { users: 60, intervalMs: 100, faults: { cpuMs: 40, services: ['ticket-service'] } },
  // A fifth of queue-service's requests fail: the 5xx ratio and the error traces show it.
  errors: { users: 30, intervalMs: 200, faults: { errorRate: 0.2, services: ['queue-service'] } },
  // ticket-service, which no other service calls, leaks until its container is OOM-killed and restarted:
  // the USE dashboard's memory climbs to the limit, then the OOM kill and the restart show.
  leak: { durationMs: 180_000, faults: { leakMbPerSecond: 2, services: ['ticket-service'] } },
};

/** The flags parseArgs accepts (the docs' test checks every flag they name against these). */
export const trafficFlags = {
  users: { type: 'string' },
  interval: { type: 'string' },
  concurrency: { type: 'string' },
  duration: { type: 'string' },
  faults: { type: 'string' },
  delay: { type: 'string' },
  cpu: { type: 'string' },
  leak: { type: 'string' },
  scenario: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): TrafficOptions | 'help' {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: trafficFlags });
  if (values.help) return 'help';
  if (positionals.length > 1)
    throw new UsageError(`expected at most one number of users, got: ${positionals.join(' ')}`);
  const scenario = (values.scenario ?? 'chapter') as Scenario;
  if (!(scenario in scenarios))
    throw new UsageError(`--scenario must be one of ${Object.keys(scenarios).join(', ')}`);
  const preset = scenarios[scenario];

  const usersText = values.users ?? positionals[0];
  let faults = preset.faults;
  const faultFlags = [values.faults, values.delay, values.cpu, values.leak];
  if (faultFlags.some((flag) => flag !== undefined)) {
    const errorRate = values.faults === undefined ? undefined : Number(values.faults);
    if (errorRate !== undefined && !(errorRate >= 0 && errorRate <= 1)) {
      throw new UsageError(`--faults must be a rate between 0 and 1 (got "${values.faults}")`);
    }
    const delayMs =
      values.delay === undefined
        ? undefined
        : /^\d+$/.test(values.delay)
          ? Number(values.delay)
          : parseDuration(values.delay, '--delay');
    const cpuMs = values.cpu === undefined ? undefined : Number(values.cpu);
    if (cpuMs !== undefined && !(Number.isInteger(cpuMs) && cpuMs >= 0 && cpuMs <= 10_000)) {
      throw new UsageError(`--cpu must be a whole number of milliseconds up to 10000 (got "${values.cpu}")`);
    }
    const leakMbPerSecond = values.leak === undefined ? undefined : Number(values.leak);
    if (
      leakMbPerSecond !== undefined &&
      !(Number.isInteger(leakMbPerSecond) && leakMbPerSecond >= 0 && leakMbPerSecond <= 64)
    ) {
      throw new UsageError(`--leak must be a whole number of MB a second up to 64 (got "${values.leak}")`);
    }
    // On a scenario, the flags change its faults on its services: `--scenario leak --leak 16` leaks faster.
    const flags = Object.entries({ errorRate, delayMs, cpuMs, leakMbPerSecond });
    faults = {
      services: ['user-service', 'queue-service', 'ticket-service'],
      ...preset.faults,
      ...Object.fromEntries(flags.filter(([, value]) => value !== undefined)),
    };
  }
  return {
    scenario,
    users: usersText === undefined ? (preset.users ?? 10) : positiveInt(usersText, 'users'),
    intervalMs:
      values.interval === undefined
        ? (preset.intervalMs ?? 1000)
        : parseDuration(values.interval, '--interval'),
    concurrency:
      values.concurrency === undefined ? Infinity : positiveInt(values.concurrency, '--concurrency'),
    durationMs:
      values.duration === undefined ? preset.durationMs : parseDuration(values.duration, '--duration'),
    faults,
    urls: {
      user: env.USER_SERVICE_URL || onHost(env, 'USER_SERVICE_PORT', 3003),
      queue: env.QUEUE_SERVICE_URL || onHost(env, 'QUEUE_SERVICE_PORT', 3001),
      ticket: env.TICKET_SERVICE_URL || onHost(env, 'TICKET_SERVICE_PORT', 3002),
      grafana: env.GRAFANA_URL || onHost(env, 'GRAFANA_PORT', 3000),
    },
  };
}
