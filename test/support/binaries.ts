import { execFileSync } from 'node:child_process';

/** Runs a build script (scripts/collector/build.sh, scripts/dev/promtool.sh), cached per machine; its binary's path. */
export const builtBinary = (script: string): string =>
  execFileSync('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'] })
    .toString()
    .trim();
