import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { PrivacyConfigError, privacyConfigFromEnv } from './index.js';

const b64 = (n: number) => randomBytes(n).toString('base64');

describe('privacyConfigFromEnv', () => {
  const master = b64(32);
  const blind = b64(32);

  it('reads the active master key, its id and the blind index key', () => {
    const config = privacyConfigFromEnv({
      MAISON_MASTER_KEY: master,
      MAISON_MASTER_KEY_ID: 'kek-2025',
      MAISON_BLIND_INDEX_KEY: blind,
    });
    expect(config.activeKekId).toBe('kek-2025');
    expect(config.keks.get('kek-2025')?.reveal().toString('base64')).toBe(master);
    expect(config.blindIndexKey.reveal().toString('base64')).toBe(blind);
  });

  it('defaults the key id and keeps retired master keys for unwrapping', () => {
    const old = b64(32);
    const config = privacyConfigFromEnv({
      MAISON_MASTER_KEY: master,
      MAISON_BLIND_INDEX_KEY: blind,
      MAISON_RETIRED_MASTER_KEYS: `kek-0=${old}`,
    });
    expect(config.activeKekId).toBe('kek-1');
    expect([...config.keks.keys()].sort()).toEqual(['kek-0', 'kek-1']);
  });

  it.each([
    [{ MAISON_BLIND_INDEX_KEY: blind }, /MAISON_MASTER_KEY is not set/],
    [{ MAISON_MASTER_KEY: master }, /MAISON_BLIND_INDEX_KEY is not set/],
    [{ MAISON_MASTER_KEY: b64(16), MAISON_BLIND_INDEX_KEY: blind }, /32 bytes, got 16/],
    [{ MAISON_MASTER_KEY: master, MAISON_BLIND_INDEX_KEY: b64(8) }, /at least 32 bytes, got 8/],
    [{ MAISON_MASTER_KEY: 'not base64!', MAISON_BLIND_INDEX_KEY: blind }, /not base64/],
    [{ MAISON_MASTER_KEY: master, MAISON_BLIND_INDEX_KEY: master }, /must differ/],
    [
      { MAISON_MASTER_KEY: master, MAISON_BLIND_INDEX_KEY: blind, MAISON_RETIRED_MASTER_KEYS: 'x' },
      /id=base64/,
    ],
  ])('rejects bad configuration %#', (env, message) => {
    expect(() => privacyConfigFromEnv(env)).toThrow(PrivacyConfigError);
    expect(() => privacyConfigFromEnv(env)).toThrow(message);
  });

  it('never prints key material', () => {
    const short = b64(16);
    let message = '';
    try {
      privacyConfigFromEnv({ MAISON_MASTER_KEY: short, MAISON_BLIND_INDEX_KEY: blind });
    } catch (error) {
      message = String(error);
    }
    expect(message).not.toContain(short);
    const config = privacyConfigFromEnv({
      MAISON_MASTER_KEY: master,
      MAISON_BLIND_INDEX_KEY: blind,
    });
    for (const printed of [
      JSON.stringify(config),
      inspect(config, { depth: 5 }),
      String(config.blindIndexKey),
    ]) {
      expect(printed).not.toContain(master);
      expect(printed).not.toContain(blind);
      expect(printed).not.toContain(Buffer.from(master, 'base64').toString('hex'));
    }
  });
});
