import { IsString, IsUUID, Length } from 'class-validator';

export class VerifyAdmissionDto {
  @IsUUID('all', { message: 'userId must be a UUID' })
  userId: string;

  @IsString()
  @Length(1, 128)
  admissionToken: string;
}
