import { prepareText } from './text.rules.js';
import { rejected, type PartResult } from './validation-issue.js';

// KakaoTalk IDs and LINE IDs: the handle a user sets so friends can find them, 4 to 20 lower-case
// letters, digits, ".", "_" or "-"; neither app accepts upper case.
const HANDLE = /^[a-z0-9._-]{4,20}$/;
// https://developers.line.biz/en/docs/messaging-api/getting-user-ids: user IDs are U[0-9a-f]{32}
// and differ per provider for the same user, so they are not a LINE ID and cannot go unscoped.
const LINE_USER_ID = /^U[0-9a-f]{32}$/;

export type MessagingHandleType = 'kakao_id' | 'line_id';

/**
 * The KakaoTalk ID or LINE ID a client gives an associate. Lower-cased (the apps only allow lower
 * case, so upper case is a typing variant) and a leading `@` is dropped (written out of habit;
 * it cannot be part of the handle).
 */
export function normaliseMessagingHandle(type: MessagingHandleType, raw: unknown): PartResult {
  const prepared = prepareText(raw, { formatCharacters: 'reject' });
  if (!prepared.ok) return prepared;
  if (type === 'line_id' && LINE_USER_ID.test(prepared.text))
    return rejected(
      'provider_scoped_id',
      'is a LINE platform user ID, issued per provider; line_id is the handle the user chose',
    );
  const handle = prepared.text.replace(/^@/, '').toLowerCase();
  return HANDLE.test(handle)
    ? { ok: true, text: handle }
    : rejected('malformed', 'must be 4 to 20 letters, digits, ".", "_" or "-"');
}
