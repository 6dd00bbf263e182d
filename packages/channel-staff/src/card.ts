import type { OutboundMessage } from '@omotenashi/core'
import type { Profile } from '@omotenashi/profile'
import * as z from 'zod'

/**
 * What a decision may add for staff under `message.content.staff` (the channel's own extras).
 * Everything is optional; unknown fields are kept for custom consoles.
 */
export const StaffCardExtrasSchema = z.looseObject({
  /** A staff-specific headline, instead of the message's `title`. */
  title: z.string().max(500).optional(),
  /** A staff-specific suggested conversation, instead of the message's `text`. */
  text: z.string().max(5000).optional(),
  /** What not to say ("the coat is on sale"). One line or several. */
  avoid: z.union([z.string().min(1).max(500), z.array(z.string().min(1).max(500)).max(20)]).optional(),
  /** Extra points to bring up, after the suggested conversation. */
  talkingPoints: z.array(z.string().min(1).max(500)).max(20).optional(),
  /** How urgent the card is; consoles sort `high` first. */
  priority: z.enum(['high', 'normal', 'low']).optional(),
  /** Item names by SKU, so history lines read "Wool coat" rather than "SKU-123". */
  itemNames: z.record(z.string(), z.string().max(500)).optional(),
})

/** What a decision may add for staff. See {@link StaffCardExtrasSchema}. */
export type StaffCardExtras = z.infer<typeof StaffCardExtrasSchema>

/** One line of a customer's history on a card. */
export interface CardHistoryItem {
  /** The event type, e.g. `order.placed` or `fitting_room.tried_on`. */
  readonly type: string
  /** When (ISO). */
  readonly at: string
  /** The item, when the event was about one. */
  readonly sku?: string
  /** The item's name, when the decision gave it. */
  readonly name?: string
  /** An amount (order total), when there was one. */
  readonly value?: number
  /** The store, for offline history. */
  readonly storeId?: string
}

/** A zero-party answer as shown to staff. */
export interface CardAnswer {
  /** The question's id. */
  readonly questionId: string
  /** The question as asked, when known. */
  readonly question?: string
  /** What the customer answered. */
  readonly answer: string | number | boolean | readonly string[]
  /** When (ISO). */
  readonly at: string
}

/**
 * A clienteling card: who is here and how to greet them. Built by {@link buildCard} from the
 * message the decision chose and the customer's profile.
 */
export interface StaffCard {
  /** Card id, derived from the send's idempotency key (a retried send yields the same card). */
  readonly id: string
  /** The store whose devices see it; absent on call-centre cards. */
  readonly storeId?: string
  /** The customer. */
  readonly customerId: string
  /** When the card was made (ISO). */
  readonly createdAt: string
  /** The action this card carries out. */
  readonly actionId: string
  /** The decision that chose it. */
  readonly decisionId?: string
  /** Headline (the message's title, unless that is all there is to say: then it is the suggestion). */
  readonly title?: string
  /** Urgency, from the extras (default `normal`). */
  readonly priority: 'high' | 'normal' | 'low'
  /** Who the customer is, as far as the profile says. */
  readonly customer: {
    /** From the name traits. */
    readonly name?: string
    /** From the tier trait. */
    readonly tier?: string
    /** The loyalty card number, for the counter. */
    readonly loyaltyId?: string
    /** When the profile was created (ISO). */
    readonly memberSince?: string
  }
  /** The suggested conversation: `content.staff.text`, else the message's text, else its title. */
  readonly suggestion?: string
  /** Further points to bring up. */
  readonly talkingPoints: readonly string[]
  /** What not to say. */
  readonly avoid: readonly string[]
  /** Recent online activity, newest first. */
  readonly online: readonly CardHistoryItem[]
  /** Recent activity in stores, newest first. */
  readonly offline: readonly CardHistoryItem[]
  /** Items tried on, newest first. */
  readonly triedOn: ReadonlyArray<{ readonly sku: string; readonly name?: string; readonly at: string; readonly purchased: boolean }>
  /** Survey answers, newest first. */
  readonly answers: readonly CardAnswer[]
  /** True when no profile was available (no ProfileStore bound, or it failed): the card is thin. */
  readonly profileMissing: boolean
}

/** Limits and trait names for {@link buildCard}. */
export interface CardOptions {
  /** History lines kept per list (online, offline). Default 5. */
  readonly historyLimit?: number
  /** Tried-on items kept. Default 5. */
  readonly triedOnLimit?: number
  /** Survey answers kept. Default 5. */
  readonly answersLimit?: number
  /** Traits tried in order for the customer's name. Default `displayName`, `name`, `fullName`. */
  readonly nameTraits?: readonly string[]
  /** Trait holding the tier. Default `tier`. */
  readonly tierTrait?: string
}

/** What {@link buildCard} is built from. */
export interface CardInput {
  /** Card id. */
  readonly id: string
  /** The customer. */
  readonly customerId: string
  /** The message the decision chose (its text is the suggestion). */
  readonly message: OutboundMessage
  /** The customer's profile, when a ProfileStore is bound. */
  readonly profile?: Profile | undefined
  /** Known identifiers of the recipient (only `loyaltyId` reaches the card). */
  readonly identifiers?: Readonly<Record<string, readonly string[]>>
  /** Now (epoch ms): the card's `createdAt`. */
  readonly now: number
}

