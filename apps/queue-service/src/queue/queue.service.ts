import { refusal } from '@app/common';
import { ForbiddenException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { trace, TraceFlags } from '@opentelemetry/api';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import Redis from 'ioredis';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Counter } from 'prom-client';
import type { QueueServiceEnv } from '../config';
import { REDIS } from '../redis/redis.module';
import { AdmissionVerdictDto, JoinResultDto, QueueStatusDto } from './dto/queue-status.dto';
import { formatJoinedAt, queueKeys } from './queue.keys';
import { queueMetrics } from './queue.metrics';
import { joinScript } from './queue.scripts';
import { UsersClient } from './users.client';

@Injectable()
export class QueueService {
  private readonly admitPerSecond: number;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly users: UsersClient,
    @InjectPinoLogger(QueueService.name) private readonly logger: PinoLogger,
    config: ConfigService<QueueServiceEnv, true>,
    @InjectMetric(queueMetrics.joins) private readonly joins: Counter,
  ) {
    this.admitPerSecond = config.get('ADMIT_PER_SECOND', { infer: true });
  }

  async join(userId: string): Promise<JoinResultDto> {
    const user = await this.users.getUser(userId);
    const [position, isNew] = (await this.redis.eval(
      joinScript,
      4,
      queueKeys.waiting,
      queueKeys.sequence,
      queueKeys.joinedAt,
      queueKeys.admission(userId),
      userId,
      formatJoinedAt(Date.now(), sampledSpan()),
    )) as [number, number];
    if (position === 0) return { userId, position, status: 'admitted' };
    if (isNew) {
      this.joins.inc();
      this.logger.info(
        { userId, userName: user.name, position },
        `Joined queue: ${user.name} at position ${position}`,
      );
    }
    return { userId, position, status: 'waiting' };
  }

  async status(userId: string): Promise<QueueStatusDto> {
    const [admission, rank] = await Promise.all([
      this.redis.hgetall(queueKeys.admission(userId)),
      this.redis.zrank(queueKeys.waiting, userId),
    ]);
    if (admission.token) {
      return {
        userId,
        status: 'admitted',
        admissionToken: admission.token,
        expiresAt: new Date(Number(admission.expiresAt)).toISOString(),
      };
    }
    if (rank === null) throw refusal(() => new NotFoundException(`user ${userId} is not in the queue`));
    const position = rank + 1;
    return { userId, status: 'waiting', position, etaSeconds: Math.ceil(position / this.admitPerSecond) };
  }

  async verify(userId: string, admissionToken: string): Promise<AdmissionVerdictDto> {
    const admission = await this.redis.hgetall(queueKeys.admission(userId));
    if (!admission.token || !sameSecret(admission.token, admissionToken)) {
      throw refusal(
        () =>
          new ForbiddenException({
            code: 'INVALID_ADMISSION',
            message: 'no valid admission for this user',
          }),
      );
    }
    return { userId, valid: true, expiresAt: new Date(Number(admission.expiresAt)).toISOString() };
  }
}

function sampledSpan(): { traceId: string; spanId: string } | undefined {
  const span = trace.getActiveSpan()?.spanContext();
  return span && span.traceFlags & TraceFlags.SAMPLED
    ? { traceId: span.traceId, spanId: span.spanId }
    : undefined;
}

// Hashing first gives equal lengths, so the comparison takes the same time whatever was sent.
function sameSecret(expected: string, given: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(expected), digest(given));
}
