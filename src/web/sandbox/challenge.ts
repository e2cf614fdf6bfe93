/**
 * The sandbox issuer's 3-D Secure challenge page, served at the URL a `requires_action` answer carries
 * (`/sandbox/3ds/{ref}`). The buyer completes or fails it with a plain form POST, so it works without
 * script; the answer page then tells the widget's dialog (iframe parent or popup opener) by postMessage.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { DomainError } from '../../core/errors';
import { formatMoney } from '../../core/money';
import { screenFormBody } from '../../core/screen';
import { cardBrandName } from '../../core/messages';
import { escapeHtml } from '../../core/html';
import { sendHtml, type PagePolicy } from '../../http/security-headers';
import type { ChallengeIssuer, ChallengeResult, SandboxChallenge } from '../../core/sandbox';

/** The merchant account a challenge belongs to, as the issuer's page shows it. */
export interface ChallengeMerchant {
  /** The shop's name, shown to the buyer. */
  readonly name: string;
  /** The origins that may frame the page besides this one: the widget's dialog on the shop's pages. */
  readonly framers: readonly string[];
}

export interface SandboxChallengeOptions {
  /** The sandbox PSP, which holds the challenges. */
  readonly issuer: ChallengeIssuer;
  /** The shop behind a payment's `merchantRef` (the shop id); null when unknown. */
  readonly merchant: (merchantRef: string) => Promise<ChallengeMerchant | null>;
}

const STYLE = `
  *, *::before, *::after { box-sizing: border-box; }
  body { margin: 0; padding: 1rem; font: 16px/1.5 system-ui, sans-serif; color: #1a1a2e; background: #eef1f6; overflow-wrap: anywhere; }
  main { width: 100%; max-width: 26rem; margin: 1rem auto; padding: 1.25rem; background: #fff; border-radius: 8px;
    box-shadow: 0 1px 4px rgb(0 0 0 / 0.15); }
  @media (max-width: 24rem) { body { padding: 0.5rem; } main { margin: 0 auto; padding: 1rem; } }
  .bank { margin: 0 0 1rem; font-weight: 700; color: #0b3d91; }
  h1 { font-size: 1.25rem; margin: 0 0 0.75rem; }
  dl { display: grid; grid-template-columns: auto minmax(0, 1fr); gap: 0.25rem 1rem; margin: 1rem 0; }
  dt { color: #4a4a5e; } dd { margin: 0; font-weight: 600; }
  .note { font-size: 0.875rem; color: #4a4a5e; }
  .actions { display: flex; flex-direction: column; gap: 0.5rem; margin-top: 1.25rem; }
  button { width: 100%; min-height: 44px; font: inherit; padding: 0.75rem; border-radius: 6px; border: 2px solid #0b3d91; cursor: pointer; }
  button[value="success"] { background: #0b3d91; color: #fff; }
  button[value="failure"] { background: #fff; color: #0b3d91; }
  button:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
`;

const NOT_FRAMED: PagePolicy = { framers: { kind: 'none' }, popup: true };

/** Framed by this origin and the shop's own pages (the widget's dialog); posts only back to itself. */
function pagePolicy(merchant: ChallengeMerchant | null): PagePolicy {
  return merchant ? { framers: { kind: 'self', origins: merchant.framers }, formAction: ["'self'"], popup: true } : NOT_FRAMED;
}

