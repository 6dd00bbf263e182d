import * as z from 'zod'
import type { CardInput, CardOptions, StaffCard } from './card.js'

const storeId = z.string().min(1).max(200).regex(/^[^\s/?#]+$/, 'must not contain spaces, "/", "?" or "#"')

/** Builds a card; replaces {@link buildCard} when an adopter wants their own layout. */
export type BuildCard = (input: CardInput, options: CardOptions) => StaffCard

/** Options of {@link staffChannel}, validated with zod (errors name the field). */
export const StaffChannelOptionsSchema = z.object({
  /** The stores with a live feed. Cards for any other store are refused. */
  stores: z.array(storeId).min(1, 'must name at least one store'),
  /** HMAC secret signing staff device tokens (at least 32 bytes). */
  secret: z.union([
    z.string().min(32, 'must be at least 32 characters'),
    z.custom<Buffer>((v) => Buffer.isBuffer(v) && v.length >= 32, 'must be a string or a Buffer of at least 32 bytes'),
  ]),
  /** Where the routes live. Default `/staff` (`/staff/ws`, `/staff/events`, `/staff/console`…). */
  basePath: z
    .string()
    .regex(/^(\/[A-Za-z0-9._~-]+)+$/, 'must start with "/" and not end with one, e.g. "/staff"')
    .default('/staff'),
  /** Cards kept per store for devices that reconnect. Default 500. */
  bufferSize: z.number().int().positive().max(100_000).default(500),
  /** Cards older than this are not replayed to reconnecting devices. Default 8 hours. */
  maxCardAgeMs: z.number().int().positive().default(8 * 3600_000),
  /** WebSocket ping / SSE comment interval. Default 25 s. */
  heartbeatMs: z.number().int().positive().default(25_000),
  /** A device whose unsent backlog passes this many bytes is disconnected (it replays on reconnect). Default 1 MiB. */
  maxBacklogBytes: z.number().int().positive().default(1_048_576),
  /** Placement asked for by the call-centre route. Default `callcenter.agent`. */
  agentPlacement: z.string().min(1).max(200).default('callcenter.agent'),
  /** Serve the staff console page. Default true. */
  console: z.boolean().default(true),
  /** Card limits and trait names. */
  card: z
    .object({
      historyLimit: z.number().int().nonnegative().optional(),
      triedOnLimit: z.number().int().nonnegative().optional(),
      answersLimit: z.number().int().nonnegative().optional(),
      nameTraits: z.array(z.string().min(1)).optional(),
      tierTrait: z.string().min(1).optional(),
    })
    .default({}),
  /** Your own card builder (default {@link buildCard}). */
  buildCard: z.custom<BuildCard>((v) => typeof v === 'function', 'must be a function').optional(),
})

/** Options of {@link staffChannel}, as given. */
export type StaffChannelOptions = z.input<typeof StaffChannelOptionsSchema>

/** Options of {@link staffChannel}, with defaults applied. */
export type ResolvedStaffOptions = z.output<typeof StaffChannelOptionsSchema>
