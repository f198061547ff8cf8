import { encode, time } from '@datadog/pprof';
import Pyroscope from '@pyroscope/nodejs';
import { subscribe } from 'node:diagnostics_channel';
import { reportTelemetry } from './export-health';
import { asPyroscopeNames } from './pprof-names';
import { spanLabels } from './span-profiles';
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

/** The wall profiler of this process, with span contexts (span-profiles.ts), and its upload timer. */
let wall: { timer: NodeJS.Timeout; upload: (last: boolean) => Promise<void> } | undefined;

/**
 * Wall/CPU profiles labelled with their spans, uploaded every `flushIntervalMs` to Pyroscope's ingest API as
 * @pyroscope/nodejs uploads its own (pyroscope-api-exporter.js): the gzipped pprof as the body, the series name
 * `app{labels}`. The SDK's own wall profiler cannot keep a context across an `await` (it starts the profiler
 * without AsyncContextFrame), so this one replaces it; the SDK keeps the heap profile.
 */
function startWallProfiling(settings: ProfilingSettings, name: string): void {
  time.start({
    intervalMicros: settings.samplingIntervalMicros,
    durationMillis: settings.flushIntervalMs,
    withContexts: true,
    useCPED: true,
    collectCpuTime: settings.collectCpuTime,
    workaroundV8Bug: true,
  });
  let from = Date.now();
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (settings.authToken) headers.authorization = `Bearer ${settings.authToken}`;
  const upload = async (last: boolean) => {
    const profile = time.stop(!last, spanLabels);
    const until = Date.now();
    const url = new URL('/ingest', settings.serverAddress);
    url.search = new URLSearchParams({
      format: 'pprof',
      from: String(Math.floor(from / 1000)),
      until: String(Math.floor(until / 1000)),
      name,
      spyName: 'nodespy',
      sampleRate: String(Math.round(1e6 / settings.samplingIntervalMicros)),
    }).toString();
    from = until;
    // Failures are reported by reportOutages from undici's channels; a profile that cannot go is dropped.
    await fetch(url, { method: 'POST', headers, body: await encode(asPyroscopeNames(profile)) }).then(
      (response) => response.body?.cancel(),
      () => undefined,
    );
  };
  const timer = setInterval(() => void upload(false), settings.flushIntervalMs).unref();
  wall = { timer, upload };
}

/**
 * Continuous CPU (wall clock with CPU time, each sample labelled with its span) and heap profiling to
 * Pyroscope, when PYROSCOPE_SERVER_ADDRESS is set. Profiles carry service_name (the app name) and the namespace
 * and version of the other signals' resource; an upload never blocks a request, and a Pyroscope that is down or
 * slow only loses profiles.
 */
export function startProfiling(
  settings: ProfilingSettings,
  serviceName: string,
  serviceVersion: string,
): void {
  if (!settings.serverAddress || running) return;
  const app = settings.applicationName ?? serviceName;
  const tags = { service_namespace: 'ticketing', service_version: serviceVersion };
  Pyroscope.init({
    serverAddress: settings.serverAddress,
    appName: app,
    authToken: settings.authToken,
    flushIntervalMs: settings.flushIntervalMs,
    heap: { samplingIntervalBytes: settings.heapSamplingIntervalBytes },
    tags,
  });
  reportOutages(new URL(settings.serverAddress).origin);
  const labels = Object.entries({
    ...tags,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
  });
  startWallProfiling(settings, `${app}{${labels.map(([k, v]) => `${k}=${v}`).join(',')}}`);
  Pyroscope.startHeapProfiling();
  running = true;
}

/** Whether profiles are being taken (and so spans are worth marking for them). */
export const profilingRunning = (): boolean => running;

/** Uploads the last partial CPU profile. An upload has no timeout of its own: shutdownTelemetry bounds it. */
export async function stopProfiling(): Promise<void> {
  if (!running) return;
  running = false;
  const last = wall;
  wall = undefined;
  if (last) clearInterval(last.timer);
  await Promise.all([last?.upload(true), Pyroscope.stopHeapProfiling()]);
}
