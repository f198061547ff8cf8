import { Module } from '@nestjs/common';
import { RedisModule } from '../redis/redis.module';
import { AdmissionService } from './admission.service';
import { QueueController } from './queue.controller';
import { queueMetricProviders } from './queue.metrics';
import { QueueService } from './queue.service';
import { UsersClient } from './users.client';

@Module({
  imports: [RedisModule],
  controllers: [QueueController],
  providers: [QueueService, AdmissionService, UsersClient, ...queueMetricProviders],
})
export class QueueModule {}
