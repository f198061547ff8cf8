// `npm run verify [-- --traffic]`: the chapter's checkpoints against the running stack, each PASS or FAIL.
import { spawnSync } from 'node:child_process';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { CheckResult, Endpoints, runChecks } from './checks';
import { slowServers } from './http';
import { settleFromEnv } from './settle';

export function endpoints(env: NodeJS.ProcessEnv): Endpoints {
  return {
    prometheus: env.PROMETHEUS_URL || 'http://localhost:9090',
    loki: env.LOKI_URL || 'http://localhost:3100',
    tempo: env.TEMPO_URL || 'http://localhost:3200',
    pyroscope: env.PYROSCOPE_URL === 'off' ? undefined : env.PYROSCOPE_URL || 'http://localhost:4040',
    grafana: env.GRAFANA_URL || 'http://localhost:3000',
    grafanaAuth:
      env.GRAFANA_USER && env.GRAFANA_PASSWORD
        ? `Basic ${Buffer.from(`${env.GRAFANA_USER}:${env.GRAFANA_PASSWORD}`).toString('base64')}`
        : undefined,
  };
}

export function format(result: CheckResult, colour: boolean): string {
  const mark = result.ok
    ? colour
      ? '\x1b[32mPASS\x1b[0m'
      : 'PASS'
    : colour
      ? '\x1b[31mFAIL\x1b[0m'
      : 'FAIL';
  return [
    `${mark} ${result.name}`,
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

/** The flags verify accepts (the docs' test checks every flag they name against these). */
export const verifyFlags = {
  traffic: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function main(): Promise<number> {
  const { values: args } = parseArgs({ args: process.argv.slice(2), options: verifyFlags });
  if (args.help) {
    console.log(
      'Usage: npm run verify [-- --traffic]\n\n  --traffic   run 10 users through the flow first\n\nChecks that fail while the last traffic is younger than VERIFY_WAIT_SECONDS (30) are retried until then.\nEnvironment: PROMETHEUS_URL, LOKI_URL, TEMPO_URL, PYROSCOPE_URL, GRAFANA_URL (defaults: localhost 9090, 3100, 3200, 4040, 3000); GRAFANA_PUBLIC_URL, the Grafana its links open (default GRAFANA_URL); PYROSCOPE_URL=off skips the profile checks; GRAFANA_USER and GRAFANA_PASSWORD log in to a Grafana that asks',
    );
    return 0;
  }
  if (args.traffic) {
    // The traffic tool beside this one, as this one runs: from source under tsx (its loader is in execArgv),
    // or bundled into the tools image (compose/Dockerfile), where traffic/main.js lies beside verify/main.js.
    const entry = join(__dirname, '..', 'traffic', basename(__filename));
    const traffic = spawnSync(process.execPath, [...process.execArgv, entry, '10', '--interval', '200ms'], {
      stdio: 'inherit',
    });
    if (traffic.status !== 0) return 1;
  }
  const settle = settleFromEnv(process.env, (message) => console.error(message));
  const e = endpoints(process.env);
  const results = (await runChecks(e, settle)).map((result) => publicLink(result, e.grafana, process.env));
  const colour = process.stdout.isTTY;
  for (const result of results) console.log(format(result, colour));
  for (const [server, ms] of slowServers())
    console.log(
      `\nSlow: ${server} took ${(ms / 1000).toFixed(1)} s to answer (up, but slow; still starting?)`,
    );
  const failed = results.filter((r) => !r.ok).length;
  console.log(`\n${results.length - failed} passed, ${failed} failed`);
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
