import { CloseReasons, KAETRAM_CLOSE_CODE, isCloseReason } from '../src';

/**
 * The reasons shardgate sends, each a case of Kaetram's client `Messages.handleCloseReason`
 * (packages/client/src/network/messages.ts at 4bdbd6d).
 */
const KAETRAM_REASONS = [
  'updated',
  'toofast',
  'toomany',
  'ratelimit',
  'banned',
  'loggedin',
  'invalidlogin',
  'invalidpassword',
  'timeout',
  'lost',
  'error',
  'worldfull',
  'maintenance',
  'disallowed',
  'disabledregister',
  'invalidinput',
  'cheating',
];

describe('protocol close reasons', () => {
  it('close code - refusals and kicks use WebSocket code 1010 like Kaetram', () => {
    expect(KAETRAM_CLOSE_CODE).toBe(1010);
  });

  it('close reasons - the table holds exactly the 17 reasons shardgate sends', () => {
    const values = Object.values(CloseReasons);
    expect(values).toHaveLength(17);
    expect([...values].sort()).toEqual([...KAETRAM_REASONS].sort());
  });

  it('close reasons - no two names share a reason string', () => {
    const values = Object.values(CloseReasons);
    expect(new Set(values).size).toBe(values.length);
  });

  it('close reasons - the table cannot be changed at run time', () => {
    expect(Object.isFrozen(CloseReasons)).toBe(true);
    try {
      (CloseReasons as Record<string, string>).Updated = 'changed';
    } catch {
      // strict mode throws; either way the value must not change
    }
    expect(CloseReasons.Updated).toBe('updated');
  });

  it('isCloseReason - accepts every reason the client knows', () => {
    for (const reason of KAETRAM_REASONS) expect(isCloseReason(reason)).toBe(true);
  });

  it('isCloseReason - refuses table keys, other spellings, gateway-only labels and non-strings', () => {
    for (const value of ['Updated', 'UPDATED', 'updated ', '', 'DisabledRegister', 'development', 'toolarge', 'client', 1010, null, undefined, {}, ['updated']]) {
      expect(isCloseReason(value)).toBe(false);
    }
  });
});
