import { HealthModule, postgresForSchema, ServiceCoreModule } from '@app/common';
import { Module } from '@nestjs/common';
import { TypeOrmHealthIndicator } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ticketServiceEnvSchema } from './config';
import { Event } from './event/event.entity';
import { EventModule } from './event/event.module';
import { CreateEventAndTickets1732500000000 } from './migrations/1732500000000-create-event-and-tickets';
import { Ticket } from './tickets/ticket.entity';
import { TicketsModule } from './tickets/tickets.module';

@Module({
  imports: [
    ServiceCoreModule.forRoot(ticketServiceEnvSchema),
    TypeOrmModule.forRootAsync(
      postgresForSchema({
        schema: 'ticket_service',
        entities: [Event, Ticket],
        migrations: [CreateEventAndTickets1732500000000],
      }),
    ),
    HealthModule.forChecks({
      inject: [TypeOrmHealthIndicator],
      useFactory: (db: TypeOrmHealthIndicator) => [() => db.pingCheck('postgres', { timeout: 1000 })],
    }),
    EventModule,
    TicketsModule,
  ],
})
export class AppModule {}
