/**
 * The audit log's one mechanism: a route names its change in `config.audit` (the action, the kind of
 * target, how to find the target's id), and once the route has answered 2xx this hook records who made it
 * (the secret key, or the operator), through which channel (the API, or the admin), what and when —
 * with the request's body as the change, every secret in it masked. Refused requests change nothing and
 * are not recorded; an idempotent replay (`request.auditSkip`) was recorded the first time.
 *
 * The entry is written after the change committed and before the answer is sent: a crash in between
 * keeps the change and loses its entry (docs/admin.md says so). Orders, accepts, undos and captures are
 * not in the audit log: they are the order's own timeline.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EngineContext } from '../engine/context';
import { recordChange } from '../engine/audit';
import { channelOf } from './internal-caller';

export interface AuditSpec {
  /** What was done, `<target>.<past tense>`: `offer.updated`, `api_key.revoked`. */
  readonly action: string;
  readonly target: string;
  /** The target's id, from the path or from the answer (a created row's id). */
  readonly id: (request: FastifyRequest, answer: Record<string, unknown>) => string | undefined;
  /** What to record as the change; default: the request's body. */
  readonly changes?: (request: FastifyRequest, answer: Record<string, unknown>) => unknown;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    audit?: AuditSpec;
  }
  interface FastifyRequest {
    /** Set by a route whose answer is a replay of one already recorded. */
    auditSkip?: boolean;
  }
}

/** Shown instead of a secret's value. */
export const MASKED = '•••';

/** Field names whose values are secrets wherever they appear; under `gatewayCredentials` every value is. */
const SECRET_NAME = /secret|token|password|private|hmac|apikey/i;

/** The value with every secret replaced by `MASKED` (null and absent stay as they are: "removed" is not secret). */
export function maskSecrets(value: unknown, secretBranch = false): unknown {
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item, secretBranch));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([name, inner]) => [
        name,
        maskSecrets(inner, secretBranch || name === 'gatewayCredentials' || SECRET_NAME.test(name)),
      ]),
    );
  }
  return secretBranch && value !== null && value !== undefined ? MASKED : value;
}

function answerObject(payload: unknown): Record<string, unknown> {
  if (typeof payload !== 'string' || payload === '') return {};
  try {
    const parsed: unknown = JSON.parse(payload);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A field of a nested answer object (`answer.offer.id`), if it is a string. */
export function answerId(answer: Record<string, unknown>, field: string): string | undefined {
  const inner = answer[field];
  const id = typeof inner === 'object' && inner !== null ? (inner as Record<string, unknown>).id : undefined;
  return typeof id === 'string' ? id : undefined;
}

export function registerAudit(app: FastifyInstance, ctx: EngineContext): void {
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const spec = request.routeOptions.config.audit;
    if (!spec || reply.statusCode < 200 || reply.statusCode >= 300 || request.auditSkip) return payload;
    const answer = answerObject(payload);
    const targetId = spec.id(request, answer);
    const shopId = request.shopId ?? (spec.target === 'shop' ? targetId : undefined);
    if (!shopId || !targetId) return payload;
    const changes = maskSecrets(spec.changes ? spec.changes(request, answer) : (request.body ?? {}));
    try {
      await recordChange(ctx, {
        shopId,
        actor: request.apiKey ? { type: 'api_key', keyId: request.apiKey.keyId, last4: request.apiKey.last4 } : { type: 'operator' },
        via: channelOf(request),
        action: spec.action,
        target: { type: spec.target, id: targetId },
        changes:
          typeof changes === 'object' && changes !== null && !Array.isArray(changes) ? (changes as Record<string, unknown>) : { value: changes },
      });
    } catch (error) {
      // The change is made and answered; its entry is lost and the operator is told.
      request.log.error({ err: error, action: spec.action }, 'audit entry not written');
    }
    return payload;
  });
}

/** The target's id from a path parameter. */
export const fromParam =
  (name: string) =>
  (request: FastifyRequest): string | undefined => {
    const value = (request.params as Record<string, unknown> | undefined)?.[name];
    return typeof value === 'string' ? value : undefined;
  };

/** The target's id from the answer's `field.id` (a created row). */
export const fromAnswer = (field: string) => (_request: FastifyRequest, answer: Record<string, unknown>) => answerId(answer, field);

/** The shop the key belongs to. */
export const theShop = (request: FastifyRequest): string | undefined => request.shopId;

/** A route's `config` recording its change in the audit log. */
export function audited(action: string, target: string, id: AuditSpec['id'], changes?: AuditSpec['changes']): { audit: AuditSpec } {
  return { audit: { action, target, id, ...(changes ? { changes } : {}) } };
}
