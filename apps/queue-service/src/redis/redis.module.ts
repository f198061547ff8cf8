import { Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import type { QueueServiceEnv } from '../config';

export const REDIS = Symbol('REDIS');

/** Closes the connection only after the HTTP server has finished its in-flight requests. */
@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

@Module({
  providers: [
    {
      provide: REDIS,
      inject: [ConfigService],
      // Commands fail at once while Redis is away (503 to the caller) instead of queueing without bound;
      // the client keeps reconnecting in the background, so the service waits for Redis rather than crash.
      useFactory: (config: ConfigService<QueueServiceEnv, true>) =>
        new Redis(config.get('REDIS_URL', { infer: true }), {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          commandTimeout: config.get('DEPENDENCY_TIMEOUT_MS', { infer: true }),
          connectTimeout: 2000,
          retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
        }),
    },
    RedisLifecycle,
  ],
  exports: [REDIS],
})
export class RedisModule {}
