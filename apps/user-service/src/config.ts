import { commonEnvSchema, env } from '@app/common';
import { z } from 'zod';

export const userServiceEnvSchema = commonEnvSchema.extend({
  PORT: env.port(3003),
  DATABASE_URL: env.postgresUrl(),
});

export type UserServiceEnv = z.infer<typeof userServiceEnvSchema>;
