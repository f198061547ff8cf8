import { IsString, IsUUID, Length } from 'class-validator';

export class BuyTicketDto {
  @IsUUID('all', { message: 'userId must be a UUID' })
  userId: string;

  /** The token queue-service handed out at admission. */
  @IsString()
  @Length(1, 128)
  admissionToken: string;
}
