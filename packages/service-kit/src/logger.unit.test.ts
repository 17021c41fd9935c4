import { describe, expect, it } from '@jest/globals';
import { createLogger, scrubPersonalData } from './index.js';

// Canaries: if any of these strings shows up in the output, personal data leaked.
const EMAIL = 'canary.jane.doe@example-maison.com';
const PHONE = '+33 6 12 34 56 78';
const NAME = 'Canaryname Doe';
const STREET = '12 Rue du Canari';
const TOKEN = 'canary-bearer-token-7f3a';

function capture(options: { redactKeys?: string[] } = {}) {
  const lines: string[] = [];
  const logger = createLogger({
    service: 'profiles',
    level: 'trace',
    ...options,
    destination: { write: (line: string) => void lines.push(line) },
  });
  return { logger, output: () => lines.join('') };
}

describe('createLogger', () => {
  it('never writes planted personal data or credentials', () => {
    const { logger, output } = capture();
    logger.info(
      {
        email: EMAIL,
        client: {
          phone: PHONE,
          name: NAME,
          profile: { address: { street: STREET }, phoneNumber: PHONE },
        },
        events: [{ data: { email: EMAIL, firstName: NAME } }],
        req: {
          headers: { authorization: `Bearer ${TOKEN}`, cookie: `sid=${TOKEN}`, 'x-api-key': TOKEN },
        },
        credentials: { password: TOKEN, accessToken: TOKEN },
      },
      'client registered',
    );
    // Free text and errors are where structured redaction cannot reach.
    logger.warn(`could not match ${EMAIL} or ${PHONE}`);
    logger.error({ err: new Error(`duplicate key (email)=(${EMAIL})`) }, 'insert failed');
    logger
      .child({ requestId: 'r-1' })
      .info({ deeply: { nested: { beyond: { the: { reach: { email: EMAIL } } } } } });

    const text = output();
    for (const canary of [EMAIL, PHONE, NAME, STREET, TOKEN, 'canary.jane']) {
      expect(text).not.toContain(canary);
    }
    const first = JSON.parse(text.split('\n')[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({
      level: 'info',
      service: 'profiles',
      msg: 'client registered',
      email: '[redacted]',
      client: { phone: '[redacted]', name: '[redacted]', profile: { address: '[redacted]' } },
      req: {
        headers: { authorization: '[redacted]', cookie: '[redacted]', 'x-api-key': '[redacted]' },
      },
    });
    expect(text).toContain('could not match [email] or [phone]');
    expect(text).toContain('insert failed');
  });

  it('redacts extra keys a service configures', () => {
    const { logger, output } = capture({ redactKeys: ['loyaltyNumber'] });
    logger.info({ card: { loyaltyNumber: 'LOY-CANARY-991' } });
    expect(output()).not.toContain('LOY-CANARY-991');
  });
});

describe('scrubPersonalData', () => {
  it('masks e-mail addresses and international phone numbers but not ids or timestamps', () => {
    expect(scrubPersonalData('a.b+c@d.co.uk called +44 20 7946 0958')).toBe(
      '[email] called [phone]',
    );
    const ordinary = '{"time":"2026-11-22T08:30:00+01:00","count":1234567890,"id":"01J9Z8"}';
    expect(scrubPersonalData(ordinary)).toBe(ordinary);
  });
});
