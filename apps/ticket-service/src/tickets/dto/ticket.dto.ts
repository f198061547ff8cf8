export class TicketDto {
  ticketId: string;
  userId: string;
  /** Seat number, 1 to EVENT_CAPACITY. */
  seat: number;
  issuedAt: Date;
}
