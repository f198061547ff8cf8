// `npm run traffic -- [users] [options]`: the chapter's generate-traffic.sh, in TypeScript. See options.ts.
import { setTimeout as sleep } from 'node:timers/promises';
import { hostEnv } from '../host-env';
import { TrafficClient } from './client';
import { applyFaults } from './faults';
import { FlowOutcome, runFlow } from './flow';
import { parseOptions, TrafficOptions, usage, UsageError } from './options';
import { progress } from './progress';
import { report, scenarioHints } from './report';

/** One line per service that does not answer, naming the URL and what to start. */
async function unreachable(options: TrafficOptions): Promise<string[]> {
  const services = [
    ['user-service', options.urls.user, 'USER_SERVICE_URL'],
    ['queue-service', options.urls.queue, 'QUEUE_SERVICE_URL'],
    ['ticket-service', options.urls.ticket, 'TICKET_SERVICE_URL'],
  ];
  const problems = await Promise.all(
    services.map(async ([name, url, variable]) => {
      const answered = await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(3000) }).then(
        (r) => r.ok,
        () => false,
      );
      return answered
        ? undefined
        : `Cannot reach ${name} at ${url} (${variable}): start the stack with \`docker compose up -d\`.`;
    }),
  );
  return problems.filter((p): p is string => !!p);
}

async function main(): Promise<number> {
  let options: TrafficOptions;
  try {
    const parsed = parseOptions(process.argv.slice(2), hostEnv());
    if (parsed === 'help') {
      console.log(usage);
      return 0;
    }
    options = parsed;
  } catch (error) {
    if (!(error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')))
      throw error;
    console.error(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }

  const problems = await unreachable(options);
  if (problems.length) {
    problems.forEach((p) => console.error(p));
    return 1;
  }

  const stop = new AbortController();
  // `on`, not `once`: under `npm run` Ctrl-C reaches the tool twice (the terminal's, then tsx relays it), and a
  // second one left to Node's default would kill it before the faults are restored and the summary printed.
  process.on('SIGINT', () => stop.abort());
  let restoreFaults: () => Promise<void>;
  try {
    restoreFaults = await applyFaults(options);
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }

  const client = new TrafficClient(stop.signal);
  const bar = progress();
  const from = Date.now();
  const total = options.durationMs === undefined ? options.users : undefined;
  const outcomes: Record<FlowOutcome, number> = { ticket: 0, 'sold out': 0, failed: 0 };
  const inFlight = new Set<Promise<void>>();
  const ticker = setInterval(() => bar.update(done(), total, inFlight.size, outcomes.failed), 200);
  const done = () => outcomes.ticket + outcomes['sold out'] + outcomes.failed;
  console.log(
    `Sending ${total ?? 'users'} through register -> join -> admission -> ticket` +
      `${options.durationMs ? ` for ${options.durationMs / 1000}s` : ''}, ${options.intervalMs} ms apart (scenario: ${options.scenario})`,
  );

  try {
    for (let started = 0; !stop.signal.aborted; started++) {
      if (
        options.durationMs === undefined ? started >= options.users : Date.now() - from >= options.durationMs
      )
        break;
      while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
      const flow = runFlow(client, options.urls, stop.signal).then(
        (outcome) => void outcomes[outcome]++,
        () => void (stop.signal.aborted || outcomes.failed++),
      );
      inFlight.add(flow);
      void flow.finally(() => inFlight.delete(flow));
      if (options.intervalMs > 0)
        await sleep(options.intervalMs, undefined, { signal: stop.signal }).catch(() => undefined);
    }
    await Promise.all(inFlight);
  } finally {
    clearInterval(ticker);
    bar.update(done(), total, inFlight.size, outcomes.failed);
    bar.finish();
    await restoreFaults();
  }

  const elapsed = (Date.now() - from) / 1000;
  const cpu = process.cpuUsage();
  const range = { from: from - 60_000, to: Date.now() + 60_000 };
  if (stop.signal.aborted) console.log('Stopped by Ctrl-C: the summary covers what ran.');
  console.log(report(options, client.samples, outcomes.ticket, outcomes['sold out'], range));
  console.log(
    `\nTraffic tool: ${done()} flows in ${elapsed.toFixed(1)} s (${(done() / elapsed).toFixed(1)} flows/s), ` +
      `CPU ${(((cpu.user + cpu.system) / 1e6 / elapsed) * 100).toFixed(0)}% of one core`,
  );
  const hint = scenarioHints[options.scenario](options, range);
  if (hint) console.log(`\n${hint}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`traffic failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
