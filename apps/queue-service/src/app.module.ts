import { HealthModule, ServiceCoreModule } from '@app/common';
import { Module } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { queueServiceEnvSchema } from './config';
import { QueueModule } from './queue/queue.module';
import { REDIS, RedisModule } from './redis/redis.module';

@Module({
  imports: [
    ServiceCoreModule.forRoot(queueServiceEnvSchema),
    HealthModule.forChecks({
      imports: [RedisModule],
      inject: [REDIS, HealthIndicatorService],
      useFactory: (redis: Redis, indicators: HealthIndicatorService) => [
        async () => {
          const indicator = indicators.check('redis');
          return redis.ping().then(
            () => indicator.up(),
            (error: Error) => indicator.down({ message: error.message }),
          );
        },
      ],
    }),
    QueueModule,
  ],
})
export class AppModule {}
