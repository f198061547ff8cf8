import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { AdmissionsClient } from './admissions.client';
import { Ticket } from './ticket.entity';
import { TicketsController } from './tickets.controller';
import { TicketsService } from './tickets.service';

@Module({
  imports: [TypeOrmModule.forFeature([Ticket])],
  controllers: [TicketsController],
  providers: [
    TicketsService,
    AdmissionsClient,
    makeCounterProvider({
      name: 'ticketing_tickets_issued_total',
      help: 'Tickets sold (a repeated purchase is not counted)',
    }),
    makeCounterProvider({
      name: 'ticketing_sold_out_total',
      help: 'Purchases refused because no seat was left',
    }),
  ],
})
export class TicketsModule {}
