// Helpers shared by the example's tests (not part of the example's API).
import { StaffTokens, type FeedEntry } from '@omotenashi/channel-staff'
import { Tokens, type Decision, type EventInput } from '@omotenashi/core'
import { ProfileTokens, type Profile } from '@omotenashi/profile'
import { PRODUCTS, type StoreId } from './catalogue.js'
import type { FashionHub } from './hub.js'
import { dropErpFile, erpSnapshot, jst, signUpEvents, type SimCustomer } from './simulate.js'

/** Makes a loyalty member known to the hub through the events a real hub would see. */
export async function member(f: FashionHub, loyaltyId: string, c: Partial<Omit<SimCustomer, 'loyaltyId'>> = {}): Promise<{ loyaltyId: string }> {
  const customer: SimCustomer = { loyaltyId, name: `Member ${loyaltyId}`, tier: 'basic', locale: 'en', home: 'shibuya', push: false, line: false, email: false, ...c }
  for (const e of signUpEvents(customer)) await f.hub.publish(e)
  await f.hub.drain()
  return { loyaltyId }
}

/** Publishes events at the current virtual time and waits until they are processed. */
export async function play(f: FashionHub, ...events: EventInput[]): Promise<void> {
  for (const e of events) await f.hub.publish(e)
  await f.hub.drain()
}

/** Advances the virtual clock to a JST wall-clock time and lets timers run. */
export async function at(f: FashionHub, day: string, hhmm: string): Promise<void> {
  await f.clock.advanceTo(jst(day, hhmm))
  await f.hub.drain()
}

/** The ERP's price/stock file: the baseline, or with the given prices and stock overrides. */
export async function erpFile(f: FashionHub, name: string, prices: Record<string, number> = {}, low: Record<string, number> = {}): Promise<void> {
  await dropErpFile(f, name, erpSnapshot(prices, (sku, store) => (store === undefined ? 40 : (low[`${sku}@${store}`] ?? 6))))
}

/** Every message the local sinks recorded, as `channel:actionId:loyaltyId`. */
export function sends(f: FashionHub): string[] {
  return [f.sinks.line, f.sinks.email, f.sinks.push].flatMap((c) => c.sent.map((s) => `${c.id}:${s.message.actionId}:${s.recipient.identifiers['loyaltyId']?.[0] ?? s.recipient.customerId}`))
}

/** The cards a store's devices get (the live feed's buffer). */
export function cards(f: FashionHub, store: StoreId): FeedEntry['card'][] {
  return f.hub.get(StaffTokens.Staff).feed.since(store).map((e) => e.card)
}

/** A member's latest decision for a trigger. */
export async function latestDecision(f: FashionHub, loyaltyId: string, trigger: string): Promise<Decision | undefined> {
  return (await f.decisions(loyaltyId)).find((d) => d.trigger === trigger)
}

/** A member's profile. */
export async function profileOf(f: FashionHub, loyaltyId: string): Promise<Profile | undefined> {
  const id = await f.hub.get(Tokens.IdentityResolver).resolve({ loyaltyId }, { create: false })
  return id === undefined ? undefined : f.hub.get(ProfileTokens.ProfileStore).get(id)
}

/** A product's list price. */
export function listPrice(sku: string): number {
  return PRODUCTS.find((p) => p.sku === sku)!.price
}
