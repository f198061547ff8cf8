export class JoinResultDto {
  userId: string;
  /** 1 is the head of the queue; 0 when the user already holds an admission. */
  position: number;
  status: 'waiting' | 'admitted';
}

export class QueueStatusDto {
  userId: string;
  status: 'waiting' | 'admitted';
  /** While waiting: 1 is the head of the queue. */
  position?: number;
  /** While waiting: seconds until admission at the current admission rate. */
  etaSeconds?: number;
  /** Once admitted: present it to ticket-service to buy a ticket. */
  admissionToken?: string;
  expiresAt?: string;
}

export class AdmissionVerdictDto {
  userId: string;
  valid: true;
  expiresAt: string;
}
