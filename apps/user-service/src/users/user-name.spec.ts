import { describe, expect, it } from 'vitest';
import { generateUserName } from './user-name';

describe(generateUserName.name, () => {
  it('is user- and five lowercase letters or digits', () => {
    for (let i = 0; i < 200; i++) expect(generateUserName()).toMatch(/^user-[a-z0-9]{5}$/);
  });

  it('varies from call to call', () => {
    const names = new Set(Array.from({ length: 200 }, generateUserName));
    expect(names.size).toBeGreaterThan(195);
  });
});