// Event types that say something about the customer to a person at the counter; system,
// consent and outcome events would only be noise on a card.
// Events about the hub's own work (decisions, timers, deliveries, consent), not what the customer did.
const HIDDEN_PREFIXES = ['message.', 'timer.', 'profile.', 'identity.', 'consent.', 'push.', 'line.', 'survey.', 'offer.', 'decisioning.', 'channel.', 'email.']
const OFFLINE_PREFIXES = ['store.', 'pos.', 'fitting_room.', 'beacon.', 'staff.', 'order.picked_up']

function traitString(profile: Profile | undefined, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = profile?.traits[name]?.value
    if (typeof value === 'string' && value.trim() !== '') return value
    if (typeof value === 'number') return String(value)
  }
  return undefined
}

function named<T extends { sku?: string }>(item: T, names: Readonly<Record<string, string>>): T & { name?: string } {
  const name = item.sku === undefined ? undefined : names[item.sku]
  return name === undefined ? item : { ...item, name }
}

/**
 * Builds a clienteling card from the chosen message and the customer's profile. Pure: the same
 * input gives the same card, so it is tested with hand-made profiles and can be replaced by an
 * adopter's own function (`staffChannel({ buildCard })`).
 *
 * Extras under `message.content.staff` must already be valid ({@link StaffCardExtrasSchema});
 * invalid extras are ignored here (the channel refuses them before building).
 */
export function buildCard(input: CardInput, options: CardOptions = {}): StaffCard {
  const { message, profile } = input
  const historyLimit = options.historyLimit ?? 5
  const parsed = StaffCardExtrasSchema.safeParse(message.content?.['staff'] ?? {})
  const extras: StaffCardExtras = parsed.success ? parsed.data : {}
  const names = extras.itemNames ?? {}

  const activity = [...(profile?.activity ?? [])].sort((a, b) => b.at.localeCompare(a.at))
  const online: CardHistoryItem[] = []
  const offline: CardHistoryItem[] = []
  for (const a of activity) {
    if (HIDDEN_PREFIXES.some((p) => a.type.startsWith(p))) continue
    const item: CardHistoryItem = named(
      {
        type: a.type,
        at: a.at,
        ...(a.sku === undefined ? {} : { sku: a.sku }),
        ...(a.value === undefined ? {} : { value: a.value }),
        ...(a.storeId === undefined ? {} : { storeId: a.storeId }),
      },
      names,
    )
    const isOffline = a.storeId !== undefined || OFFLINE_PREFIXES.some((p) => a.type.startsWith(p))
    const list = isOffline ? offline : online
    if (list.length < historyLimit) list.push(item)
  }

  const triedOn = Object.entries(profile?.interests ?? {})
    .flatMap(([sku, kinds]) => {
      const at = kinds.tried_on
      if (at === undefined) return []
      const purchased = kinds.purchased !== undefined && kinds.purchased >= at
      return [named({ sku, at, purchased }, names)]
    })
    .sort((a, b) => b.at.localeCompare(a.at))
    .slice(0, options.triedOnLimit ?? 5)

  const answers: CardAnswer[] = [...(profile?.answers ?? [])]
    .sort((a, b) => b.at.localeCompare(a.at))
    .slice(0, options.answersLimit ?? 5)
    .map((a) => ({
      questionId: a.questionId,
      ...(a.question === undefined ? {} : { question: a.question }),
      answer: a.answer,
      at: a.at,
    }))

  const name = traitString(profile, options.nameTraits ?? ['displayName', 'name', 'fullName'])
  const tier = traitString(profile, [options.tierTrait ?? 'tier'])
  const loyaltyId = profile?.identifiers['loyaltyId']?.[0]?.value ?? input.identifiers?.['loyaltyId']?.[0]
  const avoid = extras.avoid === undefined ? [] : typeof extras.avoid === 'string' ? [extras.avoid] : extras.avoid

  // Decisions may carry what to say as the text, or (a one-line action) only as the title.
  const suggestion = extras.text ?? message.text ?? extras.title ?? message.title
  const headline = extras.title ?? message.title
  const title = headline === suggestion ? undefined : headline

  return {
    id: input.id,
    ...(message.storeId === undefined ? {} : { storeId: message.storeId }),
    customerId: input.customerId,
    createdAt: new Date(input.now).toISOString(),
    actionId: message.actionId,
    ...(message.decisionId === undefined ? {} : { decisionId: message.decisionId }),
    ...(title === undefined ? {} : { title }),
    priority: extras.priority ?? 'normal',
    customer: {
      ...(name === undefined ? {} : { name }),
      ...(tier === undefined ? {} : { tier }),
      ...(loyaltyId === undefined ? {} : { loyaltyId }),
      ...(profile === undefined ? {} : { memberSince: profile.createdAt }),
    },
    ...(suggestion === undefined ? {} : { suggestion }),
    talkingPoints: extras.talkingPoints ?? [],
    avoid,
    online,
    offline,
    triedOn,
    answers,
    profileMissing: profile === undefined,
  }
}
