import { IsUUID } from 'class-validator';

export class JoinQueueDto {
  /** The id user-service gave at registration. */
  @IsUUID('all', { message: 'userId must be a UUID' })
  userId: string;
}
