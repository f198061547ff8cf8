// An OTLP/HTTP endpoint for benchmarks, in its own process: answers every export without reading it. Stands in
// for Tempo and Loki behind the collector, so that what is measured is the service's side.
import { createServer } from 'node:http';

const server = createServer((request, response) => {
  request.resume().on('end', () => response.writeHead(200).end());
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
