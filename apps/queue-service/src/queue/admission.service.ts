import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { context, Link, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import Redis from 'ioredis';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { randomBytes } from 'node:crypto';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { QueueServiceEnv } from '../config';
import { REDIS } from '../redis/redis.module';
import { parseJoinedAt, queueKeys } from './queue.keys';
import { queueMetrics } from './queue.metrics';
import { admitScript } from './queue.scripts';

export interface Admission {
  userId: string;
  joinedAt: Date;
  /** The span of the request that joined the user, when it was traced. */
  joinSpan?: { traceId: string; spanId: string };
}

const TICK_MS = 200;
const tracer = trace.getTracer('queue-service.admission');

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
    @InjectMetric(queueMetrics.admissions) private readonly admissions: Counter,
    @InjectMetric(queueMetrics.wait) private readonly wait: Histogram,
    @InjectMetric(queueMetrics.length) private readonly queueLength: Gauge,
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
    // Most ticks admit nobody: their Redis call is not traced, and a span is made only for a tick that admits.
    const [length, ...pairs] = (await context.with(suppressTracing(context.active()), () =>
      this.redis.eval(
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
      ),
    )) as [number, ...string[]];
    this.queueLength.set(length);
    const admitted: Admission[] = [];
    for (let i = 0; i < pairs.length; i += 2)
      admitted.push({ userId: pairs[i], ...parseJoinedAt(pairs[i + 1]) });
    if (admitted.length) this.record(admitted, now);
    return admitted;
  }

  private record(admitted: Admission[], startedAt: number): void {
    const links: Link[] = admitted.flatMap(({ joinSpan }) =>
      joinSpan ? [{ context: { ...joinSpan, traceFlags: TraceFlags.SAMPLED, isRemote: true } }] : [],
    );
    const span = tracer.startSpan(
      'admit queue',
      {
        kind: SpanKind.CONSUMER,
        startTime: startedAt,
        links,
        attributes: {
          'messaging.system': 'redis',
          'messaging.operation.type': 'process',
          'messaging.operation.name': 'admit',
          'messaging.destination.name': queueKeys.waiting,
          'messaging.batch.message_count': admitted.length,
        },
      },
      context.active(),
    );
    context.with(trace.setSpan(context.active(), span), () => {
      this.admissions.inc(admitted.length);
      for (const { joinedAt } of admitted)
        this.wait.observe(Math.max(0, startedAt - joinedAt.getTime()) / 1000);
      this.logger.info(
        { count: admitted.length, userIds: admitted.map((a) => a.userId) },
        `Admitted ${admitted.length} users`,
      );
    });
    span.setStatus({ code: SpanStatusCode.OK });
    span.end();
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
