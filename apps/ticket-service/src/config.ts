import { commonEnvSchema, env } from '@app/common';
import { z } from 'zod';

export const ticketServiceEnvSchema = commonEnvSchema.extend({
  PORT: env.port(3002),
  DATABASE_URL: env.postgresUrl(),
  QUEUE_SERVICE_URL: env.httpUrl('http://127.0.0.1:3001'),
  EVENT_CAPACITY: env.positiveInt(1000),
});

export type TicketServiceEnv = z.infer<typeof ticketServiceEnvSchema>;
