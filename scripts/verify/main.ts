// `npm run verify [-- [--faults-on] [--traffic [traffic options]]]`: the chapter's checkpoints against the running
// stack, each PASS or FAIL (SKIP for one that nothing could be expected of).
import { spawnSync } from 'node:child_process';
import { basename, join } from 'node:path';
import { parseOptions } from '../traffic/options';
import { apps, CheckResult, Endpoints, FaultsOn, runChecks } from './checks';
import { slowServers } from './http';
import { settleFromEnv } from './settle';
import { hostEnv, onHost } from '../host-env';

export function endpoints(env: NodeJS.ProcessEnv): Endpoints {
  return {
    prometheus: env.PROMETHEUS_URL || onHost(env, 'PROMETHEUS_PORT', 9090),
    loki: env.LOKI_URL || onHost(env, 'LOKI_PORT', 3100),
    tempo: env.TEMPO_URL || onHost(env, 'TEMPO_PORT', 3200),
    pyroscope:
      env.PYROSCOPE_URL === 'off' ? undefined : env.PYROSCOPE_URL || onHost(env, 'PYROSCOPE_PORT', 4040),
    grafana: env.GRAFANA_URL || onHost(env, 'GRAFANA_PORT', 3000),
    users: env.USER_SERVICE_URL || onHost(env, 'USER_SERVICE_PORT', 3003),
    grafanaAuth:
      env.GRAFANA_USER && env.GRAFANA_PASSWORD
        ? `Basic ${Buffer.from(`${env.GRAFANA_USER}:${env.GRAFANA_PASSWORD}`).toString('base64')}`
        : undefined,
  };
}

export function format(result: CheckResult, colour: boolean): string {
  const [mark, code] = result.notChecked ? ['SKIP', 33] : result.ok ? ['PASS', 32] : ['FAIL', 31];
  return [
    `${colour ? `\x1b[${code}m${mark}\x1b[0m` : mark} ${result.name}`,
    `     ${result.detail}`,
    ...(result.link ? [`     ${result.link}`] : []),
  ].join('\n');
}

/**
 * Inside compose, verify asks Grafana at http://grafana:3000, a name only the compose network knows; its links
 * are for the host's browser, so GRAFANA_PUBLIC_URL (when set) replaces that address at the start of a link.
 */
export function publicLink(result: CheckResult, grafana: string, env: NodeJS.ProcessEnv): CheckResult {
  const base = env.GRAFANA_PUBLIC_URL;
  if (!base || !result.link?.startsWith(grafana)) return result;
  return { ...result, link: base.replace(/\/$/, '') + result.link.slice(grafana.length) };
}

/** The flags verify takes before `--traffic` (the docs' test checks every flag they name against these). */
export const verifyFlags = {
  traffic: { type: 'boolean' },
  'faults-on': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const chapterTraffic = ['10', '--interval', '200ms'];

export interface VerifyArgs {
  help: boolean;
  /** The traffic tool's arguments when verify runs it first: all that follows `--traffic`. */
  traffic?: string[];
  faultsOn: boolean;
}

export function parseVerifyArgs(args: string[]): VerifyArgs {
  const at = args.indexOf('--traffic');
  const own = at < 0 ? args : args.slice(0, at);
  const known = Object.entries(verifyFlags).flatMap(([name, flag]) =>
    'short' in flag ? [`--${name}`, `-${flag.short}`] : [`--${name}`],
  );
  const unknown = own.filter((a) => !known.includes(a));
  if (unknown.length) throw new Error(`unknown option ${unknown[0]}\n\n${usage}`);
  const traffic = at < 0 ? undefined : args.slice(at + 1);
  return {
    help: own.includes('-h') || own.includes('--help'),
    traffic: traffic && (traffic.length ? traffic : chapterTraffic),
    faultsOn: own.includes('--faults-on'),
  };
}

/**
 * Which error faults were on in the last traffic, as far as verify can know: those of the traffic it ran
 * itself (the traffic tool's own options say), or every service's when the caller says so with --faults-on.
 */
export function knownFaults(args: VerifyArgs, env: NodeJS.ProcessEnv): FaultsOn | undefined {
  if (args.faultsOn) return { services: apps, by: '--faults-on' };
  if (!args.traffic) return undefined;
  const options = parseOptions(args.traffic, env);
  const faults = options === 'help' ? undefined : options.faults;
  return faults?.errorRate
    ? { services: faults.services, by: `verify's traffic: ${args.traffic.join(' ')}` }
    : undefined;
}

const usage = `Usage: docker compose run --rm verify [--faults-on] [--traffic [traffic options]]
       npm run verify -- [--faults-on] [--traffic [traffic options]]    (with Node on your machine)

  --traffic    run traffic first, with the options that follow (default: ${chapterTraffic.join(' ')});
               with error faults in them (--faults RATE, --scenario errors) the 5xx query must find errors
  --faults-on  the last traffic ran with error faults: the 5xx query must find errors

Checks that fail while the last traffic is younger than VERIFY_WAIT_SECONDS (30) are retried until then.
Environment: PROMETHEUS_URL, LOKI_URL, TEMPO_URL, PYROSCOPE_URL, GRAFANA_URL, USER_SERVICE_URL (defaults: localhost 9090, 3100, 3200, 4040, 3000, 3003, or the *_PORT variables of .env on the host); GRAFANA_PUBLIC_URL, the Grafana its links open (default GRAFANA_URL); PYROSCOPE_URL=off skips the profile checks; GRAFANA_USER and GRAFANA_PASSWORD log in to a Grafana that asks`;

async function main(): Promise<number> {
  const args = parseVerifyArgs(process.argv.slice(2));
  if (args.help) {
    console.log(usage);
    return 0;
  }
  if (args.traffic) {
    // The traffic tool beside this one, as this one runs: from source under tsx (its loader is in execArgv),
    // or bundled into the tools image (compose/Dockerfile), where traffic/main.js lies beside verify/main.js.
    const entry = join(__dirname, '..', 'traffic', basename(__filename));
    const traffic = spawnSync(process.execPath, [...process.execArgv, entry, ...args.traffic], {
      stdio: 'inherit',
    });
    if (traffic.status !== 0) return 1;
  }
  const env = hostEnv();
  const settle = settleFromEnv(env, (message) => console.error(message));
  const e = endpoints(env);
  const results = (await runChecks(e, settle, knownFaults(args, env))).map((result) =>
    publicLink(result, e.grafana, env),
  );
  const colour = process.stdout.isTTY;
  for (const result of results) console.log(format(result, colour));
  for (const [server, ms] of slowServers())
    console.log(
      `\nSlow: ${server} took ${(ms / 1000).toFixed(1)} s to answer (up, but slow; still starting?)`,
    );
  const failed = results.filter((r) => !r.ok).length;
  const notChecked = results.filter((r) => r.notChecked).length;
  console.log(
    `\n${results.length - failed - notChecked} passed, ${failed} failed${notChecked ? `, ${notChecked} not checked` : ''}`,
  );
  return failed ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(error.message);
      process.exit(2);
    },
  );
}
