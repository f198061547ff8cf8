import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateEventAndTickets1732500000000 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE ticket_service.event (
        id smallint PRIMARY KEY,
        capacity integer NOT NULL CHECK (capacity >= 0),
        sold integer NOT NULL DEFAULT 0 CHECK (sold >= 0)
      )`);
    await runner.query(`
      CREATE TABLE ticket_service.tickets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL CONSTRAINT tickets_user_id_key UNIQUE,
        seat integer NOT NULL CONSTRAINT tickets_seat_key UNIQUE CHECK (seat > 0),
        issued_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE ticket_service.tickets');
    await runner.query('DROP TABLE ticket_service.event');
  }
}
