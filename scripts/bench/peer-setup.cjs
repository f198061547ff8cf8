// The setup most NestJS and OpenTelemetry-demo services use, for `npm run bench -- overhead` to compare with:
// NodeSDK with getNodeAutoInstrumentations() at its defaults (exporters from the OTEL_* environment), started
// by `node --require` before the app loads.
const { getNodeAutoInstrumentations } = require('@opentelemetry/auto-instrumentations-node');
const { NodeSDK } = require('@opentelemetry/sdk-node');

new NodeSDK({ instrumentations: [getNodeAutoInstrumentations()] }).start();
// The service's own SDK (apps/<name>/src/instrument.ts) stays off: this one is running.
process.env.OTEL_SDK_DISABLED = 'true';
