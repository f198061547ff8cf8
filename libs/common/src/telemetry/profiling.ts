import Pyroscope from '@pyroscope/nodejs';
import { subscribe } from 'node:diagnostics_channel';
import { reportTelemetry } from './export-health';
import type { ProfilingSettings } from './telemetry-env';

interface UndiciRequest {
  origin: string;
  path: string;
}

let running = false;

/**
 * The SDK uploads with fetch and reports a failure only to its `debug` logger; undici's diagnostics channels
 * (what the undici instrumentation reads too) show every upload's outcome, so an outage is reported once when
 * it starts and once when it ends, as for spans and logs.
 */
function reportOutages(origin: string): void {
  let failing = false;
  const isUpload = (request: UndiciRequest) =>
    request.origin === origin && request.path.startsWith('/ingest');
  const outcome = (ok: boolean, reason?: string) => {
    if (ok && failing) reportTelemetry('info', 'Uploading profiles works again');
    else if (!ok && !failing)
      reportTelemetry('warn', 'Cannot upload profiles; dropping them until Pyroscope answers', {
        err: reason,
      });
    failing = !ok;
  };
  subscribe('undici:request:headers', (message) => {
    const { request, response } = message as { request: UndiciRequest; response: { statusCode: number } };
    if (isUpload(request)) outcome(response.statusCode < 300, `HTTP ${response.statusCode}`);
  });
  subscribe('undici:request:error', (message) => {
    const { request, error } = message as { request: UndiciRequest; error: Error };
    if (isUpload(request)) outcome(false, error.message);
  });
}

/**
 * Continuous CPU (wall clock with CPU time) and heap profiling to Pyroscope, when PYROSCOPE_SERVER_ADDRESS is
 * set. Profiles carry service_name (the app name) and the namespace and version of the other signals'
 * resource; an upload never blocks a request, and a Pyroscope that is down or slow only loses profiles.
 */
export function startProfiling(
  settings: ProfilingSettings,
  serviceName: string,
  serviceVersion: string,
): void {
  if (!settings.serverAddress || running) return;
  Pyroscope.init({
    serverAddress: settings.serverAddress,
    appName: settings.applicationName ?? serviceName,
    authToken: settings.authToken,
    flushIntervalMs: settings.flushIntervalMs,
    wall: {
      samplingIntervalMicros: settings.samplingIntervalMicros,
      collectCpuTime: settings.collectCpuTime,
    },
    heap: { samplingIntervalBytes: settings.heapSamplingIntervalBytes },
    tags: { service_namespace: 'ticketing', service_version: serviceVersion },
  });
  reportOutages(new URL(settings.serverAddress).origin);
  Pyroscope.start();
  running = true;
}

/** Uploads the last partial CPU profile. An upload has no timeout of its own: shutdownTelemetry bounds it. */
export async function stopProfiling(): Promise<void> {
  if (!running) return;
  running = false;
  await Pyroscope.stop();
}
