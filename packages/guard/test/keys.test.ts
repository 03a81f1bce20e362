import { guardKeys } from '../src/keys';

describe('keys', () => {
  test('keys - the layout every gateway and operator relies on', () => {
    const keys = guardKeys('shardgate:');
    expect(keys.bans).toBe('shardgate:bans');
    expect(keys.last('10.0.0.1')).toBe('shardgate:ip:10.0.0.1:last');
    expect(keys.conns('2001:db8::1')).toBe('shardgate:ip:2001:db8::1:conns');
    expect(keys.lease('gw-1')).toBe('shardgate:gw:gw-1:lease');
  });

  test('keys - a lease key is head + gatewayId + tail, as the Lua scripts build it', () => {
    const keys = guardKeys('p:');
    expect(keys.leaseHead + 'gw-7' + keys.leaseTail).toBe(keys.lease('gw-7'));
  });
});
