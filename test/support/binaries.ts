import { spawn } from 'node:child_process';

/**
 * Runs a command without blocking this process' event loop (a build can take minutes on a cold, busy machine,
 * and Vitest's workers must still be answered meanwhile); its stderr shows, its stdout is the result.
 */
export function runAsync(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? code})`)),
    );
  });
}

/** Runs a build script (scripts/collector/build.sh, scripts/dev/promtool.sh), cached per machine; its binary's path. */
export const builtBinary = async (script: string): Promise<string> =>
  (await runAsync('bash', [script])).trim();
