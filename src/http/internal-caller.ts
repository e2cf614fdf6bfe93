/**
 * Which of Plusone's own web parts made an API call (the merchant admin), so the audit log can say a
 * change came through the admin rather than straight through the API. The admin calls the API in process
 * (`injectClient`) with a header holding this process's random token: an outside client cannot know it,
 * so it cannot make its calls look like the admin's.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

export type Channel = 'api' | 'admin';

export const VIA_HEADER = 'x-plusone-via';

const processToken = randomBytes(32).toString('base64url');

/** The header an in-process part adds to its API calls. */
export function viaHeaders(channel: Exclude<Channel, 'api'>): Record<string, string> {
  return { [VIA_HEADER]: `${channel} ${processToken}` };
}

/** `admin` for a call the admin made in this process; `api` for every other (a forged header included). */
export function channelOf(request: FastifyRequest): Channel {
  const header = request.headers[VIA_HEADER];
  if (typeof header !== 'string') return 'api';
  const [channel, token = ''] = header.split(' ');
  const given = Buffer.from(token);
  const expected = Buffer.from(processToken);
  const genuine = given.length === expected.length && timingSafeEqual(given, expected);
  return genuine && channel === 'admin' ? 'admin' : 'api';
}
