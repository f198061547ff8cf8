// An OTLP/HTTP endpoint for benchmarks, in its own process: accepts every export without decoding it and
// counts requests and bytes per signal (GET /counts). Stands in for the collector where none is built.
import { createServer } from 'node:http';

const counts = { traces: 0, logs: 0, metrics: 0, bytes: 0 };
const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/counts') {
    return response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(counts));
  }
  const signal = request.url?.split('/').pop();
  request.on('data', (chunk) => (counts.bytes += chunk.length));
  request.on('end', () => {
    if (signal in counts) counts[signal]++;
    response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
server.listen(Number(process.env.PORT ?? 4318), '127.0.0.1', () =>
  console.log(`listening ${server.address().port}`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
