import { IsOptional, IsString, Length, Matches } from 'class-validator';

export class CreateUserDto {
  /** Display name; generated as `user-` + 5 random characters when left out. */
  @IsOptional()
  @IsString()
  @Length(1, 64)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
    message: 'name must start with a letter or digit and hold only letters, digits, ".", "_" or "-"',
  })
  name?: string;
}
