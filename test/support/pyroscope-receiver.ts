import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';

export interface ReceivedProfile {
  app: string;
  labels: Record<string, string>;
  /** As Pyroscope names it: __name__:type:unit:periodType:periodUnit (pkg/phlaredb/labels). */
  profileTypes: string[];
  samples: { stack: string[]; values: number[]; labels: Record<string, string | number> }[];
  receivedAt: number;
}

/** `app{k=v,...}`, the `name` parameter of Pyroscope's ingest API (api/model/labelset). */
function parseName(name: string): { app: string; labels: Record<string, string> } {
  const match = /^([^{]*)(?:\{(.*)\})?$/.exec(name);
  const labels = Object.fromEntries(
    (match?.[2] ?? '')
      .split(',')
      .filter(Boolean)
      .map((pair) => pair.split('=') as [string, string]),
  );
  return { app: match?.[1] ?? '', labels };
}

function decode(body: Buffer) {
  const profile = Profile.decode(body[0] === 0x1f ? gunzipSync(body) : body);
  const text = (i: number | bigint) => profile.stringTable.strings[Number(i)] ?? '';
  const functions = new Map(profile.function.map((f) => [Number(f.id), text(f.name)]));
  const locations = new Map(
    profile.location.map((l) => [
      Number(l.id),
      l.line.map((line) => functions.get(Number(line.functionId))!),
    ]),
  );
  const types = profile.sampleType.map((t) => [text(t.type), text(t.unit)]);
  const period = profile.periodType
    ? [text(profile.periodType.type), text(profile.periodType.unit)]
    : ['', ''];
  // Pyroscope names the series after the profile: `wall` when any sample type is wall, `memory` for inuse_*.
  const name = types.some(([type]) => type === 'wall')
    ? 'wall'
    : types.some(([t]) => t.startsWith('inuse'))
      ? 'memory'
      : 'process_cpu';
  return {
    profileTypes: types.map(([type, unit]) => `${name}:${type}:${unit}:${period[0]}:${period[1]}`),
    samples: profile.sample.map((sample) => ({
      stack: sample.locationId.flatMap((id) => locations.get(Number(id)) ?? []),
      values: sample.value.map(Number),
      labels: Object.fromEntries(sample.label.map((l) => [text(l.key), l.str ? text(l.str) : Number(l.num)])),
    })),
  };
}

/**
 * Stands in for Pyroscope 2.2 where the tests cannot run it: its ingest API as @pyroscope/nodejs 0.6.4 uses it
 * (POST /ingest?name=app{labels}&from&until&format=pprof, the gzipped pprof as the body; multipart, as older
 * SDKs send, too) answered as pkg/ingester/pyroscope/ingest_handler.go does: 200 and no body, 400 for a bad
 * name. Answers LabelValues of service_name (the query API npm run verify uses) from what it received.
 * `hang` holds every request unanswered, as a Pyroscope that is stuck would.
 */
export class PyroscopeReceiver {
  readonly profiles: ReceivedProfile[] = [];
  hang = false;
  /** What /ready answers (503) while the server is not ready; ready when undefined. */
  notReady: () => string | undefined = () => undefined;
  private server?: Server;
  private held: ServerResponse[] = [];
  url = '';

  async start(port = 0, host = '127.0.0.1'): Promise<this> {
    this.server = createServer((request, response) => void this.handle(request, response)).listen(port, host);
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const response of this.held.splice(0)) response.destroy();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (this.hang) {
      this.held.push(response);
      return;
    }
    const url = new URL(request.url!, 'http://pyroscope');
    const json = (status: number, value?: unknown): void =>
      void response
        .writeHead(status, value === undefined ? {} : { 'content-type': 'application/json' })
        .end(value === undefined ? undefined : JSON.stringify(value));
    if (url.pathname === '/ingest' && request.method === 'POST') {
      const { app, labels } = parseName(url.searchParams.get('name') ?? '');
      if (!app) return json(400, { code: 'invalid_argument', message: 'name: service name is required' });
      let body = Buffer.concat(chunks);
      if (String(request.headers['content-type']).startsWith('multipart/form-data')) {
        const form = await new Response(body, {
          headers: { 'content-type': request.headers['content-type']! },
        }).formData();
        body = Buffer.from(await (form.get('profile') as Blob).arrayBuffer());
      }
      this.profiles.push({ app, labels, ...decode(body), receivedAt: Date.now() });
      return json(200);
    }
    if (url.pathname === '/querier.v1.QuerierService/LabelValues' && request.method === 'POST') {
      const { matchers = [] } = JSON.parse(Buffer.concat(chunks).toString() || '{}') as {
        matchers?: string[];
      };
      const type = /__profile_type__="([^"]+)"/.exec(matchers.join())?.[1];
      const names = [
        ...new Set(this.profiles.filter((p) => !type || p.profileTypes.includes(type)).map((p) => p.app)),
      ];
      return json(200, names.length ? { names } : {});
    }
    if (url.pathname === '/ready') {
      const waiting = this.notReady();
      return void response.writeHead(waiting ? 503 : 200).end(`${waiting ?? 'ready'}\n`);
    }
    json(404, { code: 'not_found', message: '404 page not found' });
  }

  /** Profiles of `app` of the given type. */
  of(app: string, profileType: string): ReceivedProfile[] {
    return this.profiles.filter((p) => p.app === app && p.profileTypes.includes(profileType));
  }
}
