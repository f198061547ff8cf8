// Loaded first by main.ts: the SDK must patch http, pg, ioredis and pino before anything requires them.
import { startTelemetry } from '@app/common/telemetry/sdk';
import { version } from '../../../package.json';

startTelemetry({ serviceName: 'user-service', serviceVersion: version });
