import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import Redis from 'ioredis';

export interface FaultSettings {
  errorRate: number;
  delayMs: number;
  cpuMs: number;
  leakMbPerSecond: number;
}

/** The shared settings, and when the leak was last switched on (ms since the epoch; 0 when never). */
export interface FaultState extends FaultSettings {
  leakStartedAt: number;
}

const fields = ['errorRate', 'delayMs', 'cpuMs', 'leakMbPerSecond', 'leakStartedAt'] as const;

// The store's own Redis calls are not the service's work: no spans for them.
const untraced = <T>(work: () => Promise<T>): Promise<T> =>
  context.with(suppressTracing(context.active()), work);

/**
 * One fault state per service, in Redis, read by every replica: a change through any replica is written to
 * the hash `ticketing:faults:<service>` and published on the channel of the same name, which every replica
 * listens to. The first replica to start writes its FAULT_* settings into fields that are not set yet; after
 * that the hash wins, so a restarted replica takes up what the others have.
 */
export class FaultStore {
  private readonly key: string;
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private current: FaultState;

  constructor(
    redisUrl: string,
    service: string,
    initial: FaultSettings,
    private readonly onChange: (state: FaultState) => void,
  ) {
    this.key = `ticketing:faults:${service}`;
    this.current = { ...initial, leakStartedAt: initial.leakMbPerSecond > 0 ? Date.now() : 0 };
    // Commands fail at once while Redis is away, as the queue's own client does; the client reconnects.
    const options = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 1000,
      lazyConnect: true,
    };
    this.redis = new Redis(redisUrl, options);
    this.subscriber = new Redis(redisUrl, { ...options, enableOfflineQueue: true });
    this.redis.on('error', () => undefined);
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', () => void this.reload().catch(() => undefined));
    // On every (re)connection: the state may have changed while this replica could not hear about it.
    this.redis.on('ready', () => void this.sync().catch(() => undefined));
  }

  get state(): FaultState {
    return this.current;
  }

  async start(): Promise<void> {
    await untraced(async () => {
      await Promise.all([this.redis.connect(), this.subscriber.connect()]).catch(() => undefined);
      await this.subscriber.subscribe(this.key).catch(() => undefined);
    });
    await this.sync().catch(() => undefined);
  }

  /** Changes the shared state: the given fields only, at once for every replica. */
  async update(change: Partial<FaultSettings>): Promise<FaultState> {
    const write: Partial<FaultState> = { ...change };
    if ((change.leakMbPerSecond ?? 0) > 0) write.leakStartedAt = Date.now();
    await untraced(() => this.redis.multi().hset(this.key, write).publish(this.key, 'changed').exec());
    return this.reload();
  }

  async stop(): Promise<void> {
    await Promise.all([this.redis.quit(), this.subscriber.quit()]).catch(() => undefined);
  }

  /** On (re)connecting: writes this replica's settings into the fields no replica has written yet, then reads. */
  private async sync(): Promise<FaultState> {
    await untraced(() => {
      const setting = this.redis.multi();
      for (const field of fields) setting.hsetnx(this.key, field, this.current[field]);
      return setting.exec();
    });
    return this.reload();
  }

  private async reload(): Promise<FaultState> {
    const stored = await untraced(() => this.redis.hgetall(this.key));
    const next = Object.fromEntries(
      fields.map((field) => [field, Number(stored[field] ?? this.current[field])]),
    ) as unknown as FaultState;
    if (fields.some((field) => next[field] !== this.current[field])) {
      this.current = next;
      this.onChange(next);
    }
    return next;
  }
}
