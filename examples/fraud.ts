/**
 * Fraud flags — transactions enriched from a static customer table and checked by a
 * stateful per-customer rule.
 *
 *   node bin/sluice.js run examples/fraud.ts
 *
 * A transaction is flagged when its customer is unknown, when it is abroad (not the customer's home country), when it
 * exceeds the customer's limit, or when it is more than 5× the customer's running average
 * after at least 3 transactions. The per-customer statistics live in named keyed state.
 */
import { fileURLToPath } from 'node:url';
import * as O from 'fp-ts/lib/Option.js';
import { Pipeline, S, Sources, StaticTable, minutes, pair, seconds, type State } from '../src/index.js';

export const Transaction = S.record('Transaction', {
  id: S.string(),
  customer: S.string(),
  amount: S.double(),
  country: S.string(),
  ts: S.timestampMillis(),
});
export type Transaction = S.Infer<typeof Transaction>;

export const Customer = S.record('Customer', { id: S.string(), name: S.string(), country: S.string(), limit: S.double() });
export type Customer = S.Infer<typeof Customer>;

/** Running statistics of one customer. */
export interface Stats { readonly count: number; readonly total: number }

/** A flagged transaction. */
export interface Flag { readonly id: string; readonly customer: string; readonly amount: number; readonly reasons: string[] }

const data = (name: string) => fileURLToPath(new URL(`./data/${name}`, import.meta.url));

/** The stateful rule: compares each transaction with the customer's history, then records it. */
export function check(
  customer: string,
  value: O.Option<readonly [Transaction, O.Option<Customer>]>,
  state: State<Stats>,
): O.Option<Flag> {
  if (O.isNone(value)) return O.none;
  const [tx, known] = value.value;
  if (O.isNone(known)) return O.some({ id: tx.id, customer, amount: tx.amount, reasons: ['unknown customer'] });
  const c = known.value;
  const stats = state.exists() ? state.get() : { count: 0, total: 0 };
  const reasons: string[] = [];
  if (tx.country !== c.country) reasons.push(`abroad (${tx.country}, home ${c.country})`);
  if (tx.amount > c.limit) reasons.push(`over limit ${c.limit}`);
  if (stats.count >= 3 && tx.amount > 5 * (stats.total / stats.count)) reasons.push(`> 5× average ${(stats.total / stats.count).toFixed(2)}`);
  state.update({ count: stats.count + 1, total: stats.total + tx.amount });
  return reasons.length ? O.some({ id: tx.id, customer, amount: tx.amount, reasons }) : O.none;
}

export const pipeline = Pipeline.create('fraud', { batchInterval: seconds(1) });

const customers = StaticTable.fromJsonLines(process.env.CUSTOMERS_FILE ?? data('customers.jsonl'), (c: Customer) => c.id, { schema: Customer, refresh: minutes(5) });

pipeline
  .source(Sources.limit(Sources.jsonLines(process.env.TRANSACTIONS_FILE ?? data('transactions.jsonl'), Transaction), 50))
  .map((tx) => pair(tx.customer, tx))
  .leftJoinStatic(customers)
  .mapWithState({ fn: check, name: 'customer-stats', ttl: minutes(60) })
  .map((f) => `FLAG ${f.id} ${f.customer} ${f.amount.toFixed(2)}: ${f.reasons.join('; ')}`)
  .print(50);

export default pipeline;
