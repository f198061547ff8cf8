import { randomInt } from 'node:crypto';

const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `user-` and five random lowercase letters or digits, as the chapter's traffic expects. */
export function generateUserName(): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += alphabet[randomInt(alphabet.length)];
  return `user-${suffix}`;
}
