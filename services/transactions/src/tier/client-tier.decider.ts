import {
  ClientTierChanged,
  transactionsClientStream,
  type DataOf,
  type EventEnvelope,
  type Money,
  type RuleRef,
} from '@maison/event-contracts';
import type { Decider } from '@maison/event-store';
import type { CommandMeta } from '../transaction/transaction.events.js';
import type { Tier } from './tier.rules.js';

export type TierChangedData = DataOf<typeof ClientTierChanged>;

export interface ClientTierState {
  readonly tier: Tier | null;
}

export interface SetTier {
  readonly type: 'SetTier';
  readonly meta: CommandMeta;
  readonly clientId: string;
  readonly tier: Tier;
  readonly rollingSpend: Money;
  readonly rule: RuleRef;
  readonly at: string;
}

export const initialTierState = (): ClientTierState => ({ tier: null });

export function evolveTier(state: ClientTierState, event: EventEnvelope): ClientTierState {
  return event.type === ClientTierChanged.type
    ? { tier: (event.data as TierChangedData).to }
    : state;
}

/** `transactions-client-<clientId>`: one event per change of tier, none when it stays. */
export function decideTier(command: SetTier, state: ClientTierState): EventEnvelope[] {
  if (state.tier === command.tier) return [];
  const data: TierChangedData = {
    clientId: command.clientId,
    from: state.tier,
    to: command.tier,
    rollingSpend: command.rollingSpend,
    rule: command.rule,
  };
  return [
    {
      id: command.meta.eventId,
      type: ClientTierChanged.type,
      schemaVersion: ClientTierChanged.schemaVersion,
      streamId: transactionsClientStream(command.clientId),
      subjectId: command.clientId,
      occurredAt: command.at,
      recordedAt: command.meta.recordedAt,
      region: command.meta.region,
      source: { system: 'transactions' },
      correlationId: command.meta.correlationId,
      causationId: command.meta.causationId,
      data,
    },
  ];
}

export const clientTierDecider: Decider<ClientTierState, SetTier> = {
  initialState: initialTierState,
  evolve: evolveTier,
  decide: decideTier,
};
