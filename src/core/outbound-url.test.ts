import { describe, expect, it } from 'vitest';
import { checkOutboundUrl, classifyAddress } from './outbound-url';

const strict = { allowPrivate: false };
const dev = { allowPrivate: true };

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link_local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.1', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link_local'],
    ['::ffff:8.8.8.8', 'public'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'link_local'],
    ['64:ff9b::8.8.8.8', 'public'],
    ['64:ff9b:1::1', 'private'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:0808:0808::1', 'public'],
    ['fc00::1', 'unique_local'],
    ['fd12:3456:789a::1', 'unique_local'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'],
    ['100::1', 'reserved'],
    ['2606:4700:4700::1111', 'public'],
    ['2a00:1450:4001:82b::200e', 'public'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each(['example.com', '1.2.3', '1.2.3.256', '::1::2', '1:2:3:4:5:6:7:8:9', 'gggg::1', ''])('%s is not an address', (text) => {
    expect(classifyAddress(text)).toBeNull();
  });
});

describe('checkOutboundUrl', () => {
  it.each([
    'https://hooks.example.com/plusone',
    'http://hooks.example.com:8080/plusone?shop=1',
    'https://8.8.8.8/hook',
    'https://[2606:4700:4700::1111]/hook',
  ])('allows %s', (url) => {
    expect(checkOutboundUrl(url, strict).ok).toBe(true);
  });

  it.each([
    'http://127.0.0.1/hook',
    'http://127.0.0.1./hook',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[::ffff:7f00:1]/hook',
    'http://[64:ff9b::a00:1]/hook',
    'http://[fd00::1]/hook',
    'http://[fe80::1]/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.5/hook',
    'http://172.20.1.1/hook',
    'http://192.168.0.1/hook',
    'http://100.64.1.1/hook',
    'http://0.0.0.0/hook',
    'http://[::]/hook',
    'http://2130706433/hook',
    'http://0x7f.1/hook',
    'http://0177.0.0.1/hook',
    'http://017700000001/hook',
    'http://127.1/hook',
    'http://224.0.0.1/hook',
    'http://255.255.255.255/hook',
    'http://localhost/hook',
    'http://LOCALHOST:3000/hook',
    'http://localhost./hook',
    'http://api.localhost/hook',
    'http://printer.local/hook',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://intranet/hook',
    'http://user:pass@hooks.example.com/hook',
    'http://token@hooks.example.com/hook',
    'ftp://hooks.example.com/hook',
    'file:///etc/passwd',
    'gopher://hooks.example.com:70/',
    'http://hooks.example.com:0/hook',
    'not a url',
  ])('refuses %s', (url) => {
    expect(checkOutboundUrl(url, strict).ok).toBe(false);
  });
});

describe('checkOutboundUrl with private targets allowed', () => {
  it('allows loopback, private and .localhost targets when private targets are allowed', () => {
    for (const url of [
      'http://127.0.0.1:4000/hook',
      'http://[::1]:4000/hook',
      'http://localhost:4000/hook',
      'http://10.0.0.5/hook',
      'http://169.254.1.1/',
    ]) {
      expect(checkOutboundUrl(url, dev).ok).toBe(true);
    }
  });

  it('still refuses unspecified, multicast, broadcast and reserved targets and credentials when private targets are allowed', () => {
    for (const url of [
      'http://0.0.0.0/hook',
      'http://[::]/hook',
      'http://224.0.0.1/',
      'http://255.255.255.255/',
      'http://240.0.0.1/',
      'http://u:p@127.0.0.1/',
    ]) {
      expect(checkOutboundUrl(url, dev).ok).toBe(false);
    }
  });

  it('names the reason without quoting the URL', () => {
    const check = checkOutboundUrl('http://169.254.169.254/latest/meta-data/', strict);
    expect(check).toEqual({ ok: false, reason: 'link-local addresses are not allowed' });
  });
});
