import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The one event on sale; `sold` is the seat counter every purchase increments under a row lock. */
@Entity({ name: 'event' })
export class Event {
  @PrimaryColumn({ type: 'smallint' })
  id: number;

  @Column({ type: 'integer' })
  capacity: number;

  @Column({ type: 'integer' })
  sold: number;
}
