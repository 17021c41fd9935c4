import { ATTRIBUTION_PRIORITY } from '@maison/identifiers';
import type { RuleSet } from './rule-set.js';

/**
 * The rule set identity runs with unless configured otherwise (`IDENTITY_RULES_FILE`). Change it by
 * adding a new version (simulate it first: `POST /v1/rules/simulate`), never by editing a released
 * one: events cite `{ id, version }`.
 */
export const DEFAULT_RULES: RuleSet = {
  id: 'maison-identity',
  version: '2026-12.1',
  description:
    'House-issued ids (loyalty, POS, e-commerce, WeChat) and e-mails merge clients; phones and ' +
    'messaging handles link but never merge; one loyalty card per client and one customer number ' +
    'per POS or shop; shop-floor placeholders are junk.',
  priority: [...ATTRIBUTION_PRIORITY],
  types: {
    loyalty_id: { autoLink: true, merge: true, max: 1, per: 'client' },
    ecom_customer: { autoLink: true, merge: true, max: 1, per: 'scope' },
    pos_customer: { autoLink: true, merge: true, max: 1, per: 'scope' },
    email: { autoLink: true, merge: true, max: 3, per: 'client' },
    // Families and assistants share phone numbers: they attach records, they never merge clients.
    phone: { autoLink: true, merge: false, max: 3, per: 'client' },
    whatsapp: { autoLink: true, merge: false, max: 2, per: 'client' },
    wechat_unionid: { autoLink: true, merge: true, max: 1, per: 'client' },
    wechat_openid: { autoLink: true, merge: true, max: 1, per: 'scope' },
    kakao_id: { autoLink: true, merge: false, max: 1, per: 'client' },
    line_id: { autoLink: true, merge: false, max: 1, per: 'client' },
  },
  sharedThreshold: 3,
  blocklist: [
    {
      id: 'email.placeholder',
      type: 'email',
      match: 'pattern',
      value:
        '^(no|none|nomail|noemail|no[._-]e?mail|n[._-]a|unknown|aucun|pasdemail|pas[._-]de[._-]mail|sans[._-]?e?mail|refus|refused|declined|test)@',
      reason: 'placeholder typed at the till when the client gives no e-mail',
    },
    {
      id: 'email.store-mailbox',
      type: 'email',
      match: 'pattern',
      value: '^(boutique|store|shop|magasin|flagship|retail)[._-]?[a-z0-9-]*@maison-aurele\\.com$',
      reason: "a boutique's own mailbox entered instead of the client's",
    },
    {
      id: 'phone.repeated-digits',
      type: 'phone',
      match: 'pattern',
      value: '^\\+\\d{1,3}(\\d)\\1{6,}$',
      reason: 'a placeholder number made of one repeated digit',
    },
    {
      id: 'phone.sequence',
      type: 'phone',
      match: 'exact',
      value: '+33612345678',
      reason: 'the placeholder mobile number most often typed in French boutiques',
    },
    {
      id: 'phone.us-fictional',
      type: 'phone',
      match: 'pattern',
      value: '^\\+1\\d{3}55501\\d{2}$',
      reason: 'NANP 555-01xx numbers reserved for fiction and tests',
    },
    {
      id: 'whatsapp.repeated-digits',
      type: 'whatsapp',
      match: 'pattern',
      value: '^\\+\\d{1,3}(\\d)\\1{6,}$',
      reason: 'a placeholder number made of one repeated digit',
    },
    {
      id: 'loyalty.zero',
      type: 'loyalty_id',
      match: 'pattern',
      value: '^0+$',
      reason: 'an empty loyalty card field filled with zeros',
    },
  ],
  merge: { auto: true, isolatedRegions: ['CN'] },
};
