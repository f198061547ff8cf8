import { execFile, ExecFileOptions, spawn } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Runs a command without blocking this process' event loop (a build can take minutes on a cold, busy machine,
 * and Vitest's workers must still be answered meanwhile); its stderr shows, its stdout is the result.
 */
export function runAsync(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
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

/** A command's exit code and output, also when it fails (execFile keeps the event loop free meanwhile). */
export async function outcome(
  command: string,
  args: string[],
  options: ExecFileOptions = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(command, args, { ...options, encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Runs a build script (scripts/collector/build.sh, scripts/dev/prometheus.sh), cached per machine; what it prints. */
export const builtBinary = async (script: string): Promise<string> =>
  (await runAsync('bash', [script])).trim();
