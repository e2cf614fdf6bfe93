/** The soak's proxy addressing (bench/soak/postgres.ts): the embedded socket URL in, one TCP URL out. */
import { describe, expect, it } from 'vitest';
import { throughProxy, upstreamOf } from '../../bench/soak/postgres';

const embedded = 'postgresql://postgres:p%40ss@/plusone?host=%2Ftmp%2Fsoak%2Frun&port=5432';

describe('the soak database proxy', () => {
  it('finds the socket of an embedded URL and a TCP server of a plain one', () => {
    expect(upstreamOf(embedded)).toEqual({ socketPath: '/tmp/soak/run/.s.PGSQL.5432' });
    expect(upstreamOf('postgresql://postgres:pw@/plusone?host=%2Fsock&port=6543')).toEqual({ socketPath: '/sock/.s.PGSQL.6543' });
    expect(upstreamOf('postgres://u:pw@db.internal:6000/x')).toEqual({ host: 'db.internal', port: 6000 });
  });

  it('points the same credentials and database at the proxy, with no socket or port left in the query', () => {
    const url = new URL(throughProxy(embedded, 40000));
    expect(url.host).toBe('127.0.0.1:40000');
    expect(url.pathname).toBe('/plusone');
    expect(decodeURIComponent(url.password)).toBe('p@ss');
    expect([...url.searchParams.keys()]).toEqual([]);
  });
});
