import { time } from '@datadog/pprof';
import Pyroscope from '@pyroscope/nodejs';
import { subscribe } from 'node:diagnostics_channel';
import { reportTelemetry } from './export-hold';
import type { TelemetryEnv } from './telemetry-env';

let running = false;

interface UndiciRequest {
  origin: string;
  path: string;
}

/**
 * The SDK uploads with fetch and tells a failure only to its `debug` logger; undici's diagnostics channels show
 * every upload's outcome, so an outage is said once when it starts and once when it ends, as for spans and logs.
 */
function reportOutages(origin: string): void {
  let failing = false;
  const outcome = (request: UndiciRequest, ok: boolean, reason: string) => {
    if (request.origin !== origin || !request.path.startsWith('/ingest')) return;
    if (ok && failing) reportTelemetry('info', 'Uploading profiles works again');
    if (!ok && !failing)
      reportTelemetry('warn', 'Cannot upload profiles; dropping them until Pyroscope answers', {
        err: reason,
      });
    failing = !ok;
  };
  subscribe('undici:request:headers', (message) => {
    const { request, response } = message as { request: UndiciRequest; response: { statusCode: number } };
    outcome(request, response.statusCode < 300, `HTTP ${response.statusCode}`);
  });
  subscribe('undici:request:error', (message) => {
    const { request, error } = message as { request: UndiciRequest; error: Error };
    outcome(request, false, error.message);
  });
}

/**
 * Continuous CPU (wall clock with CPU time) and heap profiles to Pyroscope with its SDK, when
 * PYROSCOPE_SERVER_ADDRESS is set, labelled like the other signals. An upload never blocks a request; a Pyroscope
 * that is down or slow only loses profiles.
 */
export function startProfiling(env: TelemetryEnv, serviceName: string, serviceVersion: string): void {
  if (!env.PYROSCOPE_SERVER_ADDRESS || running) return;
  const wall = {
    samplingDurationMs: env.PYROSCOPE_FLUSH_INTERVAL_MS,
    samplingIntervalMicros: env.PYROSCOPE_WALL_SAMPLING_INTERVAL_MICROS,
    collectCpuTime: env.PYROSCOPE_WALL_COLLECT_CPU_TIME,
  };
  Pyroscope.init({
    serverAddress: env.PYROSCOPE_SERVER_ADDRESS,
    appName: env.PYROSCOPE_APPLICATION_NAME ?? serviceName,
    authToken: env.PYROSCOPE_AUTH_TOKEN,
    flushIntervalMs: env.PYROSCOPE_FLUSH_INTERVAL_MS,
    wall,
    heap: { samplingIntervalBytes: env.PYROSCOPE_HEAP_SAMPLING_INTERVAL_BYTES },
    tags: { service_namespace: 'ticketing', service_version: serviceVersion },
  });
  reportOutages(new URL(env.PYROSCOPE_SERVER_ADDRESS).origin);
  Pyroscope.start();
  // The SDK starts the wall profiler without Node's AsyncContextFrame, where a sample's context (its span,
  // span-profiles.ts) is lost at the first `await`: restart it with the frame. The SDK's later cuts restart the
  // profiler as it is.
  if (env.PYROSCOPE_SPAN_PROFILES) {
    time.stop(false);
    const { samplingDurationMs, samplingIntervalMicros, collectCpuTime } = wall;
    time.start({
      intervalMicros: samplingIntervalMicros,
      durationMillis: samplingDurationMs,
      collectCpuTime,
      withContexts: true,
      useCPED: true,
      workaroundV8Bug: true,
    });
  }
  running = true;
}

/** Whether profiles are being taken (and so spans are worth marking for them). */
export const profilingRunning = (): boolean => running;

/** Uploads the last profiles. An upload has no timeout of its own: shutdownTelemetry bounds it. */
export async function stopProfiling(): Promise<void> {
  if (running) await Pyroscope.stop();
  running = false;
}
