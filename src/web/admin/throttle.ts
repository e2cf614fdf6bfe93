/**
 * Failed sign-ins per client address, in memory: after `max` failures in a fixed window the address may
 * not try again until the window ends. The API's own failed-authentication limit counts them too, but the
 * admin calls it in process, so there every attempt comes from one address; this counter is per browser's.
 */
export interface ThrottleOptions {
  readonly now: () => Date;
  readonly max?: number;
  readonly windowMs?: number;
  /** Addresses remembered at most; the oldest window is forgotten first. */
  readonly maxAddresses?: number;
}

export const SIGN_IN_FAILURES = { max: 10, windowMs: 15 * 60 * 1000 };

export class FailureThrottle {
  private readonly windows = new Map<string, { start: number; failures: number }>();

  constructor(private readonly options: ThrottleOptions) {}

  /** Seconds until this address may try again; 0 when it may now. */
  retryAfter(address: string): number {
    const window = this.current(address);
    if (!window || window.failures < (this.options.max ?? SIGN_IN_FAILURES.max)) return 0;
    return Math.max(1, Math.ceil((window.start + this.windowMs - this.options.now().getTime()) / 1000));
  }

  fail(address: string): void {
    const window = this.current(address) ?? { start: this.options.now().getTime(), failures: 0 };
    window.failures += 1;
    this.windows.delete(address);
    this.windows.set(address, window);
    for (const oldest of this.windows.keys()) {
      if (this.windows.size <= (this.options.maxAddresses ?? 10_000)) break;
      this.windows.delete(oldest);
    }
  }

  private get windowMs(): number {
    return this.options.windowMs ?? SIGN_IN_FAILURES.windowMs;
  }

  private current(address: string) {
    const window = this.windows.get(address);
    if (window && this.options.now().getTime() >= window.start + this.windowMs) {
      this.windows.delete(address);
      return undefined;
    }
    return window;
  }
}
