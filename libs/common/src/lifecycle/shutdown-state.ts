import { Injectable } from '@nestjs/common';

/** Set when a stop signal arrives, so readiness turns false while in-flight requests finish. */
@Injectable()
export class ShutdownState {
  private stopping = false;

  get isShuttingDown(): boolean {
    return this.stopping;
  }

  begin(): void {
    this.stopping = true;
  }
}
