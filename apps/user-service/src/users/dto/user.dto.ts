export class UserDto {
  /** @example 0b7e6a3e-4f8d-4a57-9a1f-3f4a3c1d2e5b */
  id: string;
  /** @example user-k3x9q */
  name: string;
  createdAt: Date;
}
