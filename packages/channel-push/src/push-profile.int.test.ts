import { createHub, Tokens, type Hub, type Recipient, type Stage } from '@omotenashi/core'
import { profiles, ProfileTokens, type Profile } from '@omotenashi/profile'
import { ContainerModule } from 'inversify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { inboxChannel, pushChannel } from './push-module.js'
import { formatFcmToken } from './push-token.js'
import { PushTokens } from './push-tokens.js'
import { startFcmServer, type FcmServer } from './testing/fcm-server.js'

// The token lifecycle with the real profiles() module: a registered device shows on the
// profile, a device FCM reports UNREGISTERED is taken off it (and push marked unreachable),
// and the message goes to the inbox instead.

const token = formatFcmToken('cGhvbmUtb2YtaGFuYWtv:APA91b-hanako')

describe('push tokens on the profile', () => {
  let fcm: FcmServer
  let hub: Hub

  beforeEach(async () => {
    fcm = await startFcmServer({ projectId: 'omotenashi-test', accessToken: 'ya29.t' })
    // Stands in for decisioning: the recipient's devices come from the profile, as there.
    const decide: Stage = {
      run(context) {
        if (context.event.type !== 'page.viewed' || !context.customerId) return
        const profile = context.profile as unknown as Profile | undefined
        const identifiers: Record<string, string[]> = {}
        for (const [kind, records] of Object.entries(profile?.identifiers ?? {})) identifiers[kind] = records.map((r) => r.value)
        const recipient: Recipient = { customerId: context.customerId, identifiers }
        context.decisions.push({
          id: `dec-${context.event.id}`,
          at: context.event.time,
          customerId: context.customerId,
          trigger: context.event.type,
          candidates: [],
          actions: [{ actionId: 'welcome', channels: ['push', 'inbox'], message: { actionId: 'welcome', title: 'ようこそ' }, recipient, idempotencyKey: `dec-${context.event.id}` }],
        })
      },
    }
    hub = await createHub({
      modules: [
        profiles(),
        pushChannel({ fcm: { projectId: 'omotenashi-test', baseUrl: fcm.baseUrl, accessToken: () => 'ya29.t' } }),
        inboxChannel(),
        new ContainerModule(({ bind }) => void bind(Tokens.DecideStage).toConstantValue(decide)),
      ],
    })
    await hub.start()
  })

  afterEach(async () => {
    await hub.stop()
    await fcm.close()
  })

  it('registers, pushes, and on UNREGISTERED drops the token from the profile and falls back to the inbox', async () => {
    const registered = await hub.get(PushTokens.Registry).register({ customerId: 'hanako', token })
    expect(registered.ok).toBe(true)
    await hub.drain()
    const store = hub.get(ProfileTokens.ProfileStore)
    expect((await store.get('hanako'))?.identifiers['deviceToken']?.map((r) => r.value)).toEqual([token])
    expect((await store.get('hanako'))?.reachability['push']?.reachable).toBe(true)

    await hub.publish({ id: 'v1', type: 'page.viewed', source: 'web', identity: { customerId: 'hanako' }, data: {} })
    await hub.drain()
    expect(fcm.received).toHaveLength(1)
    expect(await hub.get(Tokens.InboxStore).list('hanako')).toEqual([])

    fcm.unregister(token.slice(4))
    await hub.publish({ id: 'v2', type: 'page.viewed', source: 'web', identity: { customerId: 'hanako' }, data: {} })
    await hub.drain()
    const profile = await store.get('hanako')
    expect(profile?.identifiers['deviceToken'] ?? []).toEqual([])
    expect(profile?.reachability['push']).toMatchObject({ reachable: false })
    expect((await hub.get(Tokens.InboxStore).list('hanako')).map((m) => m.id)).toEqual(['dec-v2:inbox'])

    // Later decisions see no device at all, and FCM hears nothing more.
    const requests = fcm.received.length + fcm.refused.length
    await hub.publish({ id: 'v3', type: 'page.viewed', source: 'web', identity: { customerId: 'hanako' }, data: {} })
    await hub.drain()
    expect(fcm.received.length + fcm.refused.length).toBe(requests)
    expect(await hub.get(Tokens.InboxStore).list('hanako')).toHaveLength(2)
  })
})
