import { IsString, Length, Matches, ValidateIf } from 'class-validator';

export class CreateUserDto {
  /** Display name; generated as `user-` + 5 random characters when left out. */
  // Left out is a generated name; null is not a name (IsOptional would let it through to the database).
  @ValidateIf((_dto, value) => value !== undefined)
  @IsString()
  @Length(1, 64)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
    message: 'name must start with a letter or digit and hold only letters, digits, ".", "_" or "-"',
  })
  name?: string;
}
