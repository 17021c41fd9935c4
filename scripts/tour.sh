#!/usr/bin/env bash
# The README's five-minute tour, runnable: a POS sale in Paris, the client view as the associate,
# a consent granted then withdrawn, and the consent audit as compliance. Needs `npm start` running
# (gateway on $GW, default http://localhost:4000, services on the next five ports).
set -euo pipefail
GW="${GW:-http://localhost:4000}"
TX="${TX:-http://localhost:4003}"
CONSENT="${CONSENT:-http://localhost:4004}"
EMAIL="${EMAIL:-camille.tour.$RANDOM@example.com}"
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);const p=process.argv[1];console.log(p?JSON.stringify(p.split(".").reduce((o,k)=>o?.[k],v)):JSON.stringify(v,null,2))})' "${1:-}"; }
token() { curl -sf "$GW/auth/dev/token" -H 'content-type: application/json' -d "$1" | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token'; }
gql() { curl -sf "$GW/graphql" -H "authorization: Bearer $1" -H 'content-type: application/json' -d "$2"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$1"; }

POS=$(token '{"role":"integration","subject":"pos-paris"}')
ASSOC=$(token '{"role":"associate","associateId":"par-01-a1","storeIds":["PAR-01"]}')
DPO=$(token '{"role":"compliance","subject":"dpo-1"}')

step "1. A boutique sale in Paris, sent by the POS (202: accepted into Kafka)"
curl -sf "$TX/v1/transactions" -H "authorization: Bearer $POS" -H 'content-type: application/json' -d '{
  "kind": "sale", "sourceSystem": "pos.cegid", "sourceTransactionId": "PAR-01/2026/TOUR-'"$RANDOM"'",
  "channel": "boutique", "storeId": "PAR-01", "region": "EU", "country": "FR",
  "associateId": "par-01-a1", "occurredAt": "2026-11-30T15:20:00+01:00", "currency": "EUR",
  "lines": [{ "sku": "BAG-TOP-01", "name": "Top handle bag", "categoryPath": ["Leather goods", "Bags"],
              "quantity": 1, "unitPrice": { "amountMinor": 580000, "currency": "EUR" } }],
  "total": { "amountMinor": 580000, "currency": "EUR" },
  "customer": [{ "type": "email", "value": "'"$EMAIL"'" }]
}' | json status

step "2. The client view, as the associate (identity resolves the e-mail asynchronously)"
for _ in $(seq 1 40); do
  CLIENT=$(gql "$ASSOC" '{"query":"{ clientByIdentifier(type: EMAIL, value: \"'"$EMAIL"'\") { id } }"}' | json data.clientByIdentifier.id | tr -d '"')
  [ "$CLIENT" != "null" ] && [ -n "$CLIENT" ] && break
  sleep 0.25
done
echo "client id: $CLIENT"
gql "$ASSOC" '{"query":"{ client(id: \"'"$CLIENT"'\") { identifiers { type masked } spend { lifetime { amount currency } } tier { level } transactions(first: 5) { edges { node { storeId total { amount currency } } } } } }"}' | json data

step "3. Compliance publishes the privacy notice shown at the till (its SHA-256 is the proof)"
TEXT="Maison Aurèle privacy notice 2026-11 (EU, fr): nous utilisons vos coordonnées pour vous informer de nos collections, avec votre accord, révocable à tout moment."
SHA=$(printf %s "$TEXT" | sha256sum | cut -d' ' -f1)
curl -s "$CONSENT/v1/notices" -H "authorization: Bearer $DPO" -H 'content-type: application/json' -d '{
  "noticeId": "tour-privacy-eu", "version": "2026-11", "language": "fr", "jurisdiction": "EU",
  "title": "Notice de confidentialité", "text": "'"$TEXT"'", "publishedAt": "2026-11-01T00:00:00Z" }' | json sha256

step "4. The associate records the client's e-mail marketing consent, citing that notice"
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
gql "$ASSOC" '{"query":"mutation { grantConsent(input: { clientId: \"'"$CLIENT"'\", purpose: MARKETING, channel: EMAIL, notice: { id: \"tour-privacy-eu\", version: \"2026-11\", sha256: \"'"$SHA"'\", language: \"fr\" }, collection: { method: ASSOCIATE, point: \"PAR-01\", storeId: \"PAR-01\", associateId: \"par-01-a1\" }, jurisdiction: \"EU\", occurredAt: \"'"$NOW"'\" }) { status eventId } }"}' | json data
gql "$ASSOC" '{"query":"{ client(id: \"'"$CLIENT"'\") { canContact(channel: EMAIL, purpose: MARKETING) { allowed reason } } }"}' | json data.client.canContact

step "5. The client withdraws: the very next decision says no"
sleep 1
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
gql "$ASSOC" '{"query":"mutation { withdrawConsent(input: { clientId: \"'"$CLIENT"'\", purpose: MARKETING, channel: EMAIL, collection: { method: ASSOCIATE, point: \"PAR-01\", storeId: \"PAR-01\", associateId: \"par-01-a1\" }, jurisdiction: \"EU\", occurredAt: \"'"$NOW"'\" }) { status } }"}' | json data
gql "$ASSOC" '{"query":"{ client(id: \"'"$CLIENT"'\") { canContact(channel: EMAIL, purpose: MARKETING) { allowed reason } } }"}' | json data.client.canContact

step "6. Compliance audits the consent history (and may not read the purchases)"
gql "$DPO" '{"query":"{ client(id: \"'"$CLIENT"'\") { consentHistory { purpose channel state evidenceStrength occurredAt notice { id version sha256 } collection { method point } ledger { region seq } } } }"}' | json data
gql "$DPO" '{"query":"{ client(id: \"'"$CLIENT"'\") { transactions(first: 1) { edges { node { id } } } } }"}' | json errors
