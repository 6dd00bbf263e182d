import type { ServerResponse } from 'node:http'
import { ErrorCode, sendJson, Tokens, type Decision, type HttpRoute } from '@omotenashi/core'
import { ProfileTokens, type ProfileStore } from '@omotenashi/profile'
import { ContainerModule } from 'inversify'
import * as z from 'zod'
import { DECISION_LOG_HTML } from './decision-log-html.js'

/** Query of the decision-log feed, validated at the boundary. */
const FeedQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** Only decisions about this loyalty member. */
  customer: z.string().trim().min(1).max(200).optional(),
})

/** One decision as the page shows it: the recorded decision plus who it is about. */
export interface DecisionRow {
  readonly decision: Decision
  /** Loyalty id, display name and tier from the profile (what the staff card shows too). */
  readonly who: { readonly loyaltyId?: string; readonly name?: string; readonly tier?: string }
}

/**
 * The demo's live decision log ("see why"): `GET /demo/decisions` is the page (public: it holds
 * no data), `GET /demo/decisions.json` the recent decisions from the DecisionLog with every
 * candidate's score, status and blocking policy (API key scope `read`; the page sends the key
 * from its URL fragment, which browsers never send to a server).
 */
export function decisionLogPage(): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(Tokens.HttpRoute).toConstantValue({
      method: 'GET',
      path: '/demo/decisions',
      access: 'public',
      summary: 'The demo decision-log page',
      async handle(_request, response) {
        html(response, DECISION_LOG_HTML)
      },
    } satisfies HttpRoute)
    bind(Tokens.HttpRoute)
      .toDynamicValue((ctx) => {
        const log = ctx.get(Tokens.DecisionLog)
        const resolver = ctx.get(Tokens.IdentityResolver)
        const profiles = ctx.get(ProfileTokens.ProfileStore)
        return {
          method: 'GET',
          path: '/demo/decisions.json',
          access: 'read',
          summary: 'Recent decisions with candidates, scores, winners and blocking policies',
          async handle(request, response) {
            const url = new URL(request.url ?? '/', 'http://localhost')
            const parsed = FeedQuerySchema.safeParse(Object.fromEntries(url.searchParams))
            if (!parsed.success) {
              // The same error shape as the rest of the API.
              const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
              sendJson(response, 400, { error: { code: ErrorCode.Validation, message: issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues } })
              return
            }
            const { limit, customer } = parsed.data
            let decisions: Decision[]
            if (customer !== undefined) {
              const id = await resolver.resolve({ loyaltyId: customer }, { create: false })
              decisions = id === undefined ? [] : await log.list(id, { limit })
            } else decisions = await log.recent(limit)
            sendJson(response, 200, { decisions: await withWho(decisions, profiles) })
          },
        } satisfies HttpRoute
      })
      .inSingletonScope()
  })
}

async function withWho(decisions: readonly Decision[], profiles: ProfileStore): Promise<DecisionRow[]> {
  const cache = new Map<string, DecisionRow['who']>()
  const rows: DecisionRow[] = []
  for (const decision of decisions) {
    let who = cache.get(decision.customerId)
    if (who === undefined) {
      const profile = await profiles.get(decision.customerId)
      const loyaltyId = profile?.identifiers['loyaltyId']?.[0]?.value
      const name = profile?.traits['name']?.value
      const tier = profile?.traits['tier']?.value
      who = {
        ...(loyaltyId === undefined ? {} : { loyaltyId }),
        ...(typeof name === 'string' ? { name } : {}),
        ...(typeof tier === 'string' ? { tier } : {}),
      }
      cache.set(decision.customerId, who)
    }
    rows.push({ decision, who })
  }
  return rows
}

function html(response: ServerResponse, body: string): void {
  response.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    // The page's own script only; no framing.
    'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
    'cache-control': 'no-store',
  })
  response.end(body)
}
