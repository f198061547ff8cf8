import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { randomBytes } from 'node:crypto';
import type { QueueServiceEnv } from '../config';
import { REDIS } from '../redis/redis.module';
import { queueKeys } from './queue.keys';
import { admitScript } from './queue.scripts';

export interface Admission {
  userId: string;
  joinedAt: Date;
}

const TICK_MS = 200;

/**
 * Lets users in from the head of the queue at ADMIT_PER_SECOND. Every replica runs this loop; the allowance
 * is counted per wall-clock second in Redis, so replicas share one rate and never admit a user twice.
 */
@Injectable()
export class AdmissionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly perSecond: number;
  private readonly ttlMs: number;
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private failing = false;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @InjectPinoLogger(AdmissionService.name) private readonly logger: PinoLogger,
    config: ConfigService<QueueServiceEnv, true>,
  ) {
    this.perSecond = config.get('ADMIT_PER_SECOND', { infer: true });
    this.ttlMs = config.get('ADMISSION_TTL_SECONDS', { infer: true }) * 1000;
  }

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  async admitNextUsers(now = Date.now()): Promise<Admission[]> {
    // 32 random bytes: unguessable tokens, one ready for each user this tick may admit.
    const tokens = Array.from({ length: this.perSecond }, () => randomBytes(32).toString('base64url'));
    const reply = (await this.redis.eval(
      admitScript,
      3,
      queueKeys.waiting,
      queueKeys.joinedAt,
      queueKeys.admittedIn(Math.floor(now / 1000)),
      this.perSecond,
      this.ttlMs,
      now,
      queueKeys.admissionPrefix,
      ...tokens,
    )) as string[];
    const admitted: Admission[] = [];
    for (let i = 0; i < reply.length; i += 2) {
      admitted.push({ userId: reply[i], joinedAt: new Date(Number(reply[i + 1])) });
    }
    if (admitted.length) {
      this.logger.info(
        { count: admitted.length, userIds: admitted.map((a) => a.userId) },
        `Admitted ${admitted.length} users`,
      );
    }
    return admitted;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        if (this.timer) this.schedule();
      });
    }, TICK_MS);
  }

  private async tick(): Promise<void> {
    try {
      await this.admitNextUsers();
      if (this.failing) this.logger.info('Admission loop recovered');
      this.failing = false;
    } catch (error) {
      // One warning per outage, not one every tick.
      if (!this.failing) this.logger.warn({ err: error }, 'Admission loop cannot reach Redis; retrying');
      this.failing = true;
    }
  }
}
