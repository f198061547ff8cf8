export const queueKeys = {
  waiting: 'queue:waiting',
  sequence: 'queue:sequence',
  joinedAt: 'queue:joined-at',
  admissionPrefix: 'queue:admission:',
  admission: (userId: string) => `queue:admission:${userId}`,
  admittedIn: (second: number) => `queue:admitted-in:${second}`,
};
