import { commonEnvSchema, env } from '@app/common';
import { z } from 'zod';

export const queueServiceEnvSchema = commonEnvSchema.extend({
  PORT: env.port(3001),
  USER_SERVICE_URL: env.httpUrl('http://127.0.0.1:3003'),
  ADMIT_PER_SECOND: env.positiveInt(5),
  ADMISSION_TTL_SECONDS: env.positiveInt(300),
});

export type QueueServiceEnv = z.infer<typeof queueServiceEnvSchema>;
