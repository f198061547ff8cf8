import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { Gauge, register } from 'prom-client';
import { Repository } from 'typeorm';
import type { TicketServiceEnv } from '../config';
import { EventSummaryDto } from './event-summary.dto';
import { Event } from './event.entity';

export const EVENT_ID = 1;

@Injectable()
export class EventService implements OnApplicationBootstrap {
  constructor(
    @InjectRepository(Event) private readonly events: Repository<Event>,
    private readonly config: ConfigService<TicketServiceEnv, true>,
  ) {
    const readSummary = () => this.summary();
    // Read at each scrape, so every replica reports the database's truth rather than its own sales.
    register.removeSingleMetric('ticketing_seats_remaining');
    new Gauge({
      name: 'ticketing_seats_remaining',
      help: 'Seats of the event not yet sold',
      registers: [register],
      async collect() {
        const summary = await readSummary().catch(() => undefined);
        if (summary) this.set(summary.remaining);
      },
    });
  }

  /** EVENT_CAPACITY is the truth at every start; seats already sold stay sold. */
  async onApplicationBootstrap(): Promise<void> {
    await this.events
      .createQueryBuilder()
      .insert()
      .values({ id: EVENT_ID, capacity: this.config.get('EVENT_CAPACITY', { infer: true }), sold: 0 })
      .orUpdate(['capacity'], ['id'])
      .execute();
  }

  async summary(): Promise<EventSummaryDto> {
    const event = await this.events.findOneByOrFail({ id: EVENT_ID });
    return {
      capacity: event.capacity,
      sold: event.sold,
      remaining: Math.max(event.capacity - event.sold, 0),
    };
  }
}