function page(reply: FastifyReply, policy: PagePolicy, status: number, title: string, body: string, script = ''): FastifyReply {
  return sendHtml(
    reply.status(status),
    policy,
    (nonce) =>
      `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
      `<meta name="viewport" content="width=device-width, initial-scale=1">` +
      `<title>${escapeHtml(title)}</title><style nonce="${nonce}">${STYLE}</style></head>` +
      `<body><main><p class="bank">Sandbox Bank · Secure authentication</p>${body}</main>` +
      (script ? `<script nonce="${nonce}">${script}</script>` : '') +
      `</body></html>`,
  );
}

function cardLine(challenge: SandboxChallenge): string {
  const { brand, last4 } = challenge.card;
  if (!last4) return 'The card on file';
  return `${brand ? cardBrandName(brand) : 'Card'} ending ${last4}`;
}

function challengePage(reply: FastifyReply, policy: PagePolicy, merchant: ChallengeMerchant | null, challenge: SandboxChallenge): FastifyReply {
  return page(
    reply,
    policy,
    200,
    'Confirm your payment',
    `<h1>Confirm your payment</h1>` +
      `<p>Your bank asks you to confirm this card payment.</p>` +
      `<dl><dt>Merchant</dt><dd>${escapeHtml(merchant?.name ?? challenge.merchantRef)}</dd>` +
      `<dt>Amount</dt><dd>${escapeHtml(formatMoney(challenge.amount, challenge.currency))}</dd>` +
      `<dt>Card</dt><dd>${escapeHtml(cardLine(challenge))}</dd></dl>` +
      `<p class="note">This is a simulated issuer challenge: no real bank is contacted.</p>` +
      `<form method="post" class="actions">` +
      `<button type="submit" name="result" value="success">Complete authentication</button>` +
      `<button type="submit" name="result" value="failure">Fail authentication</button>` +
      `</form>`,
  );
}

function answeredPage(reply: FastifyReply, policy: PagePolicy, challenge: SandboxChallenge, result: ChallengeResult): FastifyReply {
  const heading = result === 'success' ? 'Authentication complete' : 'Authentication failed';
  // `<` escaped so that no value can close the script element.
  const message = JSON.stringify({ type: 'plusone:3ds-complete', ref: challenge.ref, result }).replace(/</g, '\\u003c');
  return page(
    reply,
    policy,
    200,
    heading,
    `<h1>${heading} — you can close this window</h1>`,
    `var message = ${message};` +
      `if (window.parent && window.parent !== window) window.parent.postMessage(message, '*');` +
      `if (window.opener) window.opener.postMessage(message, '*');`,
  );
}

async function answer(reply: FastifyReply, options: SandboxChallengeOptions, challenge: SandboxChallenge | null): Promise<FastifyReply> {
  if (!challenge) {
    return page(
      reply,
      NOT_FRAMED,
      404,
      'Authentication not found',
      '<h1>Authentication not found</h1><p>This payment has no authentication to complete.</p>',
    );
  }
  const merchant = await options.merchant(challenge.merchantRef);
  const policy = pagePolicy(merchant);
  switch (challenge.state) {
    case 'pending':
      return challengePage(reply, policy, merchant, challenge);
    case 'succeeded':
      return answeredPage(reply, policy, challenge, 'success');
    case 'failed':
      return answeredPage(reply, policy, challenge, 'failure');
    case 'canceled':
      return page(
        reply,
        policy,
        410,
        'Authentication canceled',
        '<h1>Authentication canceled</h1><p>The merchant canceled this payment; you can close this window.</p>',
      );
    default: {
      const exhaustive: never = challenge.state;
      return exhaustive;
    }
  }
}

function challengeResult(body: unknown): ChallengeResult | null {
  if (body === null || typeof body !== 'object' || !('result' in body)) return null;
  return body.result === 'success' || body.result === 'failure' ? body.result : null;
}

export const sandboxChallengeRoutes: FastifyPluginAsync<SandboxChallengeOptions> = async (app, options) => {
  // The app accepts only JSON; an HTML form posts url-encoded, so this plugin's own context accepts that
  // too, after the same card-data check every body gets.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_request, body, done) => {
    try {
      done(null, screenFormBody(typeof body === 'string' ? body : body.toString('utf8')));
    } catch (error) {
      done(error instanceof Error ? error : new Error(String(error)), undefined);
    }
  });

  // Pages for the buyer's browser, not API: kept out of the OpenAPI document.
  app.get<{ Params: { ref: string } }>('/sandbox/3ds/:ref', { schema: { hide: true } }, async (request, reply) =>
    answer(reply, options, await options.issuer.challenge(request.params.ref)),
  );

  app.post<{ Params: { ref: string } }>('/sandbox/3ds/:ref', { schema: { hide: true } }, async (request, reply) => {
    const result = challengeResult(request.body);
    if (!result) throw new DomainError('invalid_request', 'result must be "success" or "failure"');
    return answer(reply, options, await options.issuer.completeChallenge(request.params.ref, result));
  });
};
