/**
 * The soak's HTTP client: every request is tallied by kind and status (or `network_error`), and every
 * 5xx or network error keeps its time, so the report can tell those during a PostgreSQL outage from the
 * others. `retrying` is how a widget or a merchant's backend retries: same request (same
 * Idempotency-Key), growing pauses, until an answer that settles it or a deadline.
 */
const REQUEST_TIMEOUT_MS = 20_000;

export type Status = number | 'network_error';

export interface Answer {
  readonly status: Status;
  readonly body: unknown;
  readonly retryAfterMs: number | null;
}

export interface Failure {
  readonly kind: string;
  readonly status: Status;
  readonly at: number;
}

export class Tally {
  readonly counts = new Map<string, Map<Status, number>>();
  readonly failures: Failure[] = [];
  retries = 0;
  gaveUp = 0;

  record(kind: string, status: Status): void {
    let byStatus = this.counts.get(kind);
    if (!byStatus) this.counts.set(kind, (byStatus = new Map()));
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    if (status === 'network_error' || status >= 500) this.failures.push({ kind, status, at: Date.now() });
  }

  get total(): number {
    let sum = 0;
    for (const byStatus of this.counts.values()) for (const count of byStatus.values()) sum += count;
    return sum;
  }
}

export interface RequestSpec {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly token?: string;
  readonly json?: unknown;
  /** Sent as application/x-www-form-urlencoded (the 3-D Secure challenge page's form). */
  readonly form?: Record<string, string>;
  readonly headers?: Record<string, string>;
}

export async function send(tally: Tally, kind: string, baseUrl: string, spec: RequestSpec): Promise<Answer> {
  const headers: Record<string, string> = { ...spec.headers };
  if (spec.token) headers.authorization = `Bearer ${spec.token}`;
  let body: string | undefined;
  if (spec.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(spec.json);
  } else if (spec.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(spec.form).toString();
  }
  try {
    const response = await fetch(`${baseUrl}${spec.path}`, { method: spec.method, headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await response.text();
    tally.record(kind, response.status);
    const retryAfter = Number(response.headers.get('retry-after'));
    return {
      status: response.status,
      body: response.headers.get('content-type')?.includes('json') && text ? (JSON.parse(text) as unknown) : text,
      retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : null,
    };
  } catch {
    tally.record(kind, 'network_error');
    return { status: 'network_error', body: null, retryAfterMs: null };
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** An answer worth another try with the same request: the server or its database is away a moment. */
export function isTransient(answer: Answer): boolean {
  return answer.status === 'network_error' || answer.status >= 500 || answer.status === 429;
}

/**
 * Sends `attempt` until `settled` returns a value, pausing 250 ms, 500 ms … 4 s (or the Retry-After)
 * between tries; null when `deadlineMs` passed first.
 */
export async function retrying<T>(
  tally: Tally,
  deadlineMs: number,
  attempt: () => Promise<Answer>,
  settled: (answer: Answer) => T | null,
): Promise<T | null> {
  const deadline = Date.now() + deadlineMs;
  for (let pause = 250; ; pause = Math.min(4_000, pause * 2)) {
    const answer = await attempt();
    const value = settled(answer);
    if (value !== null) return value;
    if (Date.now() + pause > deadline) {
      tally.gaveUp += 1;
      return null;
    }
    tally.retries += 1;
    await sleep(answer.retryAfterMs ?? pause);
  }
}

/** `body.field` when the body is an object that has it. */
export function field(body: unknown, ...path: string[]): unknown {
  let value = body;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !(key in value)) return undefined;
    value = Reflect.get(value, key);
  }
  return value;
}
