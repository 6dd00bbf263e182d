import { manageLifecycle, registerErasable, token, Tokens, parseOptions } from '@omotenashi/core'
import { ProfileTokens } from '@omotenashi/profile'
import { ContainerModule } from 'inversify'
import { staffRouteCount } from './http/staff-routes.js'
import { StaffChannelOptionsSchema, type StaffChannelOptions } from './options.js'
import { StaffService } from './staff-service.js'

/** The service identifiers of `@omotenashi/channel-staff`. */
export const StaffTokens = {
  /** The {@link StaffService}: feed, channel, connector, live server, routes, token issuing. */
  Staff: token<StaffService>('@omotenashi/channel-staff:Staff'),
} as const

/**
 * The store staff channel as a hub module: binds the `staff` channel, its acknowledgement
 * connector and its HTTP routes (live feed over WebSocket and SSE, acknowledgements, the staff
 * console, the call-centre card). Reads profiles from `@omotenashi/profile` when installed and
 * asks `@omotenashi/decisioning` for call-centre decisions when installed.
 *
 * @example
 * ```ts
 * const hub = await createHub({ modules: [profiles(), decisioning({ rules }), staffChannel({ stores: ['shibuya', 'umeda'], secret })] })
 * const token = hub.get(StaffTokens.Staff).issueToken({ staffId: 'sato', storeIds: ['shibuya'] })
 * ```
 *
 * @throws `ValidationError` (from `@omotenashi/core`) naming the field when an option is invalid.
 */
export function staffChannel(options: StaffChannelOptions): ContainerModule {
  const o = parseOptions(StaffChannelOptionsSchema, options, 'staffChannel')
  return new ContainerModule((m) => {
    m.bind(StaffTokens.Staff)
      .toDynamicValue(
        (ctx) =>
          new StaffService(o, {
            clock: ctx.get(Tokens.Clock),
            resolver: ctx.get(Tokens.IdentityResolver),
            profiles: ctx.get(ProfileTokens.ProfileStore, { optional: true }),
            decider: ctx.get(Tokens.PullDecider, { optional: true }),
          }),
      )
      .inSingletonScope()
    m.bind(Tokens.Channel).toDynamicValue((ctx) => ctx.get(StaffTokens.Staff).channel)
    m.bind(Tokens.Connector).toDynamicValue((ctx) => ctx.get(StaffTokens.Staff).acknowledgements)
    for (let i = 0; i < staffRouteCount(o.console); i++) {
      m.bind(Tokens.HttpRoute).toDynamicValue((ctx) => ctx.get(StaffTokens.Staff).routes[i]!)
    }
    manageLifecycle(m, 'channel-staff', StaffTokens.Staff)
    registerErasable(m, 'staffCards', StaffTokens.Staff)
  })
}
