/**
 * Prometheus metrics at `GET /metrics`: request latency per route, accept outcomes, how far past its
 * window the oldest uncaptured authorization is (finalizer lag), the webhook outbox backlog, worker rows that
 * failed (by sweep) and captures the PSP refused after the window (the worker reports both through its
 * `WorkerObserver`, built here with `workerObserver`). One
 * registry per app (no module-level singleton), so tests and several apps in a process stay apart.
 * Only aggregates are exposed, nothing per shop.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EngineContext } from '../engine/context';
import { finalizerLagSeconds, outboxBacklog } from '../engine/operations';
import { loggingObserver, SWEEPS, type LogSink, type WorkerObserver } from '../engine/observer';

/** The sandbox PSP's count of the faults it injected (PLUSONE_SANDBOX_FAULTS), by operation and kind. */
export interface InjectedFaultCounts {
  injected(): readonly { readonly operation: string; readonly kind: string; readonly count: number }[];
}

export interface Metrics {
  readonly registry: Registry;
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void;
  countAccept(outcome: string): void;
  /** The worker's observer: logs with `logger` and counts in this registry. */
  workerObserver(logger?: LogSink): WorkerObserver;
}

export interface MetricsOptions {
  /** The sandbox PSP's fault injector, whose injected faults are counted (`PLUSONE_SANDBOX_FAULTS`). */
  readonly sandboxFaults?: InjectedFaultCounts | null;
}

export function createMetrics(ctx: EngineContext, options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'plusone_' });
  const requests = new Histogram({
    name: 'plusone_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const accepts = new Counter({
    name: 'plusone_accept_outcomes_total',
    help: 'Answers of POST /v1/checkout/accept by status (accepted, declined, requires_action, pending)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const rowFailures = new Counter({
    name: 'plusone_worker_row_failures_total',
    help: 'Worker rows (or whole sweeps) whose work threw; each is backed off and retried, the others go on',
    labelNames: ['sweep'],
    registers: [registry],
  });
  // Every sweep shows up at 0, so an alert can be written before the first failure.
  for (const sweep of SWEEPS) rowFailures.inc({ sweep }, 0);
  const captureFailures = new Counter({
    name: 'plusone_capture_failures_total',
    help: 'Captures after the undo window that the PSP refused (upsell capture_failed, line removed)',
    registers: [registry],
  });
  const { sandboxFaults } = options;
  if (sandboxFaults) {
    new Counter({
      name: 'plusone_sandbox_faults_injected_total',
      help: 'Sandbox PSP writes failed on purpose (PLUSONE_SANDBOX_FAULTS), by operation and kind (unavailable, timeout)',
      labelNames: ['operation', 'kind'],
      registers: [registry],
      collect() {
        this.reset();
        for (const { operation, kind, count } of sandboxFaults.injected()) this.inc({ operation, kind }, count);
      },
    });
  }
  new Gauge({
    name: 'plusone_finalizer_lag_seconds',
    help: 'How long past its undo window the oldest authorization still waits for its capture',
    registers: [registry],
    async collect() {
      this.set(await finalizerLagSeconds(ctx));
    },
  });
  new Gauge({
    name: 'plusone_outbox_backlog',
    help: 'Webhook deliveries not yet accepted by their receiver',
    registers: [registry],
    async collect() {
      this.set(await outboxBacklog(ctx));
    },
  });
  return {
    registry,
    observeRequest(method, route, statusCode, seconds) {
      requests.observe({ method, route, status_code: String(statusCode) }, seconds);
    },
    countAccept(outcome) {
      accepts.inc({ outcome });
    },
    workerObserver(logger) {
      return loggingObserver(logger, {
        rowFailed: (sweep) => rowFailures.inc({ sweep }),
        captureFailed: () => captureFailures.inc(),
      });
    },
  };
}
