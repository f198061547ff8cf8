import { refusal } from '@app/common';
import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Counter } from 'prom-client';
import { DataSource, QueryFailedError, Repository } from 'typeorm';
import { Event } from '../event/event.entity';
import { EVENT_ID } from '../event/event.service';
import { AdmissionsClient } from './admissions.client';
import { Ticket } from './ticket.entity';

export interface Purchase {
  ticket: Ticket;
  /** False when the user already had this ticket. */
  created: boolean;
}

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class TicketsService {
  constructor(
    @InjectRepository(Ticket) private readonly tickets: Repository<Ticket>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly admissions: AdmissionsClient,
    @InjectMetric('ticketing_tickets_issued_total') private readonly issued: Counter,
    @InjectMetric('ticketing_sold_out_total') private readonly soldOut: Counter,
  ) {}

  async buy(userId: string, admissionToken: string): Promise<Purchase> {
    await this.admissions.assertAdmitted(userId, admissionToken);
    const existing = await this.tickets.findOneBy({ userId });
    if (existing) return { ticket: existing, created: false };
    try {
      const ticket = await this.reserveSeat(userId);
      this.issued.inc();
      return { ticket, created: true };
    } catch (error) {
      if (error instanceof ConflictException) this.soldOut.inc();
      // The same user buying twice at once: the loser's insert hits the unique user_id and gets the winner's.
      if (!isUniqueViolation(error)) throw error;
      return { ticket: await this.tickets.findOneByOrFail({ userId }), created: false };
    }
  }

  async findById(ticketId: string): Promise<Ticket> {
    const ticket = await this.tickets.findOneBy({ ticketId });
    if (!ticket) throw refusal(() => new NotFoundException(`ticket ${ticketId} not found`));
    return ticket;
  }

  /**
   * Counting the seat and writing the ticket in one transaction: the event row's lock serialises buyers, the
   * guard `sold < capacity` stops at the last seat, and a failed insert rolls the count back.
   */
  private reserveSeat(userId: string): Promise<Ticket> {
    return this.dataSource.transaction(async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .update(Event)
        .set({ sold: () => 'sold + 1' })
        .where('id = :id AND sold < capacity', { id: EVENT_ID })
        .returning(['sold'])
        .execute();
      const row = (result.raw as { sold: number }[])[0];
      if (!row)
        throw refusal(() => new ConflictException({ code: 'SOLD_OUT', message: 'the event is sold out' }));
      return manager.save(manager.create(Ticket, { userId, seat: row.sold }));
    });
  }
}

function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof QueryFailedError && (error.driverError as { code?: string }).code === UNIQUE_VIOLATION
  );
}
